"""Helpers for the backup and upgrade tests: empty databases of each kind, a workspace that
holds every kind of row, and a backup's rows with ids replaced by their place in the file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core import journey
from core.access import links, members
from core.access.guard import system_factory
from core.at_risk.risk_states import set_risk_state
from core.backup.archive import BackupReader
from core.backup.references import soft_references
from core.data.presets.saved import save_mapping
from core.db.engine import make_engine, unit_of_work
from core.journey import workshop
from core.workspace.demo_workspace import DEMO_NAME, ensure_demo_workspace
from core.workspace.workspaces import list_workspaces
from tests.support.databases import throwaway_postgresql

FACILITATOR = journey.Actor("Fran Facilitator")


@contextmanager
def empty_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database of `kind` (sqlite or postgresql), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'empty_{uuid.uuid4().hex[:8]}.db'}"
        return
    with throwaway_postgresql() as url:
        yield url


@contextmanager
def engine_for(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def populate(factory: sessionmaker[Session]) -> int:
    """The demo workspace (data, maps, rounds) plus what the demo lacks: a snapshot, deleted
    elements (ids only history and snapshots still hold), a reorder, a converted and voted
    note, a pain point become an opportunity (with its origin), the presented stage, an
    opportunity, a risk state, a saved import mapping, guest
    links (one with a passcode and a joined guest) and a second member."""
    ensure_demo_workspace(factory)
    with unit_of_work(factory) as s:
        ws = next(w.id for w in list_workspaces(s) if w.name == DEMO_NAME)
        map_id = journey.list_maps(s, ws)[0].id
        journey.take_snapshot(s, map_id, "Before the workshop", FACILITATOR)
    with unit_of_work(factory) as s:
        content = journey.load(s, map_id)
        stages = content.of("stage")
        journey.delete_element(
            s, map_id, "touchpoint", content.of("touchpoint")[0]["id"], FACILITATOR
        )
        journey.delete_element(s, map_id, "stage", stages[-1]["id"], FACILITATOR)
        order = [st["id"] for st in stages[:-1]]
        journey.reorder(s, map_id, "stage", [order[1], order[0], *order[2:]], FACILITATOR)
        values = {"title": "Welcome pack", "owner": "CS Ops", "target_date": "2026-12-24"}
        journey.add_element(s, map_id, "opportunity", values, FACILITATOR)
        note = workshop.add_note(s, map_id, stages[0]["id"], "idea", "Office hours", FACILITATOR)
        workshop.set_vote(s, map_id, note, on=True)
        workshop.convert_note(s, map_id, note, "touchpoint", FACILITATOR)
        pain = workshop.add_note(s, map_id, stages[0]["id"], "pain", "Slow SSO", FACILITATOR)
        workshop.convert_note(s, map_id, pain, "opportunity", FACILITATOR)  # keeps its origin
        workshop.present_stage(s, map_id, stages[1]["id"], FACILITATOR)
        made = links.create_link(s, ws, "participant", map_id=map_id, passcode="tulip-42")
        links.create_link(s, ws, "viewer", map_id=map_id, label="Board")
        opened, _ = links.open_link(s, made.token, passcode="tulip-42")
        links.join(s, opened, "Gus")
        members.add_member(s, ws, "erin@example.com", "editor")
        set_risk_state(
            s, ws, "ACC-00007", "plan_in_place", "Called the sponsor", "Sam", base_version=None
        )
        fields = {"account_id": "properties.company_id", "event": "event"}
        save_mapping(s, ws, "Monthly events", "mixpanel", fields)
    return ws


def backup_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows in a backup, each id replaced by its row's place in its table (ids
    with no row: by order of first use), so backups of one workspace from different
    databases compare equal exactly when nothing was lost or changed."""
    with BackupReader(path) as reader:
        places = {
            name: {row[e.primary_key]: n for n, row in enumerate(reader.rows(name))}
            for name, e in reader.tables.items()
        }
        gone: dict[tuple[str, int], int] = {}

        def look(table: str, old: int) -> int:
            if old in places.get(table, {}):
                return places[table][old]
            return gone.setdefault((table, old), -1 - len(gone))

        found: dict[str, list[dict[str, Any]]] = {}
        for name, entry in reader.tables.items():
            rows = []
            for row in reader.rows(name):
                row[entry.primary_key] = places[name][row[entry.primary_key]]
                for column, table in entry.references.items():
                    if row[column] is not None:
                        row[column] = places[table][row[column]]
                for ref in soft_references(name):
                    row[ref.column] = ref.remap(row, row[ref.column], look)
                rows.append(row)
            found[name] = rows
        return found


def factory_for(engine: Engine) -> sessionmaker[Session]:
    return system_factory(engine)
