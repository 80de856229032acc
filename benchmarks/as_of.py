"""Benchmark: the first computation of Scorecards / At-risk after an import, and a change of
the analysis date, through the pages as a person uses them (Streamlit's AppTest).

    .venv/bin/python benchmarks/as_of.py                                  # demo, 100,000 accounts
    .venv/bin/python benchmarks/as_of.py --accounts 20000                 # a quick check
    .venv/bin/python benchmarks/as_of.py --shape many --accounts 20000 --events 4000000

The app runs in AppTest on a throw-away SQLite database, with nothing patched, and the data
is imported as a person does it: the four tables uploaded as Parquet files on the Data page,
then "Check and load", timed until the page has drawn again with the new data (which reads
the new version back and sums it up for the Overview tab, as it does for a person). Printed
per step: wall seconds, the process's CPU and peak resident memory so far, and `uptime` (the
machine is shared).

Steps: import; Scorecards first open; a rerun; the analysis date moved to the middle of the
history, then back to the latest event (each a new as_of); At-risk first open and a rerun;
At-risk after the workspace pins another analysis date.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DATA = ROOT / "benchmarks" / ".data"


def load_uptime() -> str:
    out = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return out.strip().split("load average:")[-1].strip()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_CPU = [0.0]


def cpu_seconds() -> float:
    """User + system CPU of this process so far (steadier than wall time on a loaded machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def line(step: str, seconds: float) -> None:
    now = cpu_seconds()
    cpu, _CPU[0] = now - _CPU[0], now
    print(
        f"{step:<44} {seconds:7.2f} s | CPU {cpu:6.2f} s | peak {peak_mb():7,.0f} MB"
        f" | load {load_uptime()}"
    )
    sys.stdout.flush()


def shape_folder(shape: str, accounts: int, events: int) -> Path:
    """A folder of `benchmarks/shapes.py` data, made once, validated by the import path."""
    target = DATA / f"shape-{shape}-{accounts}-{events}"
    if not (target / "events.parquet").exists():
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "shapes.py"),
                str(target),
                "--shape",
                shape,
                "--accounts",
                str(accounts),
                "--events",
                str(events),
                "--touches",
                str(max(1, events // 16)),
            ],
            check=True,
        )
    return target


def dataset_of(args: argparse.Namespace) -> object:
    """The Dataset an import would store: the demo tables, or a shape read and validated."""
    if args.shape == "demo":
        from benchmarks.pages import ensure_parquet, load

        return load(ensure_parquet(args.accounts, args.events_per_account))
    from core.data.validate import load_directory

    return load_directory(shape_folder(args.shape, args.accounts, args.events))


def uploads(dataset: object) -> list[tuple[str, bytes, str]]:
    """The dataset's tables as the Parquet files a person would upload."""
    import io

    files = []
    for table, frame in dataset.frames().items():  # type: ignore[attr-defined]
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        files.append((f"{table}.parquet", buffer.getvalue(), "application/octet-stream"))
    return files


def import_on_the_data_page(at: object, files: list[tuple[str, bytes, str]]) -> int:
    """Upload and load the files on the Data page; the workspace's id."""
    from sqlalchemy import select

    from core.db.engine import make_engine, session_factory, unit_of_work
    from core.db.models import Workspace

    at.switch_page("pages/data.py")  # type: ignore[attr-defined]
    at.run()  # type: ignore[attr-defined]
    at.file_uploader(key="import_files").set_value(files)  # type: ignore[attr-defined]
    at.run()  # type: ignore[attr-defined]
    at.button(key="import_run").click()  # type: ignore[attr-defined]
    timed(at, "import on the Data page (until it redraws)")
    factory = session_factory(make_engine(os.environ["DATABASE_URL"]))
    with unit_of_work(factory) as session:
        workspace_id = session.scalars(select(Workspace.id)).first()
    assert workspace_id is not None
    return workspace_id


def pin(workspace_id: int, as_of: date | None) -> None:
    from core.access.guard import bind
    from core.access.identity import SYSTEM
    from core.db.engine import make_engine, session_factory, unit_of_work
    from core.workspace.workspaces import set_as_of

    factory = session_factory(make_engine(os.environ["DATABASE_URL"]))
    with unit_of_work(factory) as session:
        bind(session, SYSTEM)
        set_as_of(session, workspace_id, as_of)


def timed(at: object, step: str) -> float:
    _CPU[0] = cpu_seconds()
    started = time.perf_counter()
    at.run()  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    if at.exception:  # type: ignore[attr-defined]
        raise RuntimeError(at.exception)  # type: ignore[attr-defined]
    line(step, elapsed)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", choices=("demo", "few", "many"), default="demo")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--events-per-account", type=float, default=200)
    parser.add_argument("--events", type=int, default=20_000_000, help="shapes only")
    args = parser.parse_args()

    db = Path(tempfile.mkdtemp()) / "bench.db"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["WAYPOINT_DEMO_ACCOUNTS"] = "50"
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        """As ui.app_shell.keep_app_shell_in_apptest: the app's navigation, not legacy mode."""
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=1800)
    at.run()  # creates the database and its demo workspace
    dataset = dataset_of(args)
    events = dataset.events  # type: ignore[attr-defined]
    first, last = events.get_column("timestamp").min(), events.get_column("timestamp").max()
    print(
        f"{args.shape}: {dataset.accounts.height:,} accounts, {events.height:,} events, "  # type: ignore[attr-defined]
        f"{first} .. {last}"
    )
    files = uploads(dataset)
    del dataset, events
    workspace_id = import_on_the_data_page(at, files)
    del files
    middle = first.date() + (last.date() - first.date()) / 2

    at.switch_page("pages/scorecards.py")
    timed(at, "Scorecards, first open after import")
    timed(at, "Scorecards, rerun")
    at.date_input(key="sc_as_of").set_value(middle)
    timed(at, f"Scorecards, as_of -> {middle}")
    timed(at, "Scorecards, rerun")
    at.date_input(key="sc_as_of").set_value(middle + timedelta(days=7))
    timed(at, f"Scorecards, as_of -> {middle + timedelta(days=7)}")
    at.date_input(key="sc_as_of").set_value(last.date())
    timed(at, f"Scorecards, as_of -> {last.date()} (seen)")
    at.switch_page("pages/at_risk.py")
    timed(at, "At-risk, first open")
    timed(at, "At-risk, rerun")
    pin(workspace_id, middle)
    timed(at, f"At-risk, workspace pinned to {middle}")
    timed(at, "At-risk, rerun")
    print(f"peak resident memory of the process: {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
