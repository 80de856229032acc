"""An app process killed with SIGKILL, and several writer processes at once, on SQLite and
PostgreSQL.

The killed process is a real one (tests/db/kill_child.py, which calls the same core functions
the pages call) stopped at a known point inside its transaction, so the kill lands mid-way
every time: the slices of an import written but not switched on, a journey edit flushed but
not committed. What must hold afterwards: the previous data version is still the active one,
no half-stored version is visible (not even while the process is alive), a journey loses only
the edit in flight, and the database takes the next write at once. The writers test runs
several processes (not threads: SQLite's locks are per process) writing to one database and
asks that none of them ever sees "database is locked".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from core import journey as jm
from core.at_risk import risk_states
from core.data import demo, store
from core.data.importing import import_files
from core.db.engine import unit_of_work
from core.db.models import DatasetVersion, TableChunk
from core.journey import workshop
from core.model.contract import TABLES
from core.workspace.workspaces import create_workspace
from tests.support.sample_files import SEGMENTS, good_sources

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 120  # generous: the machine's cores are shared; a wait ends as soon as the line shows


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


class Child:
    """A `python -m tests.db.kill_child ...` process whose stdout is read line by line."""

    def __init__(self, *args: object) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.db.kill_child", *map(str, args)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: list[str] = []

    def wait_for(self, wanted: str) -> None:
        """Read lines until one equals `wanted`; fail with the child's stderr if it ends."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait(timeout=30)
                raise AssertionError(f"child ended ({self.proc.returncode}): {self.stderr()}")
            self.lines.append(line.strip())
            if line.strip() == wanted:
                return
        raise AssertionError(f"child never printed {wanted!r}; it printed {self.lines}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert self.proc.returncode == -signal.SIGKILL

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read()[-3000:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def child() -> Iterator[list[Child]]:
    """Every child a test starts; any still alive at the end is killed."""
    started: list[Child] = []
    yield started
    for c in started:
        c.close()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid import of 300 demo accounts as CSV files (about 60,000 events)."""
    folder = tmp_path_factory.mktemp("kill-import")
    demo.write_dataset(demo.generate(accounts=300, seed=11), folder, fmt="csv")
    return folder


def _versions(factory: sessionmaker[Session], ws: int) -> tuple[int | None, list[int], int]:
    """The active version, every version's id, and how many slices the database holds."""
    with unit_of_work(factory) as s:
        active = store.active_info(s, ws)
        ids = [v.id for v in store.history(s, ws)]
        chunks = s.scalar(select(func.count()).select_from(TableChunk)) or 0
    return (active.id if active else None), ids, chunks


def _sqlite_is_sound(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


@pytest.mark.parametrize("pause_at", [f"Saving {TABLES[0]}", f"Saving {TABLES[-1]}"])
def test_an_import_killed_midway_leaves_the_previous_version_active(
    factory: sessionmaker[Session],
    migrated_engine: Engine,
    demo_folder: Path,
    child: list[Child],
    pause_at: str,
):
    """Killed after its first slice is written, or after its last (just before the switch)."""
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Killed import").id
        previous = import_files(s, ws, good_sources(), SEGMENTS).id
    before = _versions(factory, ws)
    assert before[0] == previous

    c = Child("import", _url(migrated_engine), ws, demo_folder, pause_at)
    child.append(c)
    c.wait_for("paused")
    assert _versions(factory, ws) == before, "a half-stored version is visible while importing"
    c.kill()

    assert _versions(factory, ws) == before
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(DatasetVersion)) == 1
        kept = store.load_dataset(s, previous)
    assert kept.accounts.height == 3
    _sqlite_is_sound(migrated_engine)

    started = time.monotonic()
    with unit_of_work(factory) as s:  # nothing the killed process held is in the way
        after = import_files(s, ws, good_sources(), SEGMENTS).id
    assert time.monotonic() - started < 10
    assert _versions(factory, ws)[0] == after != previous


def test_a_process_killed_during_journey_edits_loses_only_the_edit_in_flight(
    factory: sessionmaker[Session], migrated_engine: Engine, child: list[Child]
):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Killed edits").id
        info = jm.create_map(s, ws, "six_stage", jm.Actor("Host"))
    base = info.version

    c = Child("journey", _url(migrated_engine), info.id, 3)
    child.append(c)
    c.wait_for("in flight")
    c.kill()
    assert c.lines == ["committed 1", "committed 2", "committed 3", "in flight"]

    with unit_of_work(factory) as s:
        content = jm.load(s, info.id)
        changes = [x for x in jm.list_changes(s, info.id) if x.who == "Killed editor"]
    names = [stage["name"] for stage in content.of("stage")]
    assert [n for n in names if n.startswith("Saved stage")] == [
        "Saved stage 1",
        "Saved stage 2",
        "Saved stage 3",
    ]
    assert "Stage in flight" not in names
    assert content.info.version == base + 3
    assert len(changes) == 3
    _sqlite_is_sound(migrated_engine)

    started = time.monotonic()
    with unit_of_work(factory) as s:  # the killed process's lock on the map is gone
        jm.add_element(s, info.id, "stage", {"name": "After the kill"}, jm.Actor("Host"))
    assert time.monotonic() - started < 10
    with unit_of_work(factory) as s:
        assert jm.map_revision(s, info.id) == base + 4


WRITERS = 6
ROUNDS = 8


def test_several_writer_processes_wait_for_each_other_instead_of_failing(
    factory: sessionmaker[Session], migrated_engine: Engine, child: list[Child]
):
    """Six processes each add a stage, save a risk state and put a dot on a note, eight times,
    all on one map and one workspace: on SQLite every write queues for the one write lock."""
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Many writers").id
        info = jm.create_map(s, ws, "blank", jm.Actor("Host"))
    for n in range(WRITERS):
        child.append(Child("writer", _url(migrated_engine), ws, info.id, f"w{n}", ROUNDS))
    for c in child:
        c.wait_for("ready")
    for c in child:  # all at once
        assert c.proc.stdin is not None
        c.proc.stdin.write("go\n")
        c.proc.stdin.flush()
    for c in child:
        c.proc.wait(timeout=WAIT_S * 2)
    failures = [(c.proc.returncode, c.stderr()) for c in child if c.proc.returncode != 0]
    assert not failures, failures[0]
    for c in child:
        assert c.proc.stdout is not None
        assert c.proc.stdout.read().splitlines()[-1:] == [f"ok {ROUNDS}"]

    with unit_of_work(factory) as s:
        content = jm.load(s, info.id)
        saved = risk_states.list_risk_states(s, ws)
        notes = workshop.list_notes(s, info.id)
    stages = [x["name"] for x in content.of("stage")]
    assert len([n for n in stages if " stage " in n]) == WRITERS * ROUNDS
    assert len(saved) == WRITERS * ROUNDS
    assert sum(n.votes for n in notes) == WRITERS * ROUNDS
    # every change moved the revision once: notes, stages and dots
    assert content.info.version == info.version + WRITERS * (1 + 2 * ROUNDS)
