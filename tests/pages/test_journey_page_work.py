"""The journey page does the work of the tab on screen, through AppTest on SQLite and
PostgreSQL (issue 16, item 2): a closed tab draws nothing (the Map and Workshop tabs, where
people type, and a table holding an unsaved edit excepted), the map forms only while their
popover is open, the grid's files not before their button is pressed, and each tab draws
its part on its own when chosen. Counted, not timed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

import core.charts.journey
import ui.journey.grid
import ui.journey.tabs
from tests.support.apptest import open_in_empty_workspace, open_map_management, open_tab
from ui.journey.maps import MANAGE_KEY
from ui.journey.tabs import TAB_KEY, TABS

PAGE = "pages/journey.py"


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each costly builder ran: the grid's PNG, the emotion chart, the lanes
    and the exports (the AppTest runs the page in this process)."""
    calls: Counter[str] = Counter()

    def counting(module: object, name: str) -> None:
        original: Callable[..., object] = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            calls[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(ui.journey.grid, "svg_png")
    counting(core.charts.journey, "emotion_curve")
    counting(core.charts.journey, "completeness_bars")
    counting(core.charts.journey, "value_effort_matrix")
    counting(ui.journey.tabs, "lanes")
    counting(ui.journey.tabs, "exports")
    return calls


@pytest.fixture
def app(app: AppTest, factory, built) -> AppTest:
    open_in_empty_workspace(app, factory, "Journey work")
    app.switch_page(PAGE).run()
    app.selectbox(key="create_template").set_value("six_stage")
    app.button(key="create_submit").click().run()
    assert not app.exception
    return app


def _keys(app: AppTest, kind: str) -> set[str]:
    return {e.proto.id.split("-", 2)[-1] for e in app.get(kind)}


def test_an_add_builds_no_chart_or_file_of_a_closed_tab(app, built):
    app.selectbox(key="add_kind").set_value("touchpoint")
    app.text_input(key="add_name").input("Welcome video")
    app.button(key="add_submit").click().run()
    assert not app.exception
    assert app.session_state[TAB_KEY] == "Map"
    assert built == Counter()
    # The Workshop tab is drawn all the same (a half-typed note); the others are not.
    assert app.text_area(key="note_text") is not None
    assert not any(m.label == "Completeness" for m in app.metric)
    assert not any("wp-grid" in h.proto.body for h in app.get("html"))
    buttons = _keys(app, "button")
    assert not {"grid_files_make", "bulk_save", "opps_save", "snapshot_save"} & buttons
    assert "create_submit" not in buttons  # the closed map-management popover
    assert not {"grid_png", "export_json", "export_excel"} & _keys(app, "download_button")


@pytest.mark.parametrize(
    ("tab", "widget"),
    [
        ("Grid", "grid_files_make"),
        ("Tables", "bulk_save"),
        ("Opportunities", "opps_save"),
        ("History", "snapshot_save"),
    ],
)
def test_a_tab_draws_its_widgets_while_open(app, tab, widget):
    open_tab(app, tab)
    assert not app.exception
    assert widget in _keys(app, "button")
    open_tab(app, "Map")
    assert widget not in _keys(app, "button")


def test_the_map_forms_are_drawn_while_their_popover_is_open(app):
    open_map_management(app)
    assert {"create_submit", "duplicate_submit"} <= _keys(app, "button")
    app.session_state[MANAGE_KEY] = False
    app.run()
    assert "create_submit" not in _keys(app, "button")


def test_the_grid_files_are_made_once_when_asked_for_and_again_after_an_edit(app, built):
    open_tab(app, "Grid")
    app.button(key="grid_files_make").click().run()
    assert not app.exception
    assert {"grid_svg", "grid_png", "grid_csv"} <= _keys(app, "download_button")
    assert built["svg_png"] == 1
    app.run()  # a rerun hands over the files made
    assert built["svg_png"] == 1
    assert "grid_png" in _keys(app, "download_button")
    app.selectbox(key="add_kind").set_value("touchpoint")  # the Map tab's form is always drawn
    app.text_input(key="add_name").input("Welcome video")
    app.button(key="add_submit").click().run()
    assert not app.exception
    assert "grid_png" not in _keys(app, "download_button")  # the map changed: not stale
    assert "grid_files_make" in _keys(app, "button")
    assert built["svg_png"] == 1


@pytest.mark.parametrize(
    ("tab", "builder"),
    [
        ("Timeline & emotion", "emotion_curve"),
        ("Lanes by role", "lanes"),
        ("Export & import", "exports"),
        ("Check & compare", "completeness_bars"),
    ],
)
def test_a_view_is_built_when_its_tab_opens_and_while_it_stays_open(app, built, tab, builder):
    app.session_state[TAB_KEY] = tab
    app.run()
    assert not app.exception
    assert built == Counter({builder: 1})
    app.run()  # e.g. the live refresh after someone's change
    assert built == Counter({builder: 2})
    app.session_state[TAB_KEY] = "Map"
    app.run()
    assert built == Counter({builder: 2})


def test_export_tab_offers_the_files(app):
    app.session_state[TAB_KEY] = "Export & import"
    app.run()
    assert {"export_json", "export_excel", "export_md"} <= _keys(app, "download_button")


def test_the_open_tab_is_kept_across_the_presenter_view(app):
    """The presenter view draws no tabs; leaving it reopens the tab that was open."""
    app.session_state[TAB_KEY] = "History"
    app.run()
    app.toggle(key="journey_presenter").set_value(True).run()
    assert not app.exception
    app.toggle(key="journey_presenter").set_value(False).run()
    assert not app.exception
    assert app.session_state[TAB_KEY] == "History"
    assert [t.label for t in app.tabs][: len(TABS)] == TABS
