"""The pages through Streamlit's AppTest, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core import engine
from core.data import store
from core.db.engine import unit_of_work
from core.model.plan import MeasurementPlan
from core.workspace import workspaces

# The `app` fixture (AppTest on a migrated SQLite/PostgreSQL database) lives in conftest.py.


def _only_workspace(factory: sessionmaker[Session]) -> workspaces.WorkspaceInfo:
    with unit_of_work(factory) as s:
        (ws,) = workspaces.list_workspaces(s)
    return ws


def test_home_shows_the_demo_workspace(app: AppTest, factory: sessionmaker[Session]):
    assert app.title[0].value == "Demo workspace"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Accounts"] == "150"
    assert int(metrics["Events"].replace(",", "")) > 1000
    with unit_of_work(factory) as s:
        info = store.active_info(s, _only_workspace(factory).id)
        data = store.load_dataset(s, info.id)
    assert info is not None
    assert info.row_counts["accounts"] == 150
    everyone = engine.scorecard(data, MeasurementPlan()).row(-1, named=True)
    assert metrics["Accounts at risk"] == f"{everyone['at_risk_accounts']:,}"
    assert metrics["Contract value at risk"] == f"${everyone['at_risk_value']:,.0f}"


def test_data_page_shows_what_is_loaded(app: AppTest):
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert app.title[0].value == "Data"
    assert [t.label for t in app.tabs][:5] == [
        "Overview",
        "Import",
        "From other tools",
        "Segments",
        "History",
    ]
    assert {m.label for m in app.metric} == {"Accounts", "Users", "Events", "Touches"}
    assert any("Event catalogue" in m.value for m in app.markdown)


def test_pinning_the_analysis_date_is_saved(app: AppTest, factory: sessionmaker[Session]):
    app.switch_page("pages/data.py").run()
    app.toggle(key="as_of_follow_latest").set_value(False).run()
    app.date_input(key="as_of_date").set_value("2026-06-30").run()
    assert not app.exception
    assert str(_only_workspace(factory).as_of) == "2026-06-30"
    app.toggle(key="as_of_follow_latest").set_value(True).run()
    assert _only_workspace(factory).as_of is None


def test_segment_targets_are_validated_and_saved(app: AppTest, factory: sessionmaker[Session]):
    app.switch_page("pages/data.py").run()
    app.button(key="segments_save").click().run()
    assert not app.exception
    assert not app.error
    ws = _only_workspace(factory)
    with unit_of_work(factory) as s:
        assert list(workspaces.measurement_plan(s, ws.id).segments) == [
            "Enterprise",
            "Mid-Market",
            "SMB",
        ]


def test_create_and_switch_workspace_from_the_sidebar(app: AppTest, factory: sessionmaker[Session]):
    app.sidebar.text_input(key="new_workspace_name").input("Pilot customers")
    app.sidebar.button[0].click().run()
    assert not app.exception
    assert app.title[0].value == "Pilot customers"
    assert any("no customer data yet" in i.value for i in app.info)
    assert app.sidebar.text_input(key="new_workspace_name").value == ""  # stored: cleared
    app.sidebar.text_input(key="new_workspace_name").input("pilot CUSTOMERS")
    app.sidebar.button[0].click().run()
    assert "already exists" in app.error[0].value
    # Refused: what was typed stays, to be corrected rather than typed again.
    assert app.sidebar.text_input(key="new_workspace_name").value == "pilot CUSTOMERS"


def test_load_demo_into_an_empty_workspace(app: AppTest, factory: sessionmaker[Session]):
    app.sidebar.text_input(key="new_workspace_name").input("Empty")
    app.sidebar.button[0].click().run()
    app.switch_page("pages/data.py").run()
    app.number_input(key="demo_accounts").set_value(100).run()
    app.button(key="demo_load").click().run()
    assert not app.exception
    assert {m.label: m.value for m in app.metric}["Accounts"] == "100"


def test_delete_asks_for_the_name_first(app: AppTest, factory: sessionmaker[Session]):
    app.sidebar.text_input(key="new_workspace_name").input("Scratch")
    app.sidebar.button[0].click().run()
    app.button(key="delete_workspace").click().run()
    app.text_input(key="delete_confirm_name").input("wrong")
    app.button(key="delete_confirm").click().run()
    assert "does not match" in app.error[0].value
    with unit_of_work(factory) as s:
        assert len(workspaces.list_workspaces(s)) == 2
    app.text_input(key="delete_confirm_name").input("Scratch")
    app.button(key="delete_confirm").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        assert [w.name for w in workspaces.list_workspaces(s)] == ["Demo workspace"]
    assert app.title[0].value == "Demo workspace"


def test_an_uploaded_file_name_shows_as_text(app: AppTest):
    app.switch_page("pages/data.py").run()
    upload = (":red[accounts].csv", b"account_id\nA-1\n", "text/csv")
    app.file_uploader(key="import_files").set_value(upload).run()
    assert not app.exception
    label = app.selectbox(key="table_for_:red[accounts].csv").label
    assert label == r"Table for **\:red\[accounts\].csv**"
