"""Twenty editors on one map at once, for a few seconds, on SQLite and PostgreSQL: every write
either lands whole or comes back as a conflict notice, and no edit is lost.

The workload and what "lost" means (A-E: two stored writes on one base version; an element
removed, or values overwritten, by a save or restore whose author never saw them; an undo of
another change than the one shown; a stored change missing from the history or the revision;
a stored value a later write overwrote without moving the version) are defined in
tests/db/workload.py, which benchmarks/concurrency.py runs for a minute. The same checks
count what the journey page's pre-issue calls lose (`legacy=True`, see the benchmark).
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core import journey as j
from core.db.engine import unit_of_work
from core.workspace.workspaces import create_workspace
from tests.db.workload import run_csms, run_editors

SECONDS = 5.0


@pytest.fixture
def map_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Workshop").id
        return j.create_map(s, ws, "six_stage", j.Actor("Host")).id


def test_twenty_editors_lose_nothing(factory: sessionmaker[Session], map_id: int, backend: str):
    figures = run_editors(factory, map_id, SECONDS, editors=20, backend=backend)
    print(figures.line())  # noqa: T201 - the figures show with -s
    assert not figures.errors, figures.errors[:5]
    assert figures.lost == dict.fromkeys(figures.lost, 0), figures.line()
    assert figures.writes > 50, figures.line()
    assert figures.conflicts > 0, figures.line()  # the load really raced
    for action in ("edit", "bulk", "add", "delete", "note", "vote"):
        assert figures.done[action], (action, figures.line())


def test_twenty_csms_on_one_account_lose_no_call(factory: sessionmaker[Session], backend: str):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Accounts").id
    figures = run_csms(factory, ws, 2.0, csms=20, backend=backend)
    print(figures.line())  # noqa: T201 - the figures show with -s
    assert not figures.errors, figures.errors[:5]
    assert figures.lost == 0, figures.line()
    assert figures.saves > 1, figures.line()
    assert figures.conflicts > 0, figures.line()
