"""The facilitator's page reads the map's links on every run: a read that never waits for a
writer (SQLite and PostgreSQL). It used to take the map's write lock on every run, so each
rerun of the facilitator's page queued behind the room's edits, and a held lock failed the
whole page after 10 s."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core import journey as jm
from core.db.engine import unit_of_work
from core.journey import workshop
from core.workspace.workspaces import create_workspace

HOST = jm.Actor("Host", facilitator=True)


def test_links_are_read_without_waiting_for_a_writer(
    factory: sessionmaker[Session], migrated_engine: Engine
):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Links").id
        map_id = jm.create_map(s, ws, "blank", HOST).id
    with unit_of_work(factory) as s:
        assert workshop.links(s, map_id, HOST) is None
    with unit_of_work(factory) as s:
        made = workshop.ensure_links(s, map_id, HOST)

    with migrated_engine.connect() as writer:  # another session holds the map for an edit
        if migrated_engine.dialect.name == "postgresql":
            writer.execute(text("BEGIN"))
            writer.execute(
                text("SELECT id FROM journey_map WHERE id = :id FOR UPDATE"), {"id": map_id}
            )
        else:
            writer.exec_driver_sql("BEGIN IMMEDIATE")
        started = time.monotonic()
        with unit_of_work(factory) as s:
            assert workshop.links(s, map_id, HOST) == made
        assert time.monotonic() - started < 2
        writer.rollback()


def test_only_the_facilitator_reads_the_links(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Links, guest").id
        map_id = jm.create_map(s, ws, "blank", HOST).id
        workshop.ensure_links(s, map_id, HOST)
    with unit_of_work(factory) as s, pytest.raises(jm.JourneyError):
        workshop.links(s, map_id, jm.Actor("Guest", facilitator=False))
