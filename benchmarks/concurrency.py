"""Twenty editors on one journey map and twenty CSMs on one account, for a minute, on SQLite and
PostgreSQL: writes, conflicts reported and edits lost (issue 11).

    .venv/bin/python benchmarks/concurrency.py                    # 60 s per workload and database
    .venv/bin/python benchmarks/concurrency.py --seconds 10 --only sqlite
    .venv/bin/python benchmarks/concurrency.py --legacy           # the page's pre-issue calls

The editors' workload and the definition of a lost edit are tests/db/workload.py's (the suite
runs the same for a few seconds in tests/db/test_concurrency_stress.py). SQLite runs on a fresh
file in a temporary folder; PostgreSQL on a throwaway database created through the admin URL
WAYPOINT_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped
afterwards. With --legacy the editors save whole tables (save_kind without the loaded table),
toggle dots, undo and restore without saying what they saw: what the journey page did before
issue 11, measured by the same checks.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core import journey as j
from core.access.guard import system_factory
from core.db.engine import make_engine, migrate, unit_of_work
from core.workspace.workspaces import create_workspace
from tests.db.workload import run_csms, run_editors

PG_ADMIN_URL = os.environ.get(
    "WAYPOINT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh, empty database URL for one backend, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'concurrency.db'}"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"waypoint_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(backend: str, seconds: float, editors: int, *, legacy: bool) -> None:
    with database(backend) as url:
        engine = make_engine(url)
        migrate(engine)
        factory = system_factory(engine)
        with unit_of_work(factory) as s:
            workspace = create_workspace(s, "Workshop").id
            map_id = j.create_map(s, workspace, "six_stage", j.Actor("Host")).id
        figures = run_editors(
            factory, map_id, seconds, editors=editors, legacy=legacy, backend=backend
        )
        print(figures.line(), flush=True)
        for error in sorted({e[:160] for e in figures.errors})[:5]:
            print(f"  error: {error}", flush=True)
        if not legacy:
            csms = run_csms(factory, workspace, seconds, csms=editors, backend=backend)
            print(csms.line(), flush=True)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per workload (default 60)")
    parser.add_argument("--editors", type=int, default=20, help="threads (default 20)")
    parser.add_argument("--only", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--legacy", action="store_true", help="the page's pre-issue calls")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    started = time.monotonic()
    for backend in args.only or ("sqlite", "postgresql"):
        run(backend, args.seconds, args.editors, legacy=args.legacy)
    print(
        f"load average after: {os.getloadavg()[0]:.2f}; {time.monotonic() - started:.0f} s in all",
        flush=True,
    )


if __name__ == "__main__":
    main()
