"""Bulk tables follow the person's own changes (issue 16, item 4), through AppTest on both
databases: no reload button after converting a note, after a form edit, after one's own table
save; a colleague's change to a row this person edited is still reported."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import journey as jm
from core.db.engine import unit_of_work
from core.journey import workshop
from tests.support.apptest import open_in_empty_workspace, open_tab, workspace_id_named

PAGE = "pages/journey.py"
WORKSPACE = "Journey tables follow"


@pytest.fixture
def app(app: AppTest, factory) -> AppTest:
    open_in_empty_workspace(app, factory, WORKSPACE)
    app.switch_page(PAGE).run()
    assert not app.exception
    app.selectbox(key="create_template").set_value("six_stage")
    app.button(key="create_submit").click().run()
    assert not app.exception
    return app


def _map(factory) -> jm.MapInfo:
    with unit_of_work(factory) as s:
        (info,) = jm.list_maps(s, workspace_id_named(factory, WORKSPACE))
    return info


def _editor(app: AppTest, prefix: str):
    (found,) = [d for d in app.data_editor if d.key and d.key.startswith(f"{prefix}_base_")]
    return found


def _note(app: AppTest, factory, text: str) -> workshop.NoteInfo:
    app.text_area(key="note_text").input(text)
    app.button(key="note_submit").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        return next(n for n in workshop.list_notes(s, _map(factory).id) if n.text == text)


def _convert(app: AppTest, note: workshop.NoteInfo) -> None:
    app.selectbox(key=f"conv_{note.id}").set_value("opportunity")
    app.button(key=f"convert_{note.id}").click().run()
    assert not app.exception
    assert not app.error


def _titles(app: AppTest) -> list[str]:
    return list(_editor(app, "opps").value["title"])


def test_converted_note_shows_in_the_opportunities_table_at_once(app, factory):
    open_tab(app, "Opportunities")
    _convert(app, _note(app, factory, "A shared onboarding checklist"))
    assert _titles(app) == ["A shared onboarding checklist"]
    assert not [b for b in app.button if b.key and b.key.endswith("_reload")]


def test_a_cell_typed_back_as_it_was_does_not_hold_the_table(app, factory):
    """A cell edit that changes nothing (typed back, or clicked and left) is no unsaved edit:
    the table still follows the person's next conversion."""
    open_tab(app, "Opportunities")
    _convert(app, _note(app, factory, "A shared onboarding checklist"))
    app.session_state[_editor(app, "opps").key] = {
        "edited_rows": {0: {"title": "A shared onboarding checklist"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    _convert(app, _note(app, factory, "Office hours in week two"))
    assert sorted(_titles(app)) == ["A shared onboarding checklist", "Office hours in week two"]
    assert not any("The map changed while" in c.value for c in app.caption)


def test_own_table_save_then_conversion_shows_both(app, factory):
    open_tab(app, "Opportunities")
    _convert(app, _note(app, factory, "A shared onboarding checklist"))
    app.session_state[_editor(app, "opps").key] = {
        "edited_rows": {0: {"owner": "CS ops"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    app.button(key="opps_save").click().run()
    assert not app.exception
    assert not app.error
    _convert(app, _note(app, factory, "Office hours in week two"))
    frame = _editor(app, "opps").value
    assert sorted(frame["title"]) == ["A shared onboarding checklist", "Office hours in week two"]
    assert "CS ops" in list(frame["owner"])


def _stages(factory, info) -> list[dict]:
    with unit_of_work(factory) as s:
        return list(jm.load(s, info.id).stages)


def _row(app: AppTest, prefix: str, name: str) -> dict:
    frame = _editor(app, prefix).value
    (row,) = [r for r in frame.to_dict("records") if r["name"] == name]
    return row


def test_own_table_save_then_form_edit_shows_in_the_table(app, factory):
    open_tab(app, "Tables")
    info = _map(factory)
    first, second = _stages(factory, info)[:2]
    key = _editor(app, "bulk").key
    app.session_state[key] = {
        "edited_rows": {0: {"goal": "Agree the plan"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    app.button(key="bulk_save").click().run()
    assert not app.exception
    assert not app.error
    assert _row(app, "bulk", first["name"])["goal"] == "Agree the plan"
    app.selectbox(key="journey_pick").set_value(f"stage-{second['id']}").run()
    prefix = f"ef_stage_{second['id']}_{second['version']}"
    app.text_area(key=f"{prefix}_goal").input("Tools installed")
    app.button(key=f"{prefix}_save").click().run()
    assert not app.exception
    assert not app.error
    assert _row(app, "bulk", second["name"])["goal"] == "Tools installed"
    assert _row(app, "bulk", first["name"])["goal"] == "Agree the plan"
    assert not any("The map changed while" in c.value for c in app.caption)


def test_a_colleagues_change_to_a_row_i_edited_is_still_reported(app, factory):
    open_tab(app, "Tables")
    info = _map(factory)
    first = _stages(factory, info)[0]
    key = _editor(app, "bulk").key
    app.session_state[key] = {
        "edited_rows": {0: {"goal": "Mine"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    with unit_of_work(factory) as s:
        jm.edit_element(
            s, info.id, "stage", first["id"], {"goal": "Theirs"}, first["version"], jm.Actor("Bo")
        )
    app.run()  # the live poll's rerun: the table keeps the edit and the table it came from
    assert _editor(app, "bulk").key == key
    assert any("The map changed while you were editing" in c.value for c in app.caption)
    app.button(key="bulk_save").click().run()
    assert not app.exception
    assert "Nothing was saved" in app.error[0].value
    shown = next(d.value for d in app.dataframe if "Yours" in d.value.columns)
    assert "Mine" in shown.iloc[0]["Yours"]
    assert "Theirs" in shown.iloc[0]["Saved by someone else"]
    assert _stages(factory, info)[0]["goal"] == "Theirs"
    app.run()  # the next run (the live poll, any click) still shows the refusal and the way out
    assert "Nothing was saved" in app.error[0].value
    app.button(key=f"bulk_base_{info.id}_stage_reload").click().run()
    assert not app.exception
    assert _row(app, "bulk", first["name"])["goal"] == "Theirs"

    assert not any("The map changed while" in c.value for c in app.caption)
    assert not app.error  # the refusal is gone with the table it was about


def test_unsaved_edit_kept_through_own_form_edit_of_another_row(app, factory):
    """With an unsaved cell edit the table keeps it (and the table it came from) while the
    person looks at the Map tab and saves a form for another row there; the save then sends
    only the cell edit, refuses nothing, and the table shows both."""
    open_tab(app, "Tables")
    info = _map(factory)
    first, second = _stages(factory, info)[:2]
    key = _editor(app, "bulk").key
    app.session_state[key] = {
        "edited_rows": {0: {"goal": "Agree the plan"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    open_tab(app, "Map")  # the closed Tables tab is still drawn: it holds the unsaved edit
    app.selectbox(key="journey_pick").set_value(f"stage-{second['id']}").run()
    prefix = f"ef_stage_{second['id']}_{second['version']}"
    app.text_area(key=f"{prefix}_goal").input("Tools installed")
    app.button(key=f"{prefix}_save").click().run()
    assert not app.exception
    assert _editor(app, "bulk").key == key
    open_tab(app, "Tables")
    assert _editor(app, "bulk").key == key
    app.button(key="bulk_save").click().run()
    assert not app.exception
    assert not app.error
    assert _row(app, "bulk", first["name"])["goal"] == "Agree the plan"
    assert _row(app, "bulk", second["name"])["goal"] == "Tools installed"
    goals = {s["name"]: s["goal"] for s in _stages(factory, info)}
    assert goals[first["name"]] == "Agree the plan"
    assert goals[second["name"]] == "Tools installed"
