"""The facilitator's page lists the map's live guest links on every run: a read that never
waits for a writer (SQLite and PostgreSQL); the map's old links (the 6-digit passcode and the
read-only token in journey_map) open nothing any more; only those who may share see the links.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core import journey as jm
from core.access import links
from core.access.guard import bind
from core.access.identity import Access, PermissionDenied, Role
from core.db.engine import unit_of_work
from core.db.models import JourneyMap
from core.workspace.workspaces import create_workspace

HOST = jm.Actor("Host", facilitator=True)


def test_live_links_are_read_without_waiting_for_a_writer(
    factory: sessionmaker[Session], migrated_engine: Engine
):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Links").id
        map_id = jm.create_map(s, ws, "blank", HOST).id
    with unit_of_work(factory) as s:
        assert links.live_links(s, ws, map_id=map_id) == []
    with unit_of_work(factory) as s:
        made = links.create_link(s, ws, "participant", map_id=map_id, passcode="tea")

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
            (listed,) = links.live_links(s, ws, map_id=map_id)
        assert time.monotonic() - started < 2
        writer.rollback()
    assert listed.id == made.info.id
    assert listed.has_passcode
    assert listed.kind == "participant"


def test_the_maps_old_passcode_and_token_open_nothing(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Old links").id
        map_id = jm.create_map(s, ws, "blank", HOST).id
        journey = s.get(JourneyMap, map_id)
        assert journey is not None
        journey.passcode, journey.readonly_token = "123456", "old-read-only-token-of-the-map"
    for old in ("123456", "old-read-only-token-of-the-map"):
        with pytest.raises(links.LinkRefused), unit_of_work(factory) as s:
            links.open_link(s, old)


def test_only_those_who_share_read_the_links(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Links, guest").id
        map_id = jm.create_map(s, ws, "blank", HOST).id
        made = links.create_link(s, ws, "participant", map_id=map_id)
    with unit_of_work(factory) as s:
        link, _ = links.open_link(s, made.token)
        guest, _ = links.join(s, link, "Pat")
    pat = links.guest_access(link, guest)
    vera = Access(ws, "Links, guest", Role.VIEWER, "Vera", person="vera@example.com")
    for access in (pat, vera):
        with unit_of_work(factory) as s:
            bind(s, access)
            with pytest.raises(PermissionDenied):
                links.live_links(s, ws, map_id=map_id)
