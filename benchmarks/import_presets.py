"""Load a 5M-event Segment export with `python -m core import` and report time and memory.

    .venv/bin/python benchmarks/import_presets.py                 # 5,000,000 events
    .venv/bin/python benchmarks/import_presets.py --events 500000  # quick check

Writes a Segment-like JSON Lines file (track calls with nested context and properties, about
1% retried deliveries sharing a messageId) and an accounts.csv into a temporary folder, then
runs the import as a child process so its peak RSS (wait4 rusage) is the import's alone. The
target from the issue: peak memory no more than about twice the export's size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ("login", "report_viewed", "integration_connected", "user_invited", "first_workflow_live")


def write_accounts(folder: Path, accounts: int) -> None:
    ids = pl.DataFrame({"n": pl.int_range(1, accounts + 1, eager=True)})
    ids.select(
        pl.format("grp_{}", "n").alias("account_id"),
        pl.format("Account {}", "n").alias("account_name"),
        (pl.col("n") * 97 % 200_000).cast(pl.Float64).alias("contract_value"),
        pl.lit("2026-01-05").alias("start_date"),
    ).write_csv(folder / "accounts.csv")


def write_export(path: Path, events: int, accounts: int, seed: int = 7) -> None:
    """Track calls in slices of 1M rows, appended to one JSON Lines file."""
    step = 1_000_000
    with path.open("wb") as handle:
        for start in range(0, events, step):
            n = min(step, events - start)
            i = pl.int_range(start, start + n, eager=True)
            # about 1% of calls are retried deliveries that repeat an earlier messageId
            message = pl.when(pl.col("i") % 100 == 99).then(pl.col("i") - 1).otherwise("i")
            frame = (
                pl.DataFrame({"i": i})
                .with_columns(m=message)
                .select(
                    pl.lit("track").alias("type"),
                    pl.lit(pl.Series(EVENTS)).gather(pl.col("i") % len(EVENTS)).alias("event"),
                    pl.format("user-{}", (pl.col("i") * 7919 + seed) % (accounts * 20)).alias(
                        "userId"
                    ),
                    pl.format("msg-{}", pl.col("m")).alias("messageId"),
                    (
                        pl.datetime(2026, 1, 6)
                        + pl.duration(seconds=(pl.col("m") * 13) % (90 * 86_400))
                    )
                    .dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
                    .alias("timestamp"),
                    pl.struct(
                        pl.format(
                            "grp_{}", (pl.col("i") * 7919 + seed) % (accounts * 20) % accounts + 1
                        ).alias("groupId"),
                        pl.struct(
                            pl.lit("analytics.js").alias("name"), pl.lit("5.2.0").alias("version")
                        ).alias("library"),
                    ).alias("context"),
                    pl.struct(
                        pl.lit("pro").alias("plan"),
                        (pl.col("i") % 50).alias("count"),
                        pl.format("/app/page/{}", pl.col("i") % 40).alias("path"),
                    ).alias("properties"),
                )
            )
            frame.write_ndjson(handle)


def run_import(export: Path, folder: Path, *, quiet: bool) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of the import child process."""
    cmd = [sys.executable, "-m", "core", "import", "--preset", "segment", str(export)]
    cmd += ["--out", str(folder)] + (["--quiet"] if quiet else [])
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed with status {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--quiet", action="store_true", help="no progress bar from the import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="waypoint-import-") as tmp:
        folder, export = Path(tmp) / "data", Path(tmp) / "segment-export.jsonl"
        folder.mkdir()
        started = time.perf_counter()
        write_accounts(folder, args.accounts)
        write_export(export, args.events, args.accounts)
        size = export.stat().st_size
        print(
            f"wrote {args.events:,} track calls, {size / 1e9:.2f} GB, in "
            f"{time.perf_counter() - started:.1f} s"
        )
        elapsed, peak = run_import(export, folder, quiet=args.quiet)
        print(
            f"import: {elapsed:.1f} s, peak RSS {peak / 1e9:.2f} GB "
            f"({peak / size:.2f}x the export's size)"
        )
        loaded = pl.scan_csv(folder / "events.csv").select(pl.len()).collect().item()
        print(f"events.csv holds {loaded:,} events")


if __name__ == "__main__":
    main()
