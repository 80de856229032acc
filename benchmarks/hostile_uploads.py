"""Peak memory of one hostile or very large upload through the Data page's import path.

    .venv/bin/python benchmarks/hostile_uploads.py [--csv-mb 500] [--bomb-gb 4]

Each case runs in its own process, like one upload on a fresh server: the file's bytes are
held in memory (as Streamlit holds an upload), then `core.data.importing.import_files` checks
and stores them in a temporary SQLite database. The cases:

- the xlsx bomb: a 4 MB workbook whose sheet unpacks to 4 GB of whitespace (refused);
- the far cell: a 1.5 KB workbook with cells at A1 and XFD1048576 (refused);
- a large CSV: an events file of about 500 MB for 1,000 accounts (valid, stored).

Prints, per case, the outcome, the time, the process's memory before the import (the upload
held) and its peak, and the peak as a multiple of the file's size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = Path(__file__).resolve().parent / ".data"

from tests.unit.hostile_files import bomb_workbook, far_cell_workbook  # noqa: E402 - after the path


def large_csv(megabytes: int) -> Path:
    """Events for 1,000 accounts, about `megabytes` MB, generated once into benchmarks/.data."""
    path = DATA / f"hostile-events-{megabytes}mb.csv"
    if path.exists():
        return path
    import polars as pl

    DATA.mkdir(exist_ok=True)
    rows = megabytes * 1024**2 // 43
    frame = pl.select(
        account_id=pl.format("A{}", pl.int_range(rows) % 1000),
        user_id=pl.format("U{}", pl.int_range(rows) % 50_000),
        event=pl.format("feature_{}", pl.int_range(rows) % 40),
        timestamp=(
            pl.lit(1_735_689_600_000_000, pl.Int64) + pl.int_range(rows, dtype=pl.Int64) * 997_000
        )
        .cast(pl.Datetime("us"))
        .dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    frame.write_csv(path)
    accounts = pl.select(
        account_id=pl.format("A{}", pl.int_range(1000)),
        start_date=pl.lit("2025-01-01"),
        contract_value=pl.lit(10_000.0),
    )
    accounts.write_csv(path.with_name("hostile-accounts.csv"))
    return path


# ------------------------------------------------------------------------------ one case


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_case(case: str, argument: str) -> dict[str, object]:
    """In this (child) process: hold the upload's bytes, import them, report memory."""
    from core.access.guard import system_factory
    from core.common.errors import UserError
    from core.data.importing import import_files
    from core.data.readers import SourceFile
    from core.db.engine import make_engine, migrate, unit_of_work
    from core.model.plan import default_segments
    from core.workspace.workspaces import create_workspace

    engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    migrate(engine)
    factory = system_factory(engine)
    with unit_of_work(factory) as session:
        workspace = create_workspace(session, "bench").id
    if case == "csv":
        path = Path(argument)
        sources = [
            SourceFile(
                "accounts.csv", "accounts", path.with_name("hostile-accounts.csv").read_bytes()
            ),
            SourceFile("events.csv", "events", path.read_bytes()),
        ]
    else:
        sources = [SourceFile("accounts.xlsx", "accounts", Path(argument).read_bytes())]
    size = sum(s.size() for s in sources)
    before = _rss_mb()
    start = time.perf_counter()
    try:
        with unit_of_work(factory) as session:
            info = import_files(session, workspace, sources, list(default_segments()))
        outcome = f"stored {info.row_counts}"
    except UserError as exc:
        outcome = f"refused: {str(exc)[:160]}"
        if hasattr(exc, "report"):
            outcome = f"refused: {exc.report(limit=1).splitlines()[-1].strip()[:200]}"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "case": case,
        "size_mb": size / 1024**2,
        "seconds": time.perf_counter() - start,
        "before_mb": before,
        "peak_mb": peak,
        "outcome": outcome,
    }


def _in_child(case: str, argument: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", case, argument],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        return {"case": case, "outcome": f"process died (exit {done.returncode})", "size_mb": 0}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _number(result: dict[str, object], key: str) -> float:
    return float(str(result[key]))


def _show(result: dict[str, object]) -> None:
    if "peak_mb" not in result:
        print(f"{result['case']:>10}: {result['outcome']}")
        return
    size, peak, before = (_number(result, k) for k in ("size_mb", "peak_mb", "before_mb"))
    print(
        f"{result['case']:>10}: {size:,.1f} MB file, {_number(result, 'seconds'):.1f} s, "
        f"{before:,.0f} MB before (the upload held), peak {peak:,.0f} MB, "
        f"{(peak - before) / max(size, 1e-9):,.1f}x the file added; {result['outcome']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv-mb", type=int, default=500)
    parser.add_argument("--bomb-gb", type=float, default=4.0)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(*args.child)))
        return
    with tempfile.TemporaryDirectory() as folder:
        far = Path(folder) / "far.xlsx"
        far.write_bytes(far_cell_workbook())
        _show(_in_child("far-cell", str(far)))
        bomb = Path(folder) / "bomb.xlsx"
        bomb.write_bytes(bomb_workbook(int(args.bomb_gb * 1024**3)))
        _show(_in_child("xlsx-bomb", str(bomb)))
    _show(_in_child("csv", str(large_csv(args.csv_mb))))
    print(f"(machine: {os.cpu_count()} cores; peak is the process's maximum resident size)")


if __name__ == "__main__":
    main()
