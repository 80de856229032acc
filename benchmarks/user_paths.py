"""The commands users run, as whole processes, against DuckDB SQL in the same run (issue 14).

    .venv/bin/python benchmarks/user_paths.py                       # 100,000 accounts, 20M events
    .venv/bin/python benchmarks/user_paths.py --accounts 5000 --events 1000000 --runs 1
    .venv/bin/python benchmarks/user_paths.py --shape many --format csv --as-of middle

For every combination of data shape (`few`: 3-8 users per account and 40 event names;
`many`: 10-60 users and 400 names, see benchmarks/shapes.py), input format (Parquet, CSV)
and analysis date (the latest event's; a date in the middle of the history) it runs, taking
turns so that a change in machine load hits both alike:

- ours: `python -m core score DIR --as-of DATE --out FILE`, validation included, exactly as
  a scheduled job runs it;
- DuckDB: benchmarks/score_duckdb.py on the same raw files (reads, normalises, scores; it
  checks nothing), 2 threads;
- once per data set: `python -m core validate DIR` on its own;
- `ours, kept`: the same command once a `validate` has kept its clean verdicts on the large
  files and the Parquet copies of large CSV files (core/data/fast_check.py, keyed on size and
  modification time), as for a second command over the same export. `ours` always starts
  without them (a fresh WAYPOINT_CACHE_DIR per run), as a new export does;
- bad data (unless --skip-bad): the same shape and format with the events file's very last
  row naming no account. `validate` and `score` must exit 1 with a report naming that row
  (file, row, column, value); their time is the fast check's pass plus the row-level check.

It prints, per case, the median wall time of each child process (interpreter start-up and
imports included), its CPU time (user + system), its peak resident memory (ru_maxrss from
wait4), the ratio ours / DuckDB, the load average before and after, and whether the two
agree on every account (score, action, signals and 7-day change). Data sets are generated
once and cached under --data-dir (default benchmarks/.data, git-ignored).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.shapes import END, HISTORY_DAYS, ensure  # noqa: E402 - after the path

COMPARED = ("score", "action", "signals", "score_delta_7d")


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mb: float


def measure(cmd: list[str], cache: Path | None = None, *, expect: int = 0) -> Run:
    """One child process: its wall time, CPU time and peak RSS; an exit code other than
    `expect` stops the run. `cache` is the folder for Parquet copies of large CSV files (a
    fresh one when None, so every run pays for reading the CSV: the cold case a new export
    always is)."""
    return measure_with_report(cmd, cache, expect=expect)[0]


def measure_with_report(
    cmd: list[str], cache: Path | None = None, *, expect: int = 0
) -> tuple[Run, str]:
    """measure, and what the command wrote to stderr (the bad-data report)."""
    with tempfile.TemporaryDirectory() as fresh:
        env = {**os.environ, "WAYPOINT_CACHE_DIR": str(cache or fresh)}
        return _measure(cmd, env, expect, Path(fresh) / "stderr.txt")


def _measure(cmd: list[str], env: dict[str, str], expect: int, errors: Path) -> tuple[Run, str]:
    started = time.perf_counter()
    with errors.open("wb") as sink:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=sink, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    report = errors.read_text(encoding="utf-8", errors="replace")
    if code != expect:
        raise SystemExit(f"{' '.join(cmd)} exited {code}, not {expect}:\n{report[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), report


def as_of_for(choice: str) -> str:
    """The latest event's date in shapes.py's data, or the middle of its history."""
    if choice == "latest":
        return END.isoformat()
    return date.fromordinal(END.toordinal() - HISTORY_DAYS // 2).isoformat()


def disagreements(ours: Path, theirs: Path) -> str | None:
    """None when both outputs hold the same accounts with the same score columns."""
    import polars as pl

    a = pl.read_parquet(ours).sort("account_id")
    b = pl.read_parquet(theirs).sort("account_id")
    if a["account_id"].to_list() != b["account_id"].to_list():
        return f"different accounts ({a.height:,} ours, {b.height:,} DuckDB)"
    for column in COMPARED:
        left, right = a[column], b[column]
        differ = (left.cast(pl.String) != right.cast(pl.String)).fill_null(True)
        both_null = left.is_null() & right.is_null()
        count = int((differ & ~both_null).sum())
        if count:
            return f"{column} differs on {count:,} accounts"
    return None


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _line(name: str, runs: list[Run]) -> str:
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    peak = max(r.peak_mb for r in runs)
    walls = ", ".join(f"{r.wall:.2f}" for r in runs)
    return f"  {name:10s} median {wall:7.2f} s  cpu {cpu:7.2f} s  peak {peak:7,.0f} MB  ({walls})"


def settle(data: Path) -> None:
    """Wait until the data set's newest file is older than fast_check.SETTLED_SECONDS: a
    file modified more recently may still be being written, so `validate` keeps no verdict
    on it, and right after the data is generated `ours, kept` measured the cold path."""
    from core.data.fast_check import SETTLED_SECONDS

    newest = max(p.stat().st_mtime for p in data.iterdir())
    time.sleep(max(0.0, newest + SETTLED_SECONDS + 1.0 - time.time()))


def score_case(data: Path, as_of: str, runs: int, out: Path) -> None:
    python = sys.executable
    ours_out, duck_out = out / "ours.parquet", out / "duckdb.parquet"
    ours_cmd = [python, "-m", "core", "score", str(data), "--as-of", as_of, "--out", str(ours_out)]
    duck_cmd = [python, "benchmarks/score_duckdb.py", str(data), "--as-of", as_of]
    duck_cmd += ["--out", str(duck_out)]
    found: dict[str, list[Run]] = {"ours": [], "duckdb": [], "ours, kept": []}
    kept = out / "cache"  # filled by one validate first: what `ours, kept` finds
    measure([python, "-m", "core", "validate", str(data)], kept)
    for _ in range(runs):
        found["ours"].append(measure(ours_cmd))
        found["duckdb"].append(measure(duck_cmd))
        found["ours, kept"].append(measure(ours_cmd, kept))
    for name, measured in found.items():
        print(_line(name, measured))
    ratio = statistics.median(r.wall for r in found["ours"]) / statistics.median(
        r.wall for r in found["duckdb"]
    )
    problem = disagreements(ours_out, duck_out)
    print(f"  ours / DuckDB: {ratio:.2f}x; " + (problem or "the scores agree on every account"))


def bad_case(data: Path, fmt: str, events: int, runs: int) -> None:
    """The same kind of folder with the events file's very last row naming no account:
    `validate` and `score` must exit 1 with the row-level report naming that row (file, row,
    column, value), however fast the clean path is. DuckDB checks nothing, so there is no
    peer here; the clean `validate` above is the figure to set it against."""
    python = sys.executable
    expected = f"events.{fmt}, row {events}, column account_id, value 'no-such-account'"
    for command in ("validate", "score"):
        cmd = [python, "-m", "core", command, str(data)]
        measured = [measure_with_report(cmd, expect=1) for _ in range(runs)]
        print(_line(command, [run for run, _ in measured]))
        missed = sum(expected not in report for _, report in measured)
        if missed:
            raise SystemExit(f"{command}: the report did not name {expected!r}:\n{measured[0][1]}")
    print(f"  exit code 1, and every report names the last row: {expected}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--touches", type=int, default=1_200_000)
    parser.add_argument("--shape", choices=("few", "many"), action="append")
    parser.add_argument("--format", choices=("parquet", "csv"), action="append")
    parser.add_argument("--as-of", choices=("latest", "middle"), action="append")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--skip-bad", action="store_true", help="leave out the bad-last-row data sets"
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / ".data")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {_load()}")
    for shape in args.shape or ["few", "many"]:
        for fmt in args.format or ["parquet", "csv"]:
            data = ensure(args.data_dir, shape, fmt, args.accounts, args.events, args.touches)
            print(f"{shape} / {fmt}: {data}")
            settle(data)
            validate = [sys.executable, "-m", "core", "validate", str(data)]
            print(_line("validate", [measure(validate) for _ in range(args.runs)]))
            for choice in args.as_of or ["latest", "middle"]:
                print(f" score, as of {choice} ({as_of_for(choice)})")
                with tempfile.TemporaryDirectory() as out:
                    score_case(data, as_of_for(choice), args.runs, Path(out))
            if args.skip_bad:
                continue
            sizes = (args.accounts, args.events, args.touches)
            bad = ensure(args.data_dir, shape, fmt, *sizes, bad_last_row=True)
            print(f" bad data, the last event names no account: {bad}")
            bad_case(bad, fmt, args.events, args.runs)
    print(f"load average after:  {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
