"""What each role sees on Home, Scorecards, At-risk and Data (issue 12), in AppTest on a real
database (SQLite and PostgreSQL): a viewer reads and finds no editing control, an editor sets
risk calls but not the plan, nobody but an owner reaches the Data page, and a person who is a
member of nothing sees no workspace's data.

The `app` fixture's first run (as the local owner) creates the demo workspace; each test then
makes the next runs a signed-in person with a role in it."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core.at_risk import risk_states
from core.db.engine import unit_of_work
from tests.support.apptest import (
    act_as,
    add_member,
    open_in_empty_workspace,
    workspace_id_named,
)

DEMO = "Demo workspace"
VERA = "vera@example.com"
EDDIE = "eddie@example.com"

BUILDER_CONTROLS = ("sb_save", "sb_author", "sb_note", "sb_restore", "sb_save_file")


def _as(app: AppTest, factory, monkeypatch, key: str, role: str, name: str) -> int:
    ws = workspace_id_named(factory, DEMO)
    add_member(factory, ws, key, role)
    act_as(monkeypatch, key, name)
    return ws


def _open(app: AppTest, page: str) -> AppTest:
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _keys(app: AppTest) -> set[str]:
    """The keys of every widget drawn in this run."""
    found: set[str] = set()
    for kind in (
        "button",
        "text_input",
        "text_area",
        "radio",
        "number_input",
        "file_uploader",
        "selectbox",
        "download_button",
    ):
        try:
            found |= {w.key for w in app.get(kind) if getattr(w, "key", None)}
        except KeyError:
            continue
    return found


def _backtest(app: AppTest) -> AppTest:
    _open(app, "pages/scorecards.py")
    assert app.title[0].value == "Scorecards"
    app.session_state["sc_tab"] = "Backtest"
    app.run()
    assert not app.exception, app.exception
    return app


def _open_account(app: AppTest) -> str:
    _open(app, "pages/at_risk.py")
    assert app.title[0].value == "At-risk accounts"
    box = app.selectbox(key="ar_account")
    account = box.options[0].split(" · ")[0]
    box.set_value(account).run()
    assert not app.exception, app.exception
    return account


def _card_titles(app: AppTest) -> set[str]:
    return {m.value.strip("*") for m in app.markdown if m.value.startswith("**")}


def test_a_viewer_reads_the_scorecards_and_the_score_builder_without_editing_it(
    app: AppTest, factory, monkeypatch
):
    _as(app, factory, monkeypatch, VERA, "viewer", "Vera Viewer")
    _backtest(app)
    assert {m.label for m in app.metric} >= {"Accounts at risk"}
    inputs = [n for n in app.number_input if (n.key or "").startswith(("sb_pen_", "sb_band_"))]
    assert inputs
    assert all(n.disabled for n in inputs)
    keys = _keys(app)
    assert not keys & set(BUILDER_CONTROLS), keys & set(BUILDER_CONTROLS)
    assert not any(k.startswith("sb_upload") for k in keys)
    assert "sb_use_suggestion" not in keys
    assert "sb_version_toml" in keys  # reading and downloading a version is still theirs
    assert not [e for e in app.expander if "Upload a plan file" in e.label]
    assert any("Only the workspace's owners can save" in c.value for c in app.caption)


def test_a_viewer_reads_the_call_on_an_account_and_gets_no_form(app: AppTest, factory, monkeypatch):
    ws = _as(app, factory, monkeypatch, VERA, "viewer", "Vera Viewer")
    account = _open_account(app)
    keys = _keys(app)
    assert not {"ar_state", "ar_note", "ar_author", "ar_state_save"} & keys
    assert any("The team's call on this account" in m.value for m in app.markdown)
    assert any("Owners and editors set the risk state" in c.value for c in app.caption)
    assert {b.key for b in app.get("download_button")} >= {"ar_csv", "ar_xlsx"}
    with unit_of_work(factory) as s:
        before = risk_states.get_risk_state(s, ws, account)
    app.run()
    with unit_of_work(factory) as s:
        assert risk_states.get_risk_state(s, ws, account) == before


def test_a_viewer_has_no_data_page(app: AppTest, factory, monkeypatch):
    _as(app, factory, monkeypatch, VERA, "viewer", "Vera Viewer")
    _open(app, "pages/home.py")
    cards = _card_titles(app)
    assert {"Scorecards", "At-risk accounts"} <= cards
    assert "Data" not in cards
    links = {link.label for link in app.get("page_link")}
    assert "Open Data" not in links
    assert "Open Scorecards" in links


def test_the_data_page_stops_for_anyone_but_an_owner(app: AppTest, factory, monkeypatch):
    """The navigation does not list Data for an editor, so asking for it lands elsewhere; and
    should the page's file run for them anyway (its address typed into a navigation that
    listed it), the page itself says so and draws nothing of it."""
    _as(app, factory, monkeypatch, EDDIE, "editor", "Eddie Editor")
    app.switch_page("pages/data.py").run()
    assert not app.exception, app.exception
    assert "Data" not in [t.value for t in app.title]
    assert not {"import_files", "demo_load"} & _keys(app)

    from ui.registry import PAGES

    monkeypatch.setattr("ui.session.pages_for", lambda _role: PAGES)
    app.run()  # registers the pages the patched navigation lists
    app.switch_page("pages/data.py").run()
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == ["Data"]
    assert any("As an editor of this workspace" in i.value for i in app.info)
    assert any("the Data page is for the workspace's owners" in i.value for i in app.info)
    keys = _keys(app)
    assert not {"import_files", "demo_load", "demo_accounts"} & keys
    assert not any(k.startswith("activate_") for k in keys)
    assert not app.tabs


def test_an_editor_sets_a_risk_call_under_their_own_name_but_not_the_plan(
    app: AppTest, factory: sessionmaker[Session], monkeypatch
):
    ws = _as(app, factory, monkeypatch, EDDIE, "editor", "Eddie Editor")
    account = _open_account(app)
    keys = _keys(app)
    assert {"ar_state", "ar_note", "ar_state_save"} <= keys
    assert "ar_author" not in keys  # signed in: the call carries their name
    assert any("Saved as Eddie Editor" in c.value for c in app.caption)
    app.radio(key="ar_state").set_value("plan_in_place")
    app.text_area(key="ar_note").input("Exec call on Friday")
    app.button(key="ar_state_save").click().run()
    assert not app.exception, app.exception
    with unit_of_work(factory) as s:
        saved = risk_states.get_risk_state(s, ws, account)
    assert saved is not None
    assert (saved.state, saved.note, saved.updated_by) == (
        "plan_in_place",
        "Exec call on Friday",
        "Eddie Editor",
    )
    _backtest(app)
    assert not _keys(app) & set(BUILDER_CONTROLS)
    _open(app, "pages/home.py")
    assert "Data" not in _card_titles(app)


@pytest.mark.parametrize("page", ["pages/home.py", "pages/scorecards.py", "pages/at_risk.py"])
def test_a_person_in_no_workspace_sees_no_workspace_data(
    app: AppTest, factory, monkeypatch, page: str
):
    act_as(monkeypatch, "stranger@example.com", "Stranger")
    _open(app, page)
    assert any("not a member of any workspace" in i.value for i in app.info)
    shown = " ".join(
        str(e.value) for e in [*app.title, *app.markdown, *app.caption, *app.sidebar.selectbox]
    )
    assert DEMO not in shown
    assert not app.metric
    assert not app.dataframe
    assert not _keys(app) & {"ar_account", "ar_state", "sb_save", "sc_whatif_step"}


@pytest.mark.parametrize("page", ["pages/home.py", "pages/scorecards.py", "pages/at_risk.py"])
def test_a_viewer_of_an_empty_workspace_is_told_who_loads_its_data(
    app: AppTest, factory, monkeypatch, page: str
):
    """Not sent to a Data page their navigation does not have (a link to it would fail)."""
    ws = open_in_empty_workspace(app, factory, "Empty")
    add_member(factory, ws, VERA, "viewer")
    act_as(monkeypatch, VERA, "Vera Viewer")
    _open(app, page)
    assert any("Its owners load it on the Data page" in i.value for i in app.info)
    assert not app.get("page_link") or "Go to Data" not in {
        link.label for link in app.get("page_link")
    }
    assert not app.metric


def test_an_owner_imports_under_their_own_name(app: AppTest, factory, monkeypatch):
    """The Data page is the owner's; the history says who imported each version."""
    _as(app, factory, monkeypatch, "olga@example.com", "owner", "Olga Owner")
    _open(app, "pages/data.py")
    assert [t.value for t in app.title] == ["Data"]
    app.number_input(key="demo_accounts").set_value(100)
    app.button(key="demo_load").click().run()
    assert not app.exception, app.exception
    app.run()
    captions = [c.value for c in app.caption]
    assert any("imported by Olga Owner" in c for c in captions), captions
