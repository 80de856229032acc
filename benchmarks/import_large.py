"""Import a large data set the way the Data page does, and report time and peak memory.

    .venv/bin/python benchmarks/import_large.py [--accounts 100000] [--format parquet|csv]

Generates the demo data (about 200 events per account: 20M events for 100,000 accounts) into
benchmarks/.data/, then validates the four files and stores them in a fresh SQLite database
(or DATABASE_URL), as one import. Prints each phase's time and the process's peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.access.guard import system_factory
from core.data.importing import import_files
from core.data.readers import files_in_directory
from core.data.store import load_dataset
from core.db.engine import make_engine, migrate, unit_of_work
from core.model.plan import default_segments
from core.workspace.workspaces import create_workspace

DATA = Path(__file__).resolve().parent / ".data"


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def ensure_data(accounts: int, fmt: str) -> Path:
    folder = DATA / f"import-{accounts}-{fmt}"
    if not (folder / f"events.{fmt}").exists():
        from core.data.demo import generate, write_dataset

        write_dataset(generate(accounts=accounts, seed=1), folder, fmt=fmt)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    args = parser.parse_args()
    folder = ensure_data(args.accounts, args.format)
    size = sum(p.stat().st_size for p in folder.iterdir()) / 1024**2
    print(f"data: {folder} ({size:,.0f} MB on disk)")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = make_engine(url)
    migrate(engine)
    factory = system_factory(engine)
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "bench").id
    sources = files_in_directory(folder)
    start = time.perf_counter()
    with unit_of_work(factory) as s:
        info = import_files(s, ws, sources, list(default_segments()))
    imported = time.perf_counter() - start
    print(f"import (validate + store): {imported:.1f} s, rows {info.row_counts}")
    start = time.perf_counter()
    with unit_of_work(factory) as s:
        data = load_dataset(s, info.id)
    print(f"read back: {time.perf_counter() - start:.1f} s, {data.events.height:,} events")
    print(f"peak memory: {peak_gb():.2f} GB")


if __name__ == "__main__":
    main()
