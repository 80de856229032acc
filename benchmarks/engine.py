"""Benchmark: our engine vs DuckDB SQL vs pandas on score + at-risk + scorecard + funnel.

    .venv/bin/python benchmarks/engine.py                    # 100,000 accounts, ~20M events
    .venv/bin/python benchmarks/engine.py --accounts 20000   # a quick check

The demo generator writes the four tables as Parquet once (cached under --data-dir,
default benchmarks/.data, git-ignored). Each implementation then runs as its own process,
--runs times, the implementations taking turns so a change in machine load hits all of
them alike: a run reads the Parquet files, computes the four outputs with the default
measurement plan and as_of (the latest event date), and writes them to Parquet. The parent
reports per implementation the median wall time of the child process (interpreter start-up
included), its median CPU time (user + system) and its peak resident memory (ru_maxrss from
wait4), the ratios ours / peer, the load average before and after, and checks that the three
produced the same outputs (same rows in the same order, floats within 1e-9).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUTPUTS = ("score", "at_risk", "scorecard", "funnel")
IMPLEMENTATIONS = ("polars", "duckdb", "pandas")


# ------------------------------------------------------------------------------ data


def ensure_data(base: Path, accounts: int, events_per_account: float) -> Path:
    """Generate the demo tables as Parquet unless this size is already cached."""
    from core.data.demo import generate, write_dataset

    target = base / f"demo-{accounts}-{events_per_account:g}"
    if (target / "events.parquet").exists():
        return target
    started = time.perf_counter()
    frames = generate(accounts=accounts, events_per_account=events_per_account)
    temp = Path(tempfile.mkdtemp(dir=base))
    write_dataset(frames, temp, fmt="parquet")
    temp.rename(target)
    counts = ", ".join(f"{k}: {len(v):,}" for k, v in frames.items())
    print(f"generated {counts} in {time.perf_counter() - started:.1f} s -> {target}")
    return target


# ------------------------------------------------------------------------------ children


def run_polars(data: Path, out: Path) -> None:
    from core.engine import (
        ParquetTables,
        at_risk_table,
        build_context,
        funnel_table,
        score_table,
        scorecard_table,
    )
    from core.model.plan import MeasurementPlan

    ctx = build_context(ParquetTables(data), MeasurementPlan())
    scores = score_table(ctx)
    results = {
        "score": scores,
        "at_risk": at_risk_table(scores),
        "scorecard": scorecard_table(ctx),
        "funnel": funnel_table(ctx),
    }
    for name, frame in results.items():
        frame.write_parquet(out / f"{name}.parquet")


def run_duckdb(data: Path, out: Path) -> None:
    from benchmarks.engine_duckdb import run

    run(data, out)


def run_pandas(data: Path, out: Path) -> None:
    from benchmarks.engine_pandas import run

    run(data, out)


RUNNERS = {"polars": run_polars, "duckdb": run_duckdb, "pandas": run_pandas}


# ------------------------------------------------------------------------------ parent


def time_child(impl: str, data: Path, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process computing everything."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, "--child", impl, "--data", str(data), "--out", str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{impl} failed with exit status {proc.returncode}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def compare(outs: dict[str, Path]) -> list[str]:
    """Differences between each implementation's outputs and ours (empty list: all agree)."""
    import polars as pl
    from polars.testing import assert_frame_equal

    problems = []
    for name in OUTPUTS:
        ours = pl.read_parquet(outs["polars"] / f"{name}.parquet")
        for impl, path in outs.items():
            if impl == "polars":
                continue
            if not (path / f"{name}.parquet").exists():
                problems.append(f"{impl} {name}: not written")
                continue
            theirs = pl.read_parquet(path / f"{name}.parquet")
            try:
                assert_frame_equal(
                    ours, theirs, check_dtypes=False, check_exact=False, rel_tol=1e-9, abs_tol=1e-9
                )
            except AssertionError as exc:
                problems.append(f"{impl} {name}: {str(exc).splitlines()[0]}")
    return problems


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--events-per-account", type=float, default=200.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=IMPLEMENTATIONS, action="append")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / ".data")
    parser.add_argument("--child", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        RUNNERS[args.child](args.data, args.out)
        return 0
    args.data_dir.mkdir(parents=True, exist_ok=True)
    data = ensure_data(args.data_dir, args.accounts, args.events_per_account)
    impls = args.only or list(IMPLEMENTATIONS)
    outs = {impl: args.data_dir / "out" / impl for impl in impls}
    for path in outs.values():  # stale outputs of an earlier run must not be compared
        for old in path.glob("*.parquet"):
            old.unlink()
    print(f"load average before: {_load()}")
    runs: dict[str, list[tuple[float, float, float]]] = {impl: [] for impl in impls}
    for _ in range(args.runs):
        for impl in impls:
            runs[impl].append(time_child(impl, data, outs[impl]))
    print(f"load average after:  {_load()}")
    medians = {}
    for impl in impls:
        wall = statistics.median(r[0] for r in runs[impl])
        cpu = statistics.median(r[1] for r in runs[impl])
        peak = max(r[2] for r in runs[impl])
        medians[impl] = wall
        times = ", ".join(f"{r[0]:.2f}" for r in runs[impl])
        print(f"{impl:7s} median {wall:6.2f} s  cpu {cpu:6.2f} s  peak {peak:6.0f} MB  ({times})")
    if "polars" in medians:
        for impl in impls:
            if impl != "polars":
                print(f"ours / {impl}: {medians['polars'] / medians[impl]:.2f}x")
    if "polars" in outs and len(outs) > 1:
        problems = compare(outs)
        print("outputs agree" if not problems else "OUTPUTS DIFFER:\n  " + "\n  ".join(problems))
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
