"""Issue 16, item 7: the journey page's smaller fixes through AppTest, on SQLite and
PostgreSQL (compare direction and words, stable "Compare with", undo label, plurals, field
labels, read-only wording)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import journey as jm
from core.access import links
from core.db.engine import unit_of_work
from tests.support.apptest import (
    open_in_empty_workspace,
    open_map_management,
    open_tab,
    workspace_id_named,
)

PAGE = "pages/journey.py"
WORKSPACE = "Journey small fixes"


@pytest.fixture
def app(app: AppTest, factory) -> AppTest:
    open_in_empty_workspace(app, factory, WORKSPACE)
    app.switch_page(PAGE).run()
    assert not app.exception
    app.selectbox(key="create_template").set_value("six_stage")
    app.button(key="create_submit").click().run()
    assert not app.exception
    return app


def _maps(factory) -> dict[str, jm.MapInfo]:
    with unit_of_work(factory) as s:
        return {m.name: m for m in jm.list_maps(s, workspace_id_named(factory, WORKSPACE))}


def test_undo_label_is_cut_between_words(app, factory):
    long_name = "Welcome call with every administrator and their deputies in week one"
    app.selectbox(key="add_kind").set_value("touchpoint")
    app.text_input(key="add_name").input(long_name)
    app.button(key="add_submit").click().run()
    assert not app.exception
    label = app.button(key="journey_undo").label
    summary = label.removeprefix("Undo: ").split(" (by ")[0]
    assert summary.endswith("…")
    shown = summary[:-1]
    full = f"added touchpoint “{long_name}”"
    assert full.startswith(shown)
    assert full[len(shown)] == " "  # not cut inside a word


def test_snapshot_counts_use_singular_for_one(app, factory):
    info = next(iter(_maps(factory).values()))
    with unit_of_work(factory) as s:
        jm.add_element(s, info.id, "opportunity", {"title": "Shorter kickoff"}, jm.Actor("Ana"))
    open_tab(app, "History")
    app.text_input(key="snapshot_label").input("With one opportunity")
    app.button(key="snapshot_save").click().run()
    assert not app.exception
    caption = " ".join(c.value for c in app.caption)
    assert "1 opportunity" in caption
    assert "1 opportunities" not in caption


def _compare_rows(app: AppTest) -> dict[str, dict[str, str]]:
    frame = next(d.value for d in app.dataframe if "Where" in d.value.columns)
    return {row["Name"]: row for row in frame.to_dict("records")}


def test_compare_reads_from_the_map_looked_at_with_field_labels(app, factory):
    open_tab(app, "Check & compare")
    open_map_management(app)
    app.text_input(key="duplicate_name").input("Ideal journey")
    app.button(key="duplicate_submit").click().run()
    ideal = _maps(factory)["Ideal journey"]
    with unit_of_work(factory) as s:
        j_ideal = jm.load(s, ideal.id)
        tp = j_ideal.of("touchpoint")[0]
        jm.edit_element(s, ideal.id, "touchpoint", tp["id"], {"sla_hours": 4}, 1, jm.Actor("A"))
        jm.add_element(s, ideal.id, "risk", {"name": "Ideal-only risk"}, jm.Actor("A"))
    app.run()  # looking from the ideal map; "Compare with" offers the current one
    assert not app.exception
    assert app.selectbox(key="compare_with").value == _maps(factory)["Six-stage onboarding"].id
    rows = _compare_rows(app)
    assert rows["Ideal-only risk"]["Where"] == "Only in this map"
    changed = rows[tp["name"]]
    assert changed["Where"] == "In both, different"
    assert "SLA (hours): 4" in changed["In this map"]
    assert "sla_hours" not in changed["In this map"] + changed["In the other map"]
    shown = " ".join(str(v) for row in rows.values() for v in row.values())
    assert not set("－＋✎") & set(shown)

    app.selectbox(key="journey_map_id").set_value(_maps(factory)["Six-stage onboarding"].id)
    app.run()  # now from the current map at the ideal one: the same risk is on the other side
    assert not app.exception
    assert app.selectbox(key="compare_with").value == ideal.id
    rows = _compare_rows(app)
    assert rows["Ideal-only risk"]["Where"] == "Only in the other map"
    assert "SLA (hours): 4" in rows[tp["name"]]["In the other map"]


def test_compare_with_keeps_the_chosen_map_across_map_switches(app, factory):
    current = _maps(factory)["Six-stage onboarding"]
    with unit_of_work(factory) as s:
        ideal = jm.duplicate_map(s, current.id, "Ideal journey", jm.Actor("A"), state="ideal")
        other = jm.duplicate_map(s, current.id, "Enterprise", jm.Actor("A"), state="current")
    open_tab(app, "Check & compare")
    assert app.selectbox(key="compare_with").value == ideal.id  # the counterpart by default
    app.selectbox(key="compare_with").set_value(other.id).run()
    assert not app.exception
    app.selectbox(key="journey_map_id").set_value(ideal.id).run()
    assert not app.exception
    assert app.selectbox(key="compare_with").value == other.id  # still valid: kept
    app.selectbox(key="journey_map_id").set_value(other.id).run()
    assert not app.exception
    # the chosen map is the one shown now: the counterpart (same segment, other state) instead
    assert app.selectbox(key="compare_with").value == ideal.id
    app.selectbox(key="journey_map_id").set_value(current.id).run()
    assert app.selectbox(key="compare_with").value == other.id  # the choice comes back
    open_tab(app, "Map")  # the closed tab's widget is not drawn, and forgets its value
    open_tab(app, "Check & compare")
    assert app.selectbox(key="compare_with").value == other.id  # kept all the same


def test_read_only_view_says_element_and_details_not_edit(app, factory):
    info = _maps(factory)["Six-stage onboarding"]
    ws = workspace_id_named(factory, WORKSPACE)
    with unit_of_work(factory) as s:
        token = links.create_link(s, ws, "viewer", map_id=info.id).token
        stage = jm.load(s, info.id).stages[0]
    app.query_params["link"] = token
    app.run()
    assert not app.exception
    assert app.title[0].value == "Journey map (read only)"
    app.selectbox(key="journey_pick").set_value(f"stage-{stage['id']}").run()
    assert not app.exception
    assert app.selectbox(key="journey_pick").label == "Element"
    assert any(m.value == "**Details**" for m in app.markdown)
    assert any(stage["name"] in t.value for t in app.text)
    widgets = [*app.selectbox, *app.button, *app.text_input, *app.text_area, *app.toggle]
    assert not [w.label for w in widgets if "edit" in w.label.lower()]
