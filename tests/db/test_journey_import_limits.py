"""Journey-map import in linear time, within stated limits, and every broken file a clear
message (issue 13: 8,000 stages took 109 s holding SQLite's write lock; seven of 83 broken
files ended in ProgrammingError, RecursionError, IndexError or CalamineError)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy.orm import Session, sessionmaker

from core import journey as j
from core.db.engine import unit_of_work
from core.journey import limits
from core.journey.exchange import SCHEMA
from core.workspace.workspaces import create_workspace
from tests.unit.hostile_files import far_cell_workbook

ANA = j.Actor("Ana")


@pytest.fixture
def ws_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return create_workspace(s, "Imports").id


def big_map(stages: int) -> dict[str, Any]:
    """A map with `stages` stages, each with a milestone and a touchpoint."""
    return {
        "schema": SCHEMA,
        "schema_version": 1,
        "map": {"name": "Big", "state": "current"},
        "stages": [{"name": f"Stage {n}", "evidence": "assumed"} for n in range(stages)],
        "milestones": [
            {"name": f"M {n}", "stage": f"Stage {n}", "evidence": "assumed"} for n in range(stages)
        ],
        "touchpoints": [
            {
                "name": "Call",
                "stage": f"Stage {n}",
                "channel": "call",
                "emotion": 0,
                "evidence": "assumed",
            }
            for n in range(stages)
        ],
    }


def _import(factory: sessionmaker[Session], ws_id: int, data: bytes, excel: bool = False) -> int:
    doc = j.from_excel(data) if excel else j.from_json(data)
    with unit_of_work(factory) as s:
        info, _ = j.build_map(s, ws_id, doc, ANA, name="Imported")
    return info.id


def _map_count(factory: sessionmaker[Session], ws_id: int) -> int:
    with unit_of_work(factory) as s:
        return len(j.list_maps(s, ws_id))


def _timed_import(factory: sessionmaker[Session], ws_id: int, stages: int, name: str) -> float:
    doc = j.from_json(json.dumps(big_map(stages)))
    started = time.perf_counter()
    with unit_of_work(factory) as s:
        j.build_map(s, ws_id, doc, ANA, name=name)
    return time.perf_counter() - started


def test_a_map_of_thousands_of_stages_imports_in_seconds_and_linear_time(factory, ws_id):
    """3,000 stages (9,000 elements) in seconds, and eight times the stages in far less than
    the 64 times as long a quadratic import would take (8,000 stages took 109 s before).
    The bounds are loose: the machine may be busy with other work."""
    small = _timed_import(factory, ws_id, 375, "Small")
    large = _timed_import(factory, ws_id, 3_000, "Large")
    assert large < 60, f"3,000 stages took {large:.1f} s"
    assert large < 24 * small + 2.0, f"375 stages {small:.2f} s, 3,000 stages {large:.2f} s"
    with unit_of_work(factory) as s:
        content = j.load(s, next(m.id for m in j.list_maps(s, ws_id) if m.name == "Large"))
    assert len(content.stages) == 3_000
    assert content.of("touchpoint")[-1]["stage_id"] == content.stages[-1]["id"]
    assert [s["name"] for s in content.stages[:3]] == ["Stage 0", "Stage 1", "Stage 2"]


def test_a_map_over_the_limits_is_refused_before_anything_is_written(factory, ws_id):
    too_many = big_map(limits.MAX_STAGES + 1)
    with pytest.raises(j.JourneyError, match="too many stages"):
        j.from_json(json.dumps(too_many))
    with pytest.raises(j.JourneyError, match="larger than 10 MB"):
        j.from_json(b" " * (limits.MAX_FILE_BYTES + 1))
    long_name = big_map(1)
    long_name["stages"][0]["name"] = "x" * (limits.MAX_NAME_LENGTH + 1)
    with (
        pytest.raises(j.JourneyError, match="Stages, row 1: Name is too long"),
        unit_of_work(factory) as s,
    ):
        j.build_map(s, ws_id, j.from_json(json.dumps(long_name)), ANA, name="X")
    assert _map_count(factory, ws_id) == 0


def _doc(**changes: Any) -> bytes:
    doc = big_map(2)
    doc.update(changes)
    return json.dumps(doc).encode()


def _excel(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("map")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


BROKEN_JSON: list[tuple[bytes, str]] = [
    (("[" * 100_000).encode(), "nested too deeply"),
    (
        b'{"schema": "waypoint.journey-map", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        "nested too deeply",
    ),
    (_doc(map={"name": "A", "segment": {"nested": 1}}), "segment must be text"),
    (_doc(map={"name": "A\x00B"}), "name contains a NUL character"),
    (
        _doc(stages=[{"name": "S\x00", "evidence": "assumed"}]),
        "Stages, row 1: name contains a NUL",
    ),
    (
        _doc(stages=[{"name": "S", "day_start": 10**400, "evidence": "assumed"}]),
        "Stages, row 1: day_start is too large",
    ),
    (_doc(stages=[{"name": "S", "day_start": 1e400, "evidence": "assumed"}]), "between 0 and"),
    (_doc(stages=[{"name": "S"}, {"name": "s"}]), "Stages, row 2: a stage with that name"),
    (_doc(stages="nope"), "must be a list of rows"),
    (_doc(schema_version=10**30), "schema version"),
]


@pytest.mark.parametrize(("data", "message"), BROKEN_JSON, ids=range(len(BROKEN_JSON)))
def test_broken_json_maps_are_refused_with_a_clear_message(factory, ws_id, data, message):
    with pytest.raises(j.JourneyError, match=message):
        _import(factory, ws_id, data)
    assert _map_count(factory, ws_id) == 0


BROKEN_EXCEL: list[tuple[bytes, str]] = [
    (_excel([["schema"]]), "two columns"),
    (_excel([["schema", "waypoint.journey-map"], ["schema_version", "1e400"]]), "schema_version"),
    (b"PK\x03\x04 not really a zip", "could not be read as an Excel workbook"),
    (far_cell_workbook(), "could not be read as an Excel workbook.*cells"),
]


def _zip_with(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


BROKEN_EXCEL.append((_zip_with("xl/workbook.xml", b"<not xml"), "Excel workbook"))


@pytest.mark.parametrize(("data", "message"), BROKEN_EXCEL, ids=range(len(BROKEN_EXCEL)))
def test_broken_excel_maps_are_refused_with_a_clear_message(factory, ws_id, data, message):
    with pytest.raises(j.JourneyError, match=message):
        _import(factory, ws_id, data, excel=True)
    assert _map_count(factory, ws_id) == 0
