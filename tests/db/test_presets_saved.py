"""Saved mappings and loading a preset into a workspace, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.data import store
from core.data.importing import import_preset_apart
from core.data.presets import get_preset
from core.data.presets.convert import run_preset
from core.data.presets.guess import as_mapping, guess_mapping
from core.data.presets.join import account_join
from core.data.presets.saved import (
    MappingError,
    delete_mapping,
    get_mapping,
    list_mappings,
    mapping_named,
    save_mapping,
)
from core.data.presets.sources import sample
from core.data.readers import SourceFile
from core.data.validate import ValidationFailed
from core.db.engine import unit_of_work
from core.workspace import workspaces

FIXTURES = Path(__file__).parents[1] / "fixtures" / "presets"


def _workspace(factory: sessionmaker[Session], name: str = "Acme CS") -> int:
    with unit_of_work(factory) as s:
        return workspaces.create_workspace(s, name).id


def test_a_mapping_is_saved_listed_replaced_and_deleted(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    other = _workspace(factory, "Other")
    with unit_of_work(factory) as s:
        saved = save_mapping(
            s,
            ws,
            "  Mixpanel   monthly ",
            "mixpanel",
            {"account_id": "properties.company_id", "event": "event", "role": ""},
        )
    assert saved.name == "Mixpanel monthly"
    assert saved.target_table == "events"
    assert saved.fields == {"account_id": "properties.company_id", "event": "event"}
    with unit_of_work(factory) as s:
        again = save_mapping(
            s,
            ws,
            "mixpanel MONTHLY",
            "mixpanel",
            {"account_id": "properties.org"},
            join={"key_column": "Product group ID", "id_column": "Record ID"},
        )
        assert again.id == saved.id
        assert [m.name for m in list_mappings(s, ws)] == ["Mixpanel monthly"]
        assert list_mappings(s, other) == []
        loaded = get_mapping(s, ws, saved.id)
        assert loaded.fields == {"account_id": "properties.org"}
        assert loaded.join == {"key_column": "Product group ID", "id_column": "Record ID"}
        assert mapping_named(s, ws, "MIXPANEL monthly").id == saved.id
    with unit_of_work(factory) as s, pytest.raises(MappingError, match="no longer exists"):
        get_mapping(s, other, saved.id)
    with unit_of_work(factory) as s:
        delete_mapping(s, ws, saved.id)
        assert list_mappings(s, ws) == []


@pytest.mark.parametrize(
    ("name", "preset", "fields", "table", "message"),
    [
        ("", "segment", {}, None, "Give the mapping a name"),
        ("x" * 81, "segment", {}, None, "under 80"),
        ("m", "heap", {}, None, "Unknown preset"),
        ("m", "segment", {"colour": "x"}, None, "no field called"),
        ("m", "csv", {}, None, "Choose the table"),
        ("m", "csv", {"event": "name"}, "accounts", "no field called"),
    ],
)
def test_a_bad_mapping_is_refused_with_a_reason(
    factory: sessionmaker[Session], name, preset, fields, table, message
):
    ws = _workspace(factory)
    with unit_of_work(factory) as s, pytest.raises(MappingError, match=message):
        save_mapping(s, ws, name, preset, fields, target_table=table)
    with unit_of_work(factory) as s:
        assert list_mappings(s, ws) == []


def test_generic_mappings_keep_their_table(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        saved = save_mapping(
            s, ws, "touch log", "csv", {"account_id": "Company"}, target_table="touches"
        )
    assert (saved.preset, saved.target_table) == ("csv", "touches")


def _run(preset_name: str, file: str, **kwargs: object):
    source = SourceFile(file, "events", FIXTURES / file)
    preset = get_preset(preset_name)
    mapping = as_mapping(guess_mapping(preset, sample(source)))
    return preset, run_preset(preset, [source], mapping, **kwargs)


def test_presets_load_into_a_workspace_and_a_bad_one_changes_nothing(
    factory: sessionmaker[Session],
):
    ws = _workspace(factory)
    segments = ["Enterprise", "Mid-Market", "SMB"]
    preset, accounts = _run("hubspot", "hubspot-companies.csv")
    outcome = import_preset_apart(
        lambda: unit_of_work(factory), ws, preset, accounts, None, segments
    )
    assert outcome.info.row_counts["accounts"] == 3
    assert outcome.info.source == "HubSpot export: hubspot-companies.csv"
    with unit_of_work(factory) as s:
        current = store.load_dataset(s, outcome.info.id)
    join = account_join(
        SourceFile("h.csv", "accounts", FIXTURES / "hubspot-companies.csv"), "Product group ID"
    )
    preset, events = _run("segment", "segment-export.jsonl", join=join)
    outcome = import_preset_apart(
        lambda: unit_of_work(factory), ws, preset, events, current, segments
    )
    assert outcome.info.row_counts == {"accounts": 3, "users": 2, "events": 4, "touches": 0}
    assert outcome.summary.added == {"events": 4, "users": 2}
    assert any("duplicate" in n for n in outcome.notes)
    with unit_of_work(factory) as s:
        current = store.load_dataset(s, outcome.info.id)
    assert current.events["account_id"].to_list() == ["9001", "9001", "9002", "9002"]

    preset, unjoined = _run("segment", "segment-export.jsonl")
    with pytest.raises(ValidationFailed):
        import_preset_apart(lambda: unit_of_work(factory), ws, preset, unjoined, current, segments)
    with unit_of_work(factory) as s:
        active = store.active_info(s, ws)
        assert active is not None
        assert active.id == outcome.info.id
        assert len(store.history(s, ws)) == 2
    assert pl.Series(current.events["event"]).len() == 4
