"""The at-risk page in AppTest on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core.at_risk import risk_states
from core.db.engine import unit_of_work
from core.workspace import workspaces
from core.workspace.demo_workspace import DEMO_CALLS

PAGE = "pages/at_risk.py"


def _open(app: AppTest) -> AppTest:
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "At-risk accounts"
    return app


def test_list_shows_totals_and_exports(app: AppTest):
    _open(app)
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Accounts at risk"].replace(",", "")) > 0
    assert metrics["Contract value at risk"].startswith("$")
    keys = {b.key for b in app.get("download_button")}
    assert {"ar_csv", "ar_xlsx"} <= keys


def test_signal_filter_narrows_the_list(app: AppTest):
    _open(app)
    before = int({m.label: m.value for m in app.metric}["Accounts at risk"].replace(",", ""))
    app.multiselect(key="ar_f_signal").set_value(["ticket_primary"]).run()
    assert not app.exception
    after_text = {m.label: m.value for m in app.metric}["Accounts at risk"]
    assert int(after_text.replace(",", "")) <= before


def test_open_account_and_save_its_risk_state(app: AppTest, factory: sessionmaker[Session]):
    _open(app)
    box = app.selectbox(key="ar_account")
    account = box.options[0].split(" · ")[0]
    box.set_value(account).run()
    assert not app.exception
    labels = [t.label for t in app.tabs]
    assert {"Score history", "Milestones", "Timeline", "Users", "Sponsor"} <= set(labels)
    assert any("Recommended play" in m.value for m in app.markdown)
    app.radio(key="ar_state").set_value("plan_in_place")
    app.text_area(key="ar_note").input("Exec call booked for Friday")
    app.text_input(key="ar_author").input("Priya")
    app.button(key="ar_state_save").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        (ws,) = workspaces.list_workspaces(s)
        saved = risk_states.get_risk_state(s, ws.id, account)
    assert saved is not None
    assert (saved.state, saved.note) == ("plan_in_place", "Exec call booked for Friday")
    assert saved.updated_by == "Priya"
    app.run()
    assert any("by Priya" in c.value for c in app.caption)
    assert app.radio(key="ar_state").value == "plan_in_place"


def test_expansion_and_csm_load_tabs(app: AppTest):
    _open(app)
    for tab in ("Expansion-ready", "CSM load"):
        app.session_state["ar_tab"] = tab
        app.run()
        assert not app.exception, (tab, app.exception)
    assert any("csm" in df.value.columns for df in app.dataframe)


def _without_a_call(factory: sessionmaker[Session], app: AppTest) -> list[str]:
    """The accounts offered in "Open an account" that hold no call yet (the demo workspace
    has calls on the top of its list)."""
    options = [o.split(" · ")[0] for o in app.selectbox(key="ar_account").options]
    with unit_of_work(factory) as s:
        (ws,) = workspaces.list_workspaces(s)
        called = {c.account_id for c in risk_states.list_risk_states(s, ws.id)}
    return [o for o in options if o not in called]


def test_the_demo_calls_and_notes_show_at_once(app: AppTest):
    _open(app)
    table = next(d for d in app.dataframe if "reasons" in d.value.columns).value
    noted = table[table["note"] != ""]
    assert noted["note"].tolist() == [note for _, note in DEMO_CALLS]
    labels = [risk_states.state_label(state) for state, _ in DEMO_CALLS]
    assert noted["risk_state"].tolist() == labels
    first = noted["account_id"].tolist()[0]
    app.selectbox(key="ar_account").set_value(first).run()
    assert not app.exception, app.exception
    assert app.text_area(key="ar_note").value == DEMO_CALLS[0][1]


def test_switching_accounts_shows_each_ones_own_call(app: AppTest, factory: sessionmaker[Session]):
    _open(app)
    first, second = _without_a_call(factory, app)[:2]
    with unit_of_work(factory) as s:
        (ws,) = workspaces.list_workspaces(s)
        risk_states.set_risk_state(s, ws.id, first, "lost", "went with a rival", base_version=None)
    app.selectbox(key="ar_account").set_value(first).run()
    assert app.radio(key="ar_state").value == "lost"
    assert app.text_area(key="ar_note").value == "went with a rival"
    app.selectbox(key="ar_account").set_value(second).run()
    assert not app.exception
    assert app.radio(key="ar_state").value == "open"
    assert app.text_area(key="ar_note").value == ""


def test_saved_state_shows_in_the_list_and_filters_it(app: AppTest, factory: sessionmaker[Session]):
    _open(app)
    account = _without_a_call(factory, app)[0]
    with unit_of_work(factory) as s:
        (ws,) = workspaces.list_workspaces(s)
        risk_states.set_risk_state(
            s, ws.id, account, "plan_in_place", "=cmd|' /C calc'!A0", base_version=None
        )
    app.run()
    app.multiselect(key="ar_f_state").set_value(["◐ Plan in place"]).run()
    assert not app.exception
    table = app.dataframe[0].value
    demo_plans = sum(state == "plan_in_place" for state, _ in DEMO_CALLS)
    assert account in table["account_id"].tolist()
    assert table["risk_state"].tolist() == ["◐ Plan in place"] * (demo_plans + 1)
    assert {m.label: m.value for m in app.metric}["Accounts at risk"] == str(demo_plans + 1)


def test_empty_workspace_says_what_to_do(app: AppTest):
    app.sidebar.text_input(key="new_workspace_name").input("Empty")
    app.sidebar.button[0].click().run()
    _open(app)
    assert "no customer data" in app.info[0].value


def test_the_columns_a_csm_reads_first_lead_the_list(app: AppTest):
    _open(app)
    table = next(d for d in app.dataframe if "reasons" in d.value.columns)
    assert list(table.value.columns[:7]) == [
        "account_name",
        "score",
        "action",
        "reasons",
        "play",
        "play_owner",
        "risk_state",
    ]


def test_the_demo_maps_give_every_at_risk_account_a_play_and_an_owner(app: AppTest):
    _open(app)
    table = next(d for d in app.dataframe if "reasons" in d.value.columns).value
    assert not table["play"].str.startswith("No play defined").any()
    assert (table["play_owner"] != "").all()
