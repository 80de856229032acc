"""Import a large data set the way the Data page does, and report time and peak memory.

    .venv/bin/python benchmarks/import_large.py [--accounts 100000] [--format parquet|csv]
        [--bad-last-row]

Generates the demo data (about 200 events per account: 20M events for 100,000 accounts) into
benchmarks/.data/, then validates the four files and stores them in a fresh SQLite database
(or DATABASE_URL), as one import. Prints each phase's time and the process's peak memory.

The files are read into memory first, as bytes, because that is what the Data page gets from
Streamlit's uploader (so no check verdict kept on disk applies, and the uploaded bytes count
in the peak, as they do in the server).

With --bad-last-row the events file's very last row names an account that does not exist:
the import must be refused with a report naming that row, and nothing stored.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.access.guard import system_factory
from core.data.importing import import_apart
from core.data.readers import SourceFile, files_in_directory
from core.data.store import load_dataset
from core.data.validate import ValidationFailed
from core.db.engine import make_engine, migrate, unit_of_work
from core.model.plan import default_segments
from core.workspace.workspaces import create_workspace

DATA = Path(__file__).resolve().parent / ".data"


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def ensure_data(accounts: int, fmt: str) -> Path:
    """The demo files, generated once by a child process (generating 20M events takes more
    memory than importing them, and Linux would count it in this process's peak)."""
    folder = DATA / f"import-{accounts}-{fmt}"
    if not (folder / f"events.{fmt}").exists():
        code = (
            "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
            "from core.data.demo import generate, write_dataset;"
            "write_dataset(generate(accounts=int(sys.argv[2]), seed=1), Path(sys.argv[3]),"
            " fmt=sys.argv[4])"
        )
        root = str(Path(__file__).resolve().parent.parent)
        subprocess.run(
            [sys.executable, "-c", code, root, str(accounts), str(folder), fmt], check=True
        )
    return folder


def ensure_bad(folder: Path, fmt: str) -> Path:
    """The same files with the events file's last account id replaced, written by a child
    process (20M events in this one would count in its peak)."""
    bad = folder.with_name(folder.name + "-bad")
    if not (bad / f"events.{fmt}").exists():
        bad.mkdir(parents=True, exist_ok=True)
        for path in folder.iterdir():
            if not path.name.startswith("events."):
                shutil.copy(path, bad / path.name)
        code = (
            "import sys, polars as pl; fmt, src, out = sys.argv[1:4];"
            "read = pl.read_parquet if fmt == 'parquet' else pl.read_csv;"
            "ev = read(src);"
            "last = pl.int_range(pl.len()) == ev.height - 1;"
            "ev = ev.with_columns(pl.when(last).then(pl.lit('no-such-account'))"
            ".otherwise(pl.col('account_id')).alias('account_id'));"
            "ev.write_parquet(out) if fmt == 'parquet' else ev.write_csv(out)"
        )
        src, out = folder / f"events.{fmt}", bad / f"events.{fmt}"
        subprocess.run([sys.executable, "-c", code, fmt, str(src), str(out)], check=True)
    return bad


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--bad-last-row", action="store_true")
    args = parser.parse_args()
    folder = ensure_data(args.accounts, args.format)
    if args.bad_last_row:
        folder = ensure_bad(folder, args.format)
    size = sum(p.stat().st_size for p in folder.iterdir()) / 1024**2
    print(f"data: {folder} ({size:,.0f} MB on disk)")
    scratch = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{scratch}/bench.db"
    engine = make_engine(url)
    migrate(engine)
    factory = system_factory(engine)
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "bench").id
    sources = [
        SourceFile(s.name, s.table, Path(s.data).read_bytes())  # type: ignore[arg-type]
        for s in files_in_directory(folder)
    ]
    print(f"the files read into memory, as an upload: peak {peak_gb():.2f} GB")
    start, cpu = time.perf_counter(), cpu_seconds()
    try:
        info = import_apart(  # as the Data page: no transaction while the files are checked
            lambda: unit_of_work(factory), ws, sources, list(default_segments())
        )
    except ValidationFailed as refused:
        print(
            f"refused (validate): {time.perf_counter() - start:.1f} s, "
            f"{cpu_seconds() - cpu:.1f} CPU s, peak {peak_gb():.2f} GB"
        )
        print(refused.report(limit=3))
        shutil.rmtree(scratch, ignore_errors=True)
        return
    if args.bad_last_row:
        raise SystemExit("the import of a bad file was not refused")
    imported = time.perf_counter() - start
    print(
        f"import (validate + store): {imported:.1f} s, {cpu_seconds() - cpu:.1f} CPU s, "
        f"peak {peak_gb():.2f} GB, rows {info.row_counts}"
    )
    del sources
    start = time.perf_counter()
    with unit_of_work(factory) as s:
        data = load_dataset(s, info.id)
    print(
        f"read back (a page's first read of it): {time.perf_counter() - start:.1f} s, "
        f"{data.events.height:,} events, peak {peak_gb():.2f} GB"
    )
    print(f"load average: {os.getloadavg()[0]:.1f}")
    shutil.rmtree(scratch, ignore_errors=True)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
