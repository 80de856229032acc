"""The process that tests/db/test_kills.py kills or runs beside others: the real use cases.

Run as `python -m tests.db.kill_child COMMAND URL ...`. Each command writes through core (the
same functions the pages call) and reports on stdout, one line at a time, what it has done:

* `import URL WORKSPACE DIR PAUSE_AT`: imports the CSV files in DIR with
  core.data.importing.import_files; when a progress message starting with PAUSE_AT arrives
  (the slices written so far are in the open transaction) it prints `paused` and waits on
  stdin, where the test kills it.
* `journey URL MAP COMMITTED`: adds COMMITTED stages, each its own transaction, printing
  `committed N` after each commit; then starts one more whose rows are flushed but not
  committed, prints `in flight` and waits to be killed.
* `writer URL WORKSPACE MAP NAME COUNT`: adds a note, prints `ready` and waits for a line on
  stdin (so that every writer starts at once), then COUNT rounds of writes beside the other
  writer processes (a journey stage, a risk state, a dot vote), printing `ok N` after each;
  any failure is printed as `error: ...` and ends the process with status 1.
* `start URL`: prints `ready`, waits for a line on stdin, then does what an app server does
  on its first page (ui.state._engine): under the start-up lock, migrate the database and
  create the demo workspace if it holds none; prints `started`.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import replace
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from core import journey as jm
from core.access.guard import bind, system_factory
from core.access.identity import SYSTEM
from core.at_risk import risk_states
from core.data.importing import import_files
from core.data.readers import SourceFile
from core.db.engine import make_engine, migrate, startup_lock, unit_of_work
from core.journey import workshop
from core.model.contract import TABLES
from core.workspace.demo_workspace import ensure_demo_workspace

SEGMENTS = ("Enterprise", "Mid-Market", "SMB")


def say(line: str) -> None:
    print(line, flush=True)


def wait_to_be_killed() -> None:
    """Block until the test kills this process (or closes stdin, which it never does)."""
    sys.stdin.readline()
    raise SystemExit("not killed")


def run_import(url: str, workspace_id: int, folder: Path, pause_at: str) -> None:
    sources = [
        SourceFile(f"{t}.csv", t, (folder / f"{t}.csv").read_bytes())
        for t in TABLES
        if (folder / f"{t}.csv").exists()
    ]

    def progress(_fraction: float, message: str) -> None:
        if message.startswith(pause_at):
            say("paused")
            wait_to_be_killed()

    factory = system_factory(make_engine(url))
    with unit_of_work(factory) as session:
        import_files(session, workspace_id, sources, SEGMENTS, progress)
    say("finished")  # the test fails if the pause point was never reached


def run_journey(url: str, map_id: int, committed: int) -> None:
    factory = system_factory(make_engine(url))
    actor = jm.Actor("Killed editor")
    for n in range(1, committed + 1):
        with unit_of_work(factory) as session:
            jm.add_element(session, map_id, "stage", {"name": f"Saved stage {n}"}, actor)
        say(f"committed {n}")

    def hold(session: Session) -> None:
        say("in flight")
        wait_to_be_killed()

    with unit_of_work(factory) as session:
        event.listen(session, "before_commit", hold)
        jm.add_element(session, map_id, "stage", {"name": "Stage in flight"}, actor)
        session.flush()


def run_writer(url: str, workspace_id: int, map_id: int, name: str, count: int) -> None:
    factory = system_factory(make_engine(url))
    actor = jm.Actor(name)
    with unit_of_work(factory) as session:
        note_id = workshop.add_note(session, map_id, None, "idea", f"Note of {name}", actor)
    say("ready")
    sys.stdin.readline()  # the test starts every writer at once
    for n in range(1, count + 1):
        try:
            with unit_of_work(factory) as session:
                jm.add_element(session, map_id, "stage", {"name": f"{name} stage {n}"}, actor)
            with unit_of_work(factory) as session:
                risk_states.set_risk_state(
                    session,
                    workspace_id,
                    f"{name}-{n}",
                    "plan_in_place",
                    "call",
                    name,
                    base_version=None,
                )
            with unit_of_work(factory) as session:
                bind(session, replace(SYSTEM, person=f"voter-{name}-{n}"))  # a dot per person
                workshop.set_vote(session, map_id, note_id, on=True)
        except Exception as exc:  # noqa: BLE001 - the test reads the failure from stdout
            say(f"error: {type(exc).__name__}: {exc}")
            traceback.print_exc()
            raise SystemExit(1) from exc
        say(f"ok {n}")


def run_start(url: str) -> None:
    engine = make_engine(url)
    say("ready")
    sys.stdin.readline()  # the test starts every server at once
    with startup_lock(engine):
        migrate(engine)
        ensure_demo_workspace(system_factory(engine))
    say("started")


def main(argv: list[str]) -> None:
    command, url, *rest = argv
    if command == "import":
        run_import(url, int(rest[0]), Path(rest[1]), rest[2])
    elif command == "journey":
        run_journey(url, int(rest[0]), int(rest[1]))
    elif command == "writer":
        run_writer(url, int(rest[0]), int(rest[1]), rest[2], int(rest[3]))
    elif command == "start":
        run_start(url)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
