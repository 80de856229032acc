"""Issue 16, item 5, on SQLite and PostgreSQL: an opportunity made from a sticky note keeps
where it came from (the note, its stage, the note's words), shown on both sides, through the
note's deletion, undo, restore, JSON and Excel export and import, and a duplicate."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core import journey as j
from core.db.engine import unit_of_work
from core.journey import exchange, workshop
from core.journey.shapes import field_values
from core.workspace.workspaces import create_workspace

ANA = j.Actor("Ana")
PAIN = "Slow SSO: admins wait three days for the identity team"


@pytest.fixture
def ws_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return create_workspace(s, "Origins").id


@pytest.fixture
def map_id(factory: sessionmaker[Session], ws_id: int) -> int:
    with unit_of_work(factory) as s:
        return j.create_map(s, ws_id, "six_stage", ANA).id


def _stage(factory, map_id: int, name: str) -> int:
    with unit_of_work(factory) as s:
        return next(st["id"] for st in j.load(s, map_id).stages if st["name"] == name)


def _convert(factory, map_id: int, kind: str = "opportunity", note_kind: str = "pain") -> dict:
    kickoff = _stage(factory, map_id, "Kickoff")
    with unit_of_work(factory) as s:
        note = workshop.add_note(s, map_id, kickoff, note_kind, PAIN, ANA)
        element = workshop.convert_note(s, map_id, note, kind, ANA)
    return {"note": note, "stage": kickoff, "element": element}


def _only_opportunity(factory, map_id: int) -> dict:
    with unit_of_work(factory) as s:
        (o,) = j.load(s, map_id).opportunities
    return dict(field_values(o))


def test_converting_a_note_records_note_stage_and_words(factory, map_id):
    made = _convert(factory, map_id)
    o = _only_opportunity(factory, map_id)
    assert o["origin_note_id"] == made["note"]
    assert o["origin_stage_id"] == made["stage"]
    assert o["origin_text"] == PAIN
    assert o["origin_element"] == ""  # a note hangs from a stage, never from an element


def test_origin_is_shown_on_the_opportunity_and_on_the_stage_and_note_sides(factory, map_id):
    made = _convert(factory, map_id)
    with unit_of_work(factory) as s:
        content = j.load(s, map_id)
        kinds = workshop.note_kinds(s, map_id)
        (note,) = workshop.list_notes(s, map_id)
    (o,) = content.opportunities
    found = workshop.origin(content, o, kinds)
    assert found is not None
    assert found.words == f"From: pain point “{PAIN}” in stage Kickoff"
    assert workshop.opportunities_by_stage(content) == {made["stage"]: [o]}
    assert workshop.became(content, note.converted_to) == f"Became opportunity “{o['title']}”"


def test_a_touchpoint_from_a_note_has_no_origin_columns(factory, map_id):
    made = _convert(factory, map_id, kind="touchpoint")
    assert "origin_text" not in made["element"]
    with unit_of_work(factory) as s:
        assert j.load(s, map_id).opportunities == []


def test_deleting_the_note_and_its_stage_keeps_the_words(factory, map_id):
    made = _convert(factory, map_id)
    with unit_of_work(factory) as s:
        note = next(n for n in workshop.list_notes(s, map_id) if n.id == made["note"])
        workshop.delete_note(s, map_id, note.id, ANA, note.version)
    with unit_of_work(factory) as s:
        stage = j.load(s, map_id).find("stage", made["stage"])
        assert stage is not None
        j.delete_element(s, map_id, "stage", stage["id"], ANA, stage["version"])
    o = _only_opportunity(factory, map_id)
    assert (o["origin_note_id"], o["origin_stage_id"]) == (None, None)
    assert o["origin_text"] == PAIN
    with unit_of_work(factory) as s:
        content = j.load(s, map_id)
        found = workshop.origin(content, content.opportunities[0], workshop.note_kinds(s, map_id))
    assert found is not None
    assert found.words == f"From: note “{PAIN}”"


def test_undo_after_the_note_was_deleted_still_takes_back_the_opportunity(factory, map_id):
    made = _convert(factory, map_id)
    with unit_of_work(factory) as s:
        note = next(n for n in workshop.list_notes(s, map_id) if n.id == made["note"])
        workshop.delete_note(s, map_id, note.id, ANA, note.version)  # not on the undo stack
        j.undo(s, map_id, ANA)  # the conversion's add: the cleared note id is no edit
        assert j.load(s, map_id).opportunities == []


def test_undo_of_a_delete_brings_the_origin_back(factory, map_id):
    made = _convert(factory, map_id)
    o = _only_opportunity(factory, map_id)
    with unit_of_work(factory) as s:
        j.delete_element(s, map_id, "opportunity", o["id"], ANA, o["version"])
    with unit_of_work(factory) as s:
        j.undo(s, map_id, ANA)
    back = _only_opportunity(factory, map_id)
    assert back["origin_note_id"] == made["note"]
    assert back["origin_stage_id"] == made["stage"]
    assert back["origin_text"] == PAIN


def test_restoring_a_snapshot_whose_note_is_gone_keeps_the_words(factory, map_id):
    made = _convert(factory, map_id)
    with unit_of_work(factory) as s:
        snap = j.take_snapshot(s, map_id, "With the opportunity", ANA)
        o = j.load(s, map_id).opportunities[0]
        j.delete_element(s, map_id, "opportunity", o["id"], ANA, o["version"])
        note = next(n for n in workshop.list_notes(s, map_id) if n.id == made["note"])
        workshop.delete_note(s, map_id, note.id, ANA, note.version)
    with unit_of_work(factory) as s:
        j.restore_snapshot(s, map_id, snap.id, ANA)
    back = _only_opportunity(factory, map_id)
    assert back["origin_note_id"] is None  # the note is gone; its id would break the key
    assert back["origin_stage_id"] == made["stage"]
    assert back["origin_text"] == PAIN


def _imported(factory, ws_id: int, doc: dict, name: str) -> dict:
    with unit_of_work(factory) as s:
        info, _ = j.build_map(s, ws_id, doc, ANA, name=name)
        content = j.load(s, info.id)
        (o,) = content.opportunities
        values = dict(field_values(o))
        values["stage_name"] = content.stage_name(values["origin_stage_id"])
        values["stage_ids"] = {st["id"] for st in content.stages}
        values["element_name"] = workshop.element_name(content, values["origin_element"])
    return values


def _with_element_origin(factory, map_id: int) -> None:
    """Point the opportunity at a touchpoint too (an origin a later way of converting, or an
    import, may hold), so the element reference travels as well."""
    with unit_of_work(factory) as s:
        content = j.load(s, map_id)
        tp = next(t for t in content.of("touchpoint") if t["name"] == "Kickoff call")
        o = content.opportunities[0]
        j.edit_element(
            s, map_id, "opportunity", o["id"], {"origin_element": f"touchpoint:{tp['id']}"},
            o["version"], ANA,
        )  # fmt: skip


@pytest.mark.parametrize("form", ["json", "excel"])
def test_export_and_import_point_the_origin_at_the_imported_copies(factory, ws_id, map_id, form):
    made = _convert(factory, map_id)
    _with_element_origin(factory, map_id)
    with unit_of_work(factory) as s:
        content = j.load(s, map_id)
    if form == "json":
        doc = j.from_json(j.to_json(content))
        assert doc["opportunities"][0]["origin_stage"] == "Kickoff"
        assert doc["opportunities"][0]["origin_element"] == "touchpoint:Kickoff call"
        assert "origin_note_id" not in doc["opportunities"][0]
    else:
        doc = j.from_excel(j.to_excel(content))
    copy = _imported(factory, ws_id, doc, f"Imported from {form}")
    assert copy["origin_text"] == PAIN
    assert copy["stage_name"] == "Kickoff"
    assert copy["origin_stage_id"] in copy["stage_ids"]
    assert copy["origin_stage_id"] != made["stage"]  # the imported stage, not the original
    assert copy["element_name"] == "Touchpoint “Kickoff call”"
    assert copy["origin_element"] != content.opportunities[0]["origin_element"]  # type: ignore[typeddict-item]
    assert copy["origin_note_id"] is None  # notes do not travel in files


def test_a_file_without_origin_columns_still_imports(factory, ws_id, map_id):
    _convert(factory, map_id)
    with unit_of_work(factory) as s:
        doc = json.loads(j.to_json(j.load(s, map_id)))
    for row in doc["opportunities"]:
        for column in exchange.ORIGIN_COLUMNS:
            row.pop(column)
    copy = _imported(factory, ws_id, j.from_json(json.dumps(doc)), "Older file")
    assert (copy["origin_text"], copy["origin_stage_id"], copy["origin_element"]) == ("", None, "")


def test_an_origin_naming_nothing_in_the_file_is_dropped_not_refused(factory, ws_id, map_id):
    _convert(factory, map_id)
    with unit_of_work(factory) as s:
        doc = json.loads(j.to_json(j.load(s, map_id)))
    doc["opportunities"][0].update(origin_stage="No such stage", origin_element="risk:Nobody")
    copy = _imported(factory, ws_id, j.from_json(json.dumps(doc)), "Odd origin")
    assert (copy["origin_stage_id"], copy["origin_element"]) == (None, "")
    assert copy["origin_text"] == PAIN


def test_a_duplicate_points_at_its_own_stage(factory, ws_id, map_id):
    made = _convert(factory, map_id)
    with unit_of_work(factory) as s:
        info = j.duplicate_map(s, map_id, "Ideal", ANA, state="ideal")
        content = j.load(s, info.id)
    o = dict(field_values(content.opportunities[0]))
    assert o["origin_stage_id"] != made["stage"]
    assert content.stage_name(o["origin_stage_id"]) == "Kickoff"


def test_compare_does_not_list_origins_as_differences(factory, ws_id, map_id):
    _convert(factory, map_id)
    with unit_of_work(factory) as s:
        info = j.duplicate_map(s, map_id, "Copy", ANA)
        diffs = j.compare(j.load(s, map_id), j.load(s, info.id))
    assert diffs == []


def test_undoing_a_stage_delete_points_the_origin_at_the_stage_again(factory, map_id):
    made = _convert(factory, map_id)
    with unit_of_work(factory) as s:
        stage = j.load(s, map_id).find("stage", made["stage"])
        assert stage is not None
        j.delete_element(s, map_id, "stage", stage["id"], ANA, stage["version"])
    assert _only_opportunity(factory, map_id)["origin_stage_id"] is None
    with unit_of_work(factory) as s:
        j.undo(s, map_id, ANA)
    assert _only_opportunity(factory, map_id)["origin_stage_id"] == made["stage"]
    with unit_of_work(factory) as s:
        j.undo(s, map_id, ANA)  # and the conversion itself can still be taken back
        assert j.load(s, map_id).opportunities == []


def test_markdown_summary_says_where_each_opportunity_came_from(factory, map_id):
    _convert(factory, map_id)
    with unit_of_work(factory) as s:
        text = j.to_markdown(j.load(s, map_id))
    row = next(line for line in text.splitlines() if line.startswith("| Slow SSO"))
    assert row.endswith("| “Slow SSO: admins wait three days for the identity team” in Kickoff |")
