"""The journey page through AppTest, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core import journey as jm
from core.access import links
from core.db.engine import unit_of_work
from core.db.models import MapChange
from core.journey import workshop
from tests.support.apptest import (
    open_in_empty_workspace,
    open_map_management,
    open_tab,
    workspace_id_named,
)
from ui.journey.tabs import TABS

PAGE = "pages/journey.py"
XSS = "<img src=x onerror=window.__xss=1>"


WORKSPACE = "Journey tests"


@pytest.fixture
def app(app: AppTest, factory) -> AppTest:
    """conftest's whole-app AppTest, on the journey page of an empty workspace (the demo
    workspace comes with a map per segment)."""
    open_in_empty_workspace(app, factory, WORKSPACE)
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def _ws(factory) -> int:
    return workspace_id_named(factory, WORKSPACE)


def _create(app: AppTest, template: str = "six_stage") -> None:
    app.selectbox(key="create_template").set_value(template)
    app.button(key="create_submit").click().run()
    assert not app.exception


def _graph_nodes(app: AppTest) -> list[dict]:
    for el in app.get("component_instance"):
        data = json.loads(el.proto.json_args)
        if "data" in data:
            return json.loads(data["data"])["nodes"]
    raise AssertionError("no graph component on the page")


def test_empty_workspace_offers_templates_and_creates_a_map(app, factory):
    assert app.title[0].value == "Journey maps"
    assert any("no journey map yet" in i.value for i in app.info)
    _create(app)
    with unit_of_work(factory) as s:
        (info,) = jm.list_maps(s, _ws(factory))
    assert info.name == "Six-stage onboarding"
    assert app.selectbox(key="journey_map_id").value == info.id
    labels = [n["label"] for n in _graph_nodes(app)]
    assert any(label.startswith("Kickoff") for label in labels)
    assert not app.error


def test_add_touchpoint_shows_in_graph_and_grid_then_undo(app, factory):
    _create(app)
    app.selectbox(key="add_kind").set_value("touchpoint")
    app.text_input(key="add_name").input("Welcome video")
    app.button(key="add_submit").click().run()
    assert not app.exception
    assert not app.error
    assert any(n["label"] == "Welcome video" for n in _graph_nodes(app))
    open_tab(app, "Grid")
    grid = next(h for h in app.get("html") if "wp-grid" in h.proto.body)
    assert "Welcome video" in grid.proto.body
    assert app.selectbox(key="journey_pick").value.startswith("touchpoint-")
    app.button(key="journey_undo").click().run()
    assert not app.exception
    assert not any(n["label"] == "Welcome video" for n in _graph_nodes(app))


def test_hostile_labels_are_escaped_in_graph_and_grid(app, factory):
    _create(app)
    app.selectbox(key="add_kind").set_value("stage")
    app.text_input(key="add_name").input(XSS)
    app.button(key="add_submit").click().run()
    assert not app.exception
    nodes = _graph_nodes(app)
    titles = " ".join(n["title"] for n in nodes)
    assert not set("<>&") & set(titles)
    assert "＜img src=x" in titles
    open_tab(app, "Grid")
    grid = next(h for h in app.get("html") if "wp-grid" in h.proto.body)
    assert "<img" not in grid.proto.body


def test_validation_error_is_shown_and_nothing_saved(app, factory):
    _create(app)
    app.selectbox(key="add_kind").set_value("stage")
    app.text_input(key="add_name").input("setup")
    app.button(key="add_submit").click().run()
    assert not app.exception
    assert "already exists" in app.error[0].value


def test_conflicting_edit_shows_both_values(app, factory):
    _create(app)
    with unit_of_work(factory) as s:
        (info,) = jm.list_maps(s, _ws(factory))
        stage = jm.load(s, info.id).stages[0]
    app.selectbox(key="journey_pick").set_value(f"stage-{stage['id']}").run()
    assert not app.exception
    with unit_of_work(factory) as s:
        jm.edit_element(s, info.id, "stage", stage["id"], {"goal": "Theirs"}, 1, jm.Actor("Bo"))
    prefix = f"ef_stage_{stage['id']}_1"
    app.text_area(key=f"{prefix}_goal").input("Mine")
    app.button(key=f"{prefix}_save").click().run()
    assert not app.exception
    assert "changed by someone else" in app.error[0].value
    shown = next(d.value for d in app.dataframe if "Yours" in d.value.columns)
    assert list(shown.iloc[0]) == ["Goal", "Mine", "Theirs"]  # the field in words
    with unit_of_work(factory) as s:
        assert jm.load(s, info.id).stages[0]["goal"] == "Theirs"
    app.run()  # another run (a colleague's edit, a tab): the two versions stay on screen
    assert "changed by someone else" in app.error[0].value
    assert any("Yours" in d.value.columns for d in app.dataframe)
    app.button(key="conflict_overwrite").click().run()
    assert not app.exception
    assert not app.error
    assert not any("Yours" in d.value.columns for d in app.dataframe)
    with unit_of_work(factory) as s:
        assert jm.load(s, info.id).stages[0]["goal"] == "Mine"


def test_their_version_after_a_conflict_and_moving_an_element(app, factory):
    _create(app)
    with unit_of_work(factory) as s:
        (info,) = jm.list_maps(s, _ws(factory))
        first, second = jm.load(s, info.id).stages[:2]
    app.selectbox(key="journey_pick").set_value(f"stage-{first['id']}").run()
    with unit_of_work(factory) as s:
        jm.edit_element(s, info.id, "stage", first["id"], {"goal": "Theirs"}, 1, jm.Actor("Bo"))
    prefix = f"ef_stage_{first['id']}_1"
    app.text_area(key=f"{prefix}_goal").input("Mine")
    app.button(key=f"{prefix}_save").click().run()
    assert "changed by someone else" in app.error[0].value
    app.button(key="conflict_reload").click().run()
    assert not app.error
    assert app.text_area(key=f"ef_stage_{first['id']}_2_goal").value == "Theirs"
    app.button(key=f"move_down_stage_{first['id']}").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        assert [st["id"] for st in jm.load(s, info.id).stages[:2]] == [second["id"], first["id"]]


def test_every_tab_renders_with_data_overlay(app, factory):
    _create(app)
    app.toggle(key="journey_overlay").set_value(True).run()
    assert not app.exception
    labels = [n["label"] for n in _graph_nodes(app)]
    assert any("reached" in label for label in labels)
    open_tab(app, "Check & compare")
    assert any(m.label == "Completeness" for m in app.metric)
    app.toggle(key="journey_presenter").set_value(True).run()
    assert not app.exception


def _link(factory, map_id: int, kind: str) -> str:
    """A new guest link to the map (made by the system, as a facilitator's page would)."""
    with unit_of_work(factory) as s:
        return links.create_link(s, _ws(factory), kind, map_id=map_id).token


def _open_link(app: AppTest, token: str, name: str = "Pia") -> None:
    """Open a guest link in this browser session; a participant joins under `name`."""
    app.query_params.clear()
    app.query_params["link"] = token
    app.run()
    assert not app.exception
    if app.title and app.title[0].value == "Join":
        next(t for t in app.text_input if t.label.startswith("Your name")).input(name)
        next(b for b in app.button if b.label == "Join").click().run()
        assert not app.exception


def _management_controls(app: AppTest) -> list[str]:
    """Keys of the widgets a guest must not get: the map picker and the comparisons (which
    list the workspace's maps), making, changing, importing, restoring or deleting maps, and
    the workspace's data overlay."""
    keys = (
        "journey_map_id",
        "compare_with",
        "emotion_compare",
        "create_submit",
        "set_save_",
        "duplicate_submit",
        "delete_map",
        "import_submit",
        "snapshot_restore",
        "journey_overlay",
    )
    return [key for key in _keys_on_every_tab(app) if key.startswith(keys)]


def _keys_on_every_tab(app: AppTest) -> list[str]:
    """The keys of the buttons, selectboxes and toggles on the page, every tab opened in turn
    (most tabs draw their widgets only while open); the Map tab is open again at the end."""
    found = []
    for label in TABS:
        open_tab(app, label)
        found += [w.key for w in [*app.button, *app.selectbox, *app.toggle] if w.key]
    open_tab(app, TABS[0])
    return found


def test_participant_link_and_read_only_link(app, factory):
    _create(app)
    info = _only_map(factory)
    app.query_params["link"] = "wrong-token-" + "x" * 20
    app.run()
    assert not app.exception
    assert app.title[0].value == "This link does not open"
    _open_link(app, _link(factory, info.id, "participant"))
    assert not app.error, [e.value for e in app.error]
    assert app.title[0].value == "Journey map · workshop"
    # A guest reaches one map: no picker (it would list the workspace's maps), no management.
    assert _management_controls(app) == []
    app.text_area(key="note_text").input("Too many tools at kickoff")
    app.button(key="note_submit").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        (note,) = workshop.list_notes(s, info.id)
    assert note.text == "Too many tools at kickoff"
    _open_link(app, _link(factory, info.id, "viewer"))
    assert not app.error, [e.value for e in app.error]
    assert app.title[0].value == "Journey map (read only)"
    editing = ("add_submit", "journey_undo", "bulk_save", "opps_save", "snapshot_save")
    assert not [k for k in _keys_on_every_tab(app) if k in editing]
    assert _management_controls(app) == []


def _only_map(factory) -> jm.MapInfo:
    with unit_of_work(factory) as s:
        (info,) = jm.list_maps(s, _ws(factory))
    return info


def test_duplicate_switches_to_the_copy(app, factory):
    _create(app)
    open_map_management(app)
    app.text_input(key="duplicate_name").input("Ideal journey")
    app.button(key="duplicate_submit").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        maps = {m.name: m for m in jm.list_maps(s, _ws(factory))}
    assert maps["Ideal journey"].state == "ideal"
    assert app.selectbox(key="journey_map_id").value == maps["Ideal journey"].id
    assert app.text_input(key="duplicate_name").value == ""  # cleared once stored


def test_facilitator_controls_timer_lock_and_versions(app, factory):
    _create(app)
    app.button(key="workshop_timer_start").click().run()
    assert not app.exception
    assert any("Timer: 09:5" in c.value or "Timer: 10:00" in c.value for c in app.caption)
    app.toggle(key="workshop_lock").set_value(True).run()
    assert _only_map(factory).locked
    open_tab(app, "History")
    app.text_input(key="snapshot_label").input("Before lunch")
    app.button(key="snapshot_save").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        assert [x.label for x in jm.list_snapshots(s, _only_map(factory).id)] == ["Before lunch"]
    assert app.text_input(key="snapshot_label").value == ""  # cleared once stored


def test_locked_map_and_follow_for_participants(app, factory):
    _create(app)
    info = _only_map(factory)
    with unit_of_work(factory) as s:
        setup = next(x for x in jm.load(s, info.id).stages if x["name"] == "Setup")
        workshop.present_stage(s, info.id, setup["id"], jm.Actor())
        workshop.set_locked(s, info.id, jm.Actor(), locked=True)
    _open_link(app, _link(factory, info.id, "participant"))
    assert any("locked the map" in i.value for i in app.info)
    assert not [b for b in app.button if b.key == "add_submit"]
    app.toggle(key="journey_follow").set_value(True).run()  # a new participant starts with it on
    assert any(n["label"].startswith("▶ Setup") for n in _graph_nodes(app))
    assert any("Showing stage: Setup" in c.value for c in app.caption)


def test_compare_and_completeness_views(app, factory):
    _create(app)
    open_map_management(app)
    app.text_input(key="duplicate_name").input("Ideal journey")
    app.button(key="duplicate_submit").click().run()
    open_tab(app, "Check & compare")
    app.selectbox(key="compare_with").set_value(_first_other(factory)).run()
    assert not app.exception
    assert any(m.label == "Completeness" for m in app.metric)


def _first_other(factory) -> int:
    with unit_of_work(factory) as s:
        maps = {m.name: m.id for m in jm.list_maps(s, _ws(factory))}
    return maps["Six-stage onboarding"]


def test_bulk_table_save_without_changes(app, factory):
    _create(app)
    open_tab(app, "Tables")
    app.button(key="bulk_save").click().run()
    assert not app.exception
    assert not app.error
    before = _only_map(factory).version
    open_tab(app, "Opportunities")
    app.button(key="opps_save").click().run()
    assert not app.exception
    assert _only_map(factory).version == before


def _participant(app: AppTest, factory, name: str = "Pia") -> jm.MapInfo:
    """The only map, opened through a participant link, joined under `name`."""
    info = _only_map(factory)
    _open_link(app, _link(factory, info.id, "participant"), name)
    assert app.title[0].value == "Journey map · workshop"
    return info


def test_a_link_that_is_not_one_is_refused(app):
    app.query_params["link"] = "not a link\x00"
    app.run()
    assert not app.exception
    assert app.title[0].value == "This link does not open"
    assert app.error
    assert not [b for b in app.button if b.key == "add_submit"]


def test_participant_acts_under_the_name_they_join_with(app, factory):
    _create(app)
    info = _participant(app, factory, "Ana")
    app.selectbox(key="add_kind").set_value("touchpoint")
    app.text_input(key="add_name").input("Office hours")
    app.button(key="add_submit").click().run()
    assert not app.exception
    app.text_area(key="note_text").input("Kickoff runs long")
    app.button(key="note_submit").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        assert jm.list_changes(s, info.id)[0].who == "Ana"
        (note,) = workshop.list_notes(s, info.id)
        keys = s.query(MapChange.actor_key).order_by(MapChange.id.desc()).limit(1).scalar()
    assert note.author == "Ana"
    assert keys.startswith("guest:")  # the change is bound to her, for her undo


def test_a_participant_undoes_their_own_change_not_the_facilitators(app, factory):
    _create(app)
    info = _only_map(factory)
    with unit_of_work(factory) as s:  # the facilitator's change comes first
        jm.add_element(s, info.id, "risk", {"name": "Facilitator's risk"}, jm.Actor("Host"))
    _participant(app, factory, "Pia")
    undo = app.button(key="journey_undo")
    assert undo.disabled  # nothing of hers yet, though the map has changes
    app.selectbox(key="add_kind").set_value("risk")
    app.text_input(key="add_name").input("Pia's risk")
    app.button(key="add_submit").click().run()
    assert not app.exception
    assert "Pia" in app.button(key="journey_undo").label
    with unit_of_work(factory) as s:  # someone else changes the map after her
        jm.add_element(s, info.id, "risk", {"name": "Later risk"}, jm.Actor("Host"))
    app.run()
    undo = app.button(key="journey_undo")
    assert "Pia's risk" in (undo.help or "") + undo.label  # still her own change, not the later one
    undo.click().run()
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    with unit_of_work(factory) as s:
        names = {r["name"] for r in jm.load(s, info.id).of("risk")}
    assert "Pia's risk" not in names
    assert {"Facilitator's risk", "Later risk"} <= names


def test_a_participant_dot_vote_counts_for_their_session(app, factory):
    _create(app)
    info = _participant(app, factory)
    app.text_area(key="note_text").input("More templates")
    app.button(key="note_submit").click().run()
    with unit_of_work(factory) as s:
        (note,) = workshop.list_notes(s, info.id)
    app.button(key=f"vote_{note.id}").click().run()
    assert not app.exception
    assert app.button(key=f"vote_{note.id}").label == "● 1"
    with unit_of_work(factory) as s:
        assert workshop.list_notes(s, info.id)[0].votes == 1
