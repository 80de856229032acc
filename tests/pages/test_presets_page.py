"""The Data page's "From other tools" tab in AppTest, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core.data import store
from core.data.presets.saved import list_mappings
from core.db.engine import unit_of_work
from core.workspace import workspaces

FIXTURES = Path(__file__).parents[1] / "fixtures" / "presets"


def _segment_export(*, bad: bool = False) -> bytes:
    calls = [
        {
            "type": "track",
            "event": "preset_event",
            "userId": f"preset-user-{i}",
            "messageId": f"m-{i}",
            "timestamp": f"2026-03-0{i + 1}T10:00:00Z",
            "context": {"groupId": "ACC-00001"},
        }
        for i in range(3)
    ]
    calls.append(dict(calls[0]))  # a retried delivery: same messageId
    if bad:
        calls[1]["timestamp"] = "not a time"
    return "\n".join(json.dumps(c) for c in calls).encode()


def _ws(factory: sessionmaker[Session]) -> workspaces.WorkspaceInfo:
    with unit_of_work(factory) as s:
        (ws,) = workspaces.list_workspaces(s)
    return ws


def _event_count(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        info = store.active_info(s, _ws(factory).id)
    assert info is not None
    return info.row_counts["events"]


def _open_tab(app: AppTest) -> AppTest:
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert "From other tools" in [t.label for t in app.tabs]
    return app


def test_the_tab_explains_what_to_do_before_an_upload(app: AppTest):
    _open_tab(app)
    assert app.selectbox(key="presets_preset").value == "segment"
    assert any("Upload a Segment export" in i.value for i in app.info)


def test_a_segment_export_is_previewed_and_loaded(app: AppTest, factory: sessionmaker[Session]):
    _open_tab(app)
    before = _event_count(factory)
    upload = ("segment.jsonl", _segment_export(), "application/json")
    app.file_uploader(key="presets_files").set_value(upload).run()
    assert not app.exception
    assert not app.error
    assert any(c.value.startswith("events · file and row") for c in app.caption)
    assert len(app.dataframe) >= 2  # the preview tables
    app.button(key="presets_load").click().run()
    assert not app.exception
    assert _event_count(factory) == before + 3
    assert any("1 duplicate row(s)" in s.value for s in app.success)


def test_a_bad_export_is_refused_and_nothing_changes(app: AppTest, factory: sessionmaker[Session]):
    _open_tab(app)
    before = _event_count(factory)
    upload = ("segment.jsonl", _segment_export(bad=True), "application/json")
    app.file_uploader(key="presets_files").set_value(upload).run()
    assert not app.exception
    assert app.button(key="presets_load").disabled
    assert any("segment.jsonl, row 2, column timestamp" in t.value for t in app.text)
    assert _event_count(factory) == before


def test_a_mapping_is_saved_and_offered_next_time(app: AppTest, factory: sessionmaker[Session]):
    _open_tab(app)
    upload = ("segment.jsonl", _segment_export(), "application/json")
    app.file_uploader(key="presets_files").set_value(upload).run()
    app.text_input(key="presets_save_name").set_value("Segment monthly").run()
    app.button(key="presets_save").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        (saved,) = list_mappings(s, _ws(factory).id)
    assert saved.preset == "segment"
    assert saved.fields["account_id"] == "context.groupId"
    app.run()
    assert "Segment monthly" in app.selectbox(key="presets_start").options
    app.selectbox(key="presets_start").set_value("Segment monthly").run()
    assert not app.exception
    assert any("Saved mapping for" in c.value for c in app.caption)


def test_saving_under_an_existing_name_asks_first(app: AppTest, factory: sessionmaker[Session]):
    _open_tab(app)
    upload = ("segment.jsonl", _segment_export(), "application/json")
    app.file_uploader(key="presets_files").set_value(upload).run()
    app.text_input(key="presets_save_name").set_value("Monthly").run()
    app.button(key="presets_save").click().run()
    app.text_input(key="presets_save_name").set_value("monthly").run()
    app.button(key="presets_save").click().run()
    assert not app.exception
    app.button(key="presets_replace_confirm").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        # Replaced in place: one mapping, under the name it was first saved with.
        assert [m.name for m in list_mappings(s, _ws(factory).id)] == ["Monthly"]


def test_account_ids_join_through_an_uploaded_crosswalk(
    app: AppTest, factory: sessionmaker[Session]
):
    _open_tab(app)
    before = _event_count(factory)
    export = _segment_export().replace(b"ACC-00001", b"product-acme")
    app.file_uploader(key="presets_files").set_value(
        ("seg.jsonl", export, "application/json")
    ).run()
    assert any("row 1, column context.groupId" in t.value for t in app.text)
    app.toggle(key="presets_join_on").set_value(True).run()
    crosswalk = b"Record ID,Product group ID\nACC-00001,product-acme\n"
    app.file_uploader(key="presets_join_file").set_value(
        ("hubspot.csv", crosswalk, "text/csv")
    ).run()
    assert app.selectbox(key="presets_join_id").value == "Record ID"
    app.selectbox(key="presets_join_key").set_value("Product group ID").run()
    assert not app.exception
    assert not app.error
    app.button(key="presets_load").click().run()
    assert not app.exception
    assert _event_count(factory) == before + 3


def test_a_hubspot_export_adds_accounts(app: AppTest, factory: sessionmaker[Session]):
    _open_tab(app)
    app.selectbox(key="presets_preset").set_value("hubspot").run()
    companies = (FIXTURES / "hubspot-companies.csv").read_bytes()
    app.file_uploader(key="presets_files").set_value(("companies.csv", companies, "text/csv")).run()
    assert not app.exception
    assert not app.error
    app.button(key="presets_load").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        info = store.active_info(s, _ws(factory).id)
    assert info is not None
    assert info.row_counts["accounts"] == 153
    assert info.source == "HubSpot export: companies.csv"


def test_an_unreadable_file_is_named_in_the_error(app: AppTest):
    _open_tab(app)
    app.selectbox(key="presets_preset").set_value("csv").run()
    upload = ("broken.parquet", b"not a parquet file", "application/octet-stream")
    app.file_uploader(key="presets_files").set_value(upload).run()
    assert not app.exception
    assert app.error[0].value.startswith("broken.parquet: ")
