"""Issue 16, item 7: the journey page's smaller fixes through AppTest, on SQLite and
PostgreSQL (compare direction and words, stable "Compare with", undo label, plurals, field
labels, read-only wording)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import journey as jm
from core.db.engine import unit_of_work
from tests.support.apptest import open_in_empty_workspace, workspace_id_named

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
    app.text_input(key="snapshot_label").input("With one opportunity")
    app.button(key="snapshot_save").click().run()
    assert not app.exception
    caption = " ".join(c.value for c in app.caption)
    assert "1 opportunity" in caption
    assert "1 opportunities" not in caption
