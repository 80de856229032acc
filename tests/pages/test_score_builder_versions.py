"""The score builder's plan versions in AppTest: a save with who and a note, a stale save
refused naming who saved in between, following the newest version while nothing is edited,
and a restore through its confirmation dialog."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core.access.identity import Access, Role
from core.db.engine import unit_of_work
from core.workspace import plan_versions as pv
from core.workspace.effective_plan import effective_plan
from tests.support.apptest import workspace_id_named


def _builder(app: AppTest) -> AppTest:
    app.switch_page("pages/scorecards.py").run()
    app.session_state["sc_tab"] = "Backtest"
    app.run()
    assert not app.exception, app.exception
    return app


def _demo(factory: sessionmaker[Session]) -> int:
    return workspace_id_named(factory, "Demo workspace")


def _save_elsewhere(factory: sessionmaker[Session], ws_id: int, who: str, points: int) -> None:
    """Another owner's save, from another browser: straight through the core use case."""
    with unit_of_work(factory) as s:
        plan = effective_plan(s, ws_id)
        edited = replace(plan, penalties=replace(plan.penalties, ticket_primary=points))
        base = pv.current_number(s, ws_id)
        pv.save_settings(s, Access(ws_id, "Demo", Role.OWNER, who), edited, base_version=base)


def test_saving_the_builder_stores_a_new_version_with_who_and_note(app, factory):
    _builder(app)
    app.number_input(key="sb_pen_ticket_primary").set_value(35).run()
    app.text_input(key="sb_author").input("Priya")
    app.text_input(key="sb_note").input("Tickets matter more")
    app.button(key="sb_save").click().run()
    assert not app.exception, app.exception
    assert not app.error
    ws_id = _demo(factory)
    with unit_of_work(factory) as s:
        newest = pv.list_versions(s, ws_id)[0]
        assert effective_plan(s, ws_id).penalties.ticket_primary == 35
    assert (newest.number, newest.saved_by, newest.note) == (2, "Priya", "Tickets matter more")
    assert any("These are the settings in use" in i.value for i in app.info)
    history = next(d.value for d in app.dataframe if "Saved by" in d.value.columns)
    assert history["Version"].tolist() == [2, 1]
    assert history["Saved by"].tolist()[0] == "Priya"
    assert app.button(key="sb_save").label == "Save as version 3"


def test_a_stale_save_is_refused_with_who_saved_in_between(app, factory):
    _builder(app)
    app.number_input(key="sb_pen_ticket_primary").set_value(35).run()
    ws_id = _demo(factory)
    _save_elsewhere(factory, ws_id, "Dana", 5)
    app.run()
    assert any("Dana saved version 2" in w.value for w in app.warning)
    app.button(key="sb_save").click().run()
    assert not app.exception, app.exception
    errors = " ".join(e.value for e in app.error)
    assert "Dana saved version 2" in errors
    assert "Nothing of yours was saved" in errors
    with unit_of_work(factory) as s:
        assert pv.current_number(s, ws_id) == 2
        assert effective_plan(s, ws_id).penalties.ticket_primary == 5
    app.button(key="sb_load_newest").click().run()
    assert app.number_input(key="sb_pen_ticket_primary").value == 5
    assert not app.warning


def test_the_builder_follows_the_newest_version_while_nothing_is_edited(app, factory):
    _builder(app)
    _save_elsewhere(factory, _demo(factory), "Dana", 45)
    app.run()
    assert not app.exception, app.exception
    assert app.number_input(key="sb_pen_ticket_primary").value == 45
    assert not app.warning
    assert any("These are the settings in use" in i.value for i in app.info)


def test_restoring_an_earlier_version_asks_first_and_adds_a_version(app, factory):
    ws_id = _demo(factory)
    _save_elsewhere(factory, ws_id, "Dana", 45)
    _builder(app)
    app.selectbox(key="sb_version_pick").select(1).run()
    app.button(key="sb_restore").click().run()
    assert not app.exception, app.exception
    app.text_input(key="sb_restore_author").input("Lee")
    app.button(key="sb_restore_confirm").click().run()
    assert not app.exception, app.exception
    with unit_of_work(factory) as s:
        newest = pv.list_versions(s, ws_id)[0]
        assert effective_plan(s, ws_id).penalties.ticket_primary == 15
    assert (newest.number, newest.saved_by, newest.restored_from) == (3, "Lee", 1)
    assert app.number_input(key="sb_pen_ticket_primary").value == 15
    assert [t.value for t in app.toast] == ["Version 1 restored as version 3 by Lee."]
