"""The fuzz suite's files through the real import paths, on SQLite and PostgreSQL: the Data
page's `import_files` and the journey-map import. A refused file leaves the workspace exactly
as it was (no partial load), and only UserErrors come out."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core import journey as j
from core.data.importing import import_files
from core.data.store import active_info
from core.data.validate import ValidationFailed
from core.db.engine import unit_of_work
from core.workspace.workspaces import create_workspace
from tests.unit.test_fuzz_inputs import (
    GOOD,
    SEGMENTS,
    _assert_problems_name_where,
    _contract_file,
    _good,
    _map_file,
)

ANA = j.Actor("Ana")


@pytest.fixture
def ws_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        workspace = create_workspace(s, "Fuzz").id
        import_files(s, workspace, [_good(t) for t in GOOD], SEGMENTS)
    return workspace


@pytest.mark.parametrize("number", range(12))
def test_a_refused_upload_leaves_the_loaded_data_alone(factory, ws_id, number):
    with unit_of_work(factory) as s:
        before = active_info(s, ws_id)
    table = list(GOOD)[number % len(GOOD)]
    bad = _contract_file(table, 100 + number)
    try:
        with unit_of_work(factory) as s:
            import_files(s, ws_id, [bad], SEGMENTS)
    except ValidationFailed as exc:
        _assert_problems_name_where(exc.problems, {bad.name})
        with unit_of_work(factory) as s:
            assert active_info(s, ws_id) == before
        return
    with unit_of_work(factory) as s:
        after = active_info(s, ws_id)
    assert after is not None
    assert before is not None
    assert after.id != before.id


@pytest.mark.parametrize("number", range(20))
def test_a_refused_map_file_creates_nothing(factory, ws_id, number):
    data = _map_file(number)
    with unit_of_work(factory) as s:
        maps_before = len(j.list_maps(s, ws_id))
    try:
        doc = j.from_json(data)
        with unit_of_work(factory) as s:
            j.build_map(s, ws_id, doc, ANA, name=f"Fuzz {number}")
    except j.JourneyError:
        with unit_of_work(factory) as s:
            assert len(j.list_maps(s, ws_id)) == maps_before
        return
    with unit_of_work(factory) as s:
        assert len(j.list_maps(s, ws_id)) == maps_before + 1


def test_nul_characters_never_reach_postgresql():
    text = json.dumps(
        {
            "schema": "waypoint.journey-map",
            "schema_version": 1,
            "map": {"name": "N", "variant": "a\x00b"},
            "stages": [],
        }
    )
    with pytest.raises(j.JourneyError, match="variant contains a NUL character"):
        j.from_json(text)
