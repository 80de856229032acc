"""Import presets on hand-written vendor samples: conversion, awkward cases, bad files."""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from core.data.presets import PRESET_NAMES, UnknownPreset, get_preset
from core.data.presets.convert import convert, run_preset
from core.data.presets.guess import BY_ACCOUNTS, BY_CONTENT, BY_NAME, as_mapping, guess_mapping
from core.data.presets.join import account_join
from core.data.presets.merge import combine
from core.data.presets.result import contract_frame
from core.data.presets.service import preview
from core.data.presets.sources import sample
from core.data.readers import SourceFile
from core.data.validate import ValidationFailed

FIXTURES = Path(__file__).parents[1] / "fixtures" / "presets"
SEGMENTS = ["Enterprise", "Mid-Market", "SMB"]


def fixture(name: str) -> SourceFile:
    return SourceFile(name, "events", FIXTURES / name)


def guessed(preset_name: str, source: SourceFile, table: str | None = None, **overrides: str):
    preset = get_preset(preset_name, table)
    mapping = {**as_mapping(guess_mapping(preset, sample(source))), **overrides}
    return preset, mapping


def load(preset_name: str, *names: str, table: str | None = None, **overrides: str):
    sources = [fixture(n) for n in names]
    preset, mapping = guessed(preset_name, sources[0], table, **overrides)
    return run_preset(preset, sources, mapping)


def problems_of(preset_name: str, name: str, table: str | None = None, **overrides: str):
    with pytest.raises(ValidationFailed) as caught:
        load(preset_name, name, table=table, **overrides)
    return [
        (p["file"], p["row"], p["column"], p["rule"].split(":")[0])
        for p in caught.value.problems.iter_rows(named=True)
    ]


def amplitude_zip(tmp_path: Path) -> SourceFile:
    """The Export API's zip: one gzipped JSON Lines file per hour."""
    path = tmp_path / "amplitude-export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for member in sorted((FIXTURES / "amplitude").iterdir()):
            archive.writestr(f"100001/{member.name}.gz", gzip.compress(member.read_bytes()))
    return SourceFile(path.name, "events", path)


# ------------------------------------------------------------------------------ registry


def test_every_preset_is_registered():
    assert PRESET_NAMES == (
        "segment",
        "mixpanel",
        "amplitude",
        "hubspot",
        "salesforce",
        "zendesk",
        "csv",
    )
    assert get_preset("csv", "touches").tables == ("touches",)
    with pytest.raises(UnknownPreset, match="use one of"):
        get_preset("heap")
    with pytest.raises(UnknownPreset, match="target table"):
        get_preset("csv")


# ------------------------------------------------------------------------------ Segment


def test_segment_track_calls_become_events_and_group_calls_give_users():
    result = load("segment", "segment-export.jsonl")
    events = contract_frame(result, "events")
    assert events["event"].to_list() == [
        "kickoff_completed",
        "integration_connected",
        "user_invited",
        "report_viewed",
    ]
    # +01:00 is converted to UTC; milliseconds are kept.
    assert events["timestamp"][0] == datetime(2026, 3, 2, 8, 30)
    assert events["timestamp"][1] == datetime(2026, 3, 3, 10, 0, 0, 250000)
    # The user_invited call has no context.groupId: it takes u-2's account from its group call.
    assert events["account_id"].to_list() == ["grp_acme", "grp_acme", "grp_globex", "grp_globex"]
    # No userId: the anonymousId is the user.
    assert events["user_id"][3] == "anon-9"
    assert result.duplicates_dropped == 1
    users = contract_frame(result, "users").sort("user_id")
    assert users.to_dicts() == [
        {"user_id": "u-1", "account_id": "grp_acme", "role": "admin", "team": "IT"},
        {"user_id": "u-2", "account_id": "grp_globex", "role": None, "team": None},
    ]
    assert any("not loaded as accounts" in n for n in result.notes)


def test_segment_group_calls_load_as_accounts_when_their_start_is_mapped():
    result = load("segment", "segment-export.jsonl", account_start="traits.createdAt")
    accounts = contract_frame(result, "accounts")
    assert accounts.select("account_id", "account_name", "start_date").rows() == [
        ("grp_acme", "Acme", date(2026, 2, 20)),
        ("grp_globex", "Globex", date(2026, 2, 25)),
    ]


def test_segment_json_array_is_read_like_json_lines():
    events = contract_frame(load("segment", "segment-array.json"), "events")
    assert events["account_id"].to_list() == ["grp_initech", "grp_initech"]


def test_bad_segment_file_is_rejected_whole_with_rows_and_fields():
    assert problems_of("segment", "segment-bad.jsonl") == [
        ("segment-bad.jsonl", 2, "timestamp", "timestamp"),
        ("segment-bad.jsonl", 3, "event", "event"),
        ("segment-bad.jsonl", 4, "", "the line is not valid JSON (Expecting value)"),
        ("segment-bad.jsonl", 5, "context.groupId", "account_id"),
        ("segment-bad.jsonl", 6, "context", "context should hold an object ({...}) here"),
    ]


# ------------------------------------------------------------------------------ Mixpanel


def test_mixpanel_times_in_seconds_or_milliseconds_and_numeric_account_ids():
    result = load("mixpanel", "mixpanel-export.jsonl")
    events = contract_frame(result, "events")
    assert events["timestamp"].to_list() == [
        datetime(2026, 3, 2, 9, 0),  # epoch seconds
        datetime(2026, 3, 3, 10, 0),  # epoch milliseconds
        datetime(2026, 3, 4, 10, 0),
        datetime(2026, 3, 5, 10, 0),  # seconds given as a string
    ]
    # A numeric property value is an id like any other; the last event has no company_id and
    # takes its user's account from the event before.
    assert events["account_id"].to_list() == ["grp_acme", "grp_acme", "4242", "4242"]
    assert result.duplicates_dropped == 1
    assert contract_frame(result, "users")["role"].to_list() == ["champion", None]


def test_mixpanel_account_property_is_named_by_the_user():
    result = load("mixpanel", "mixpanel-export.jsonl", account_id="properties.distinct_id")
    assert contract_frame(result, "events")["account_id"].to_list()[:2] == ["u-1", "u-1"]


def test_a_nested_property_can_be_mapped_by_its_dotted_path():
    source = fixture("mixpanel-export.jsonl")
    preset, mapping = guessed("mixpanel", source, event="properties.nested.source")
    result, problems = convert(preset, [source], mapping)
    assert contract_frame(result, "events")["event"][1] == "salesforce"
    # The other events have no properties.nested: their event name is empty, named by row.
    assert problems.select("row", "column").rows() == [
        (1, "properties.nested.source"),
        (4, "properties.nested.source"),
        (5, "properties.nested.source"),
    ]
    preset, mapping = guessed("mixpanel", source, event="properties.nope")
    with pytest.raises(ValidationFailed) as caught:
        run_preset(preset, [source], mapping)
    assert caught.value.problems["rule"][0].startswith("event: no row has a value")


def test_mixpanel_without_an_account_property_says_what_to_map(tmp_path: Path):
    path = tmp_path / "raw.jsonl"
    path.write_text('{"event":"x","properties":{"time":1772442000,"distinct_id":"u"}}\n')
    preset, mapping = guessed("mixpanel", SourceFile(path.name, "events", path))
    assert mapping["account_id"] is None
    with pytest.raises(ValidationFailed) as caught:
        run_preset(preset, [SourceFile(path.name, "events", path)], mapping)
    assert "account_id: not mapped" in caught.value.problems["rule"][0]


def test_bad_mixpanel_file_names_rows_and_properties():
    assert problems_of("mixpanel", "mixpanel-bad.jsonl") == [
        ("mixpanel-bad.jsonl", 2, "properties.time", "timestamp"),
        ("mixpanel-bad.jsonl", 3, "properties.company_id", "account_id"),
    ]


# ------------------------------------------------------------------------------ Amplitude


def test_amplitude_zip_of_gzipped_json_lines(tmp_path: Path):
    source = amplitude_zip(tmp_path)
    preset, mapping = guessed("amplitude", source)
    assert mapping["account_id"] == "groups.company"
    result = run_preset(preset, [source], mapping)
    events = contract_frame(result, "events")
    assert events["account_id"].to_list() == ["grp_acme", "grp_globex", "grp_acme", "grp_initech"]
    assert events["timestamp"][0] == datetime(2026, 3, 2, 8, 30, 0, 123000)
    assert result.duplicates_dropped == 1
    assert len(result.files) == 2
    assert result.files[0].startswith("amplitude-export.zip/100001/")
    users = contract_frame(result, "users").sort("user_id")
    assert users.row(0) == ("u-1", "grp_acme", "exec_sponsor", "Finance")


def test_bad_amplitude_file():
    assert problems_of("amplitude", "amplitude-bad.json") == [
        ("amplitude-bad.json", 2, "event_time", "timestamp"),
        ("amplitude-bad.json", 3, "groups.company", "account_id"),
    ]


# ------------------------------------------------------------------------------ CRM


def test_hubspot_semicolon_csv_with_bom_money_and_excel_serial_dates():
    accounts = contract_frame(load("hubspot", "hubspot-companies.csv"), "accounts")
    assert accounts.select(
        "account_id", "account_name", "csm", "contract_value", "start_date", "licensed_seats"
    ).rows() == [
        ("9001", "Acme Corp", "Kim Lee", 150000.0, date(2026, 2, 20), 120),
        ("9002", "Globex", "Sam Ortiz", 42000.0, date(2026, 2, 25), 40),
        ("9003", "Initech", "Kim Lee", 9500.0, date(2026, 2, 27), 5),  # 46080 is an Excel day
    ]
    assert accounts["churn_date"].to_list() == [None, None, date(2026, 6, 30)]


def test_hubspot_xlsx_with_real_date_cells(tmp_path: Path):
    path = tmp_path / "hubspot-crm-exports-all-companies.xlsx"
    pl.DataFrame(
        {
            "Record ID": [9001, 9002],
            "Company name": ["Acme Corp", "Globex"],
            "Create Date": [datetime(2024, 6, 1, 10, 22), datetime(2025, 11, 14, 8)],
            "Onboarding start date": [date(2026, 2, 20), date(2026, 2, 25)],
            "Annual contract value": [150000.0, 42000.0],
        }
    ).write_excel(path)
    preset, mapping = guessed("hubspot", SourceFile(path.name, "accounts", path))
    result = run_preset(preset, [SourceFile(path.name, "accounts", path)], mapping)
    accounts = contract_frame(result, "accounts")
    assert accounts["account_id"].to_list() == ["9001", "9002"]
    assert accounts["start_date"].to_list() == [date(2026, 2, 20), date(2026, 2, 25)]


def test_hubspot_start_date_falls_back_to_create_date_only_when_nothing_better(tmp_path: Path):
    path = tmp_path / "companies.csv"
    path.write_text("Record ID,Company name,Create Date\n1,A,2025-01-02 10:00\n")
    preset, mapping = guessed("hubspot", SourceFile(path.name, "accounts", path))
    assert mapping["start_date"] == "Create Date"
    preset, mapping = guessed("hubspot", fixture("hubspot-companies.csv"))
    assert mapping["start_date"] == "Onboarding start date"


def test_bad_hubspot_file_lists_every_bad_row():
    assert problems_of("hubspot", "hubspot-bad.csv") == [
        ("hubspot-bad.csv", 2, "Record ID", "account_id"),
        ("hubspot-bad.csv", 3, "Onboarding start date", "start_date"),
        ("hubspot-bad.csv", 4, "Record ID", "account_id"),
        ("hubspot-bad.csv", 4, "Annual contract value", "contract_value"),
        ("hubspot-bad.csv", 4, "Licensed seats", "licensed_seats"),
    ]


def test_salesforce_report_footer_is_dropped_and_day_first_dates_read():
    accounts = contract_frame(load("salesforce", "salesforce-accounts.csv"), "accounts")
    assert accounts["account_id"].to_list() == [
        "0015g00000AcmeAAA",
        "0015g00000GlobAAB",
        "0015g00000InitAAC",
    ]
    # "Customer Since" 20/02/2026 has a day above 12, so the column is day-first.
    assert accounts["start_date"].to_list() == [
        date(2026, 2, 20),
        date(2026, 2, 25),
        date(2026, 3, 6),
    ]
    assert accounts["csm"].to_list() == ["Kim Lee", "Sam Ortiz", "Kim Lee"]


def test_bad_salesforce_file():
    assert problems_of("salesforce", "salesforce-bad.csv") == [
        ("salesforce-bad.csv", 2, "Annual Revenue", "contract_value"),
        ("salesforce-bad.csv", 2, "Customer Since", "start_date"),
    ]


# ------------------------------------------------------------------------------ Zendesk


def test_zendesk_json_lines_tickets_become_ticket_touches():
    result = load("zendesk", "zendesk-tickets.jsonl")
    touches = contract_frame(result, "touches")
    assert touches["channel"].unique().to_list() == ["ticket"]
    assert touches["account_id"].to_list() == ["509974", "509975", "509974", "509976"]
    # good -> 5, bad -> 1, offered (nobody answered) -> empty
    assert touches["csat"].to_list() == [5.0, 1.0, None, None]
    assert touches["touchpoint"][0] == "Ticket via email"
    assert result.duplicates_dropped == 1


def test_zendesk_csv_with_bom_and_semicolons():
    touches = contract_frame(load("zendesk", "zendesk-tickets.csv"), "touches")
    assert touches["csat"].to_list() == [5.0, 4.0, None]
    assert touches["timestamp"][0] == datetime(2026, 3, 6, 9, 15)
    assert touches["user_id"].to_list() == ["20978392", "20978393", None]


def test_bad_zendesk_file():
    assert problems_of("zendesk", "zendesk-bad.jsonl") == [
        ("zendesk-bad.jsonl", 2, "organization_id", "account_id"),
        ("zendesk-bad.jsonl", 3, "satisfaction_rating.score", "csat"),
    ]


# ------------------------------------------------------------------------------ generic


def test_generic_file_with_excel_serial_timestamps_and_channel_spellings():
    touches = contract_frame(load("csv", "generic-touches.csv", table="touches"), "touches")
    assert touches["channel"].to_list() == ["office_hours", "in_app", "webinar"]
    assert touches["timestamp"].to_list() == [
        datetime(2026, 3, 4, 10, 30),  # 46085.4375
        datetime(2026, 3, 5),
        datetime(2026, 3, 7, 14, 0),
    ]


def test_bad_generic_file():
    assert problems_of("csv", "generic-bad.csv", table="touches") == [
        ("generic-bad.csv", 1, "channel", "channel"),
        ("generic-bad.csv", 2, "timestamp", "timestamp"),
        ("generic-bad.csv", 3, "csat", "csat"),
    ]


def test_a_mapped_column_missing_from_the_file_is_named():
    problems = problems_of("hubspot", "hubspot-companies.csv", csm="Account manager")
    assert problems == [("hubspot-companies.csv", None, "Account manager", "csm")]


def test_unreadable_file_is_one_problem(tmp_path: Path):
    path = tmp_path / "export.zip"
    path.write_bytes(b"not a zip")
    preset = get_preset("amplitude")
    mapping = {"event": "event_type", "timestamp": "event_time", "account_id": "groups.company"}
    with pytest.raises(ValidationFailed) as caught:
        run_preset(preset, [SourceFile(path.name, "events", path)], mapping)
    assert caught.value.problems["file"].to_list() == ["export.zip"]


# ------------------------------------------------------------------------------ guessing


def test_guesses_say_how_they_were_made():
    preset = get_preset("csv", "events")
    frame = pl.DataFrame(
        {
            "Customer": ["9001", "9002"],
            "when": ["2026-03-01T10:00:00Z", "1772442000"],
            "Event Name": ["login", "export"],
            "who": ["u1", "u2"],
        }
    )
    guesses = guess_mapping(preset, frame, known_accounts=["9001", "9002"])
    assert (guesses["event"].source, guesses["event"].reason) == ("Event Name", BY_NAME)
    assert (guesses["account_id"].source, guesses["account_id"].reason) == ("Customer", BY_NAME)
    assert (guesses["timestamp"].source, guesses["timestamp"].reason) == ("when", BY_CONTENT)
    assert guesses["user_id"].source is None


def test_account_ids_are_guessed_from_the_loaded_accounts():
    preset = get_preset("csv", "touches")
    frame = pl.DataFrame({"ref": ["9001", "9003", "x"], "kind": ["email", "Call", "chat"]})
    guesses = guess_mapping(preset, frame, known_accounts=["9001", "9002", "9003"])
    assert (guesses["account_id"].source, guesses["account_id"].reason) == ("ref", BY_ACCOUNTS)
    assert (guesses["channel"].source, guesses["channel"].reason) == ("kind", BY_CONTENT)


# ------------------------------------------------------------------------------ join, preview


def test_account_ids_join_through_a_crm_column():
    join = account_join(fixture("hubspot-companies.csv"), "Product group ID")
    preset, mapping = guessed("segment", fixture("segment-export.jsonl"))
    result = run_preset(preset, [fixture("segment-export.jsonl")], mapping, join=join)
    assert contract_frame(result, "events")["account_id"].to_list() == [
        "9001",
        "9001",
        "9002",
        "9002",
    ]
    assert contract_frame(result, "users")["account_id"].to_list() == ["9001", "9002"]


def test_an_id_missing_from_the_join_is_a_bad_row():
    join = account_join(fixture("zendesk-organizations.csv"), "zendesk organization id", "Account")
    preset, mapping = guessed("segment", fixture("segment-array.json"))
    with pytest.raises(ValidationFailed) as caught:
        run_preset(preset, [fixture("segment-array.json")], mapping, join=join)
    rows = caught.value.problems.select("file", "row", "column", "value").rows()
    assert rows == [
        ("segment-array.json", 1, "context.groupId", "grp_initech"),
        ("segment-array.json", 2, "context.groupId", "grp_initech"),
    ]


def test_preview_shows_the_first_rows_as_they_will_load():
    preset, mapping = guessed("zendesk", fixture("zendesk-bad.jsonl"))
    shown = preview(preset, [fixture("zendesk-bad.jsonl")], mapping, rows=2)
    assert shown.tables["touches"].columns[:2] == ["file", "row"]
    assert shown.tables["touches"]["row"].to_list() == [1, 2]
    assert len(shown.problems) == 2


def test_preview_names_rows_whose_account_is_not_loaded():
    preset, mapping = guessed("segment", fixture("segment-array.json"))
    shown = preview(preset, [fixture("segment-array.json")], mapping, known_accounts=["grp_acme"])
    assert shown.problems.select("row", "column", "value").rows() == [
        (1, "context.groupId", "grp_initech"),
        (2, "context.groupId", "grp_initech"),
    ]
    fine = preview(preset, [fixture("segment-array.json")], mapping, known_accounts=["grp_initech"])
    assert fine.problems.is_empty()


# ------------------------------------------------------------------------------ merging


def test_merge_updates_only_the_columns_the_export_provides():
    hubspot = load("hubspot", "hubspot-companies.csv")
    first, summary = combine(None, hubspot, SEGMENTS)
    assert summary.added == {"accounts": 3}
    salesforce_like = pl.DataFrame(
        {"Record ID": ["9001", "9004"], "Onboarding start date": ["2026-03-01", "2026-03-02"]}
    )
    buffer = io.BytesIO()
    salesforce_like.write_csv(buffer)
    source = SourceFile("update.csv", "accounts", buffer.getvalue())
    preset, mapping = guessed("hubspot", source)
    mapping["contract_value"] = None
    update = run_preset(preset, [source], mapping)
    with pytest.raises(ValidationFailed) as caught:
        combine(first, update, SEGMENTS)
    # 9004 is new and has no contract value or segment to derive it from: named by its row.
    assert caught.value.problems.select("file", "row").rows() == [("update.csv", 2)]
    mapping["segment"] = None
    only_9001 = SourceFile(
        "update.csv", "accounts", b"Record ID,Onboarding start date\n9001,2026-03-01\n"
    )
    merged, summary = combine(first, run_preset(preset, [only_9001], mapping), SEGMENTS)
    acme = merged.accounts.filter(pl.col("account_id") == "9001").row(0, named=True)
    assert acme["start_date"] == date(2026, 3, 1)
    assert acme["contract_value"] == 150000.0  # kept: the update does not carry it
    assert summary.updated == {"accounts": 1}


def test_merge_appends_events_once_and_checks_their_accounts():
    accounts, _ = combine(None, load("hubspot", "hubspot-companies.csv"), SEGMENTS)
    join = account_join(fixture("hubspot-companies.csv"), "Product group ID")
    preset, mapping = guessed("segment", fixture("segment-export.jsonl"))
    events = run_preset(preset, [fixture("segment-export.jsonl")], mapping, join=join)
    once, summary = combine(accounts, events, SEGMENTS)
    assert summary.added["events"] == 4
    twice, summary = combine(once, events, SEGMENTS)
    assert len(twice.events) == 4
    assert summary.unchanged["events"] == 4
    with pytest.raises(ValidationFailed) as caught:
        combine(accounts, load("segment", "segment-export.jsonl"), SEGMENTS)
    problems = caught.value.problems
    assert set(problems["file"]) == {"segment-export.jsonl"}
    assert problems.filter(pl.col("column") == "context.groupId")["row"].to_list() == [4, 5, 8, 10]
    assert problems["rule"][0].startswith("account_id: unknown account_id")


def test_nothing_to_attach_events_to_is_explained():
    with pytest.raises(ValidationFailed, match="1 problem") as caught:
        combine(None, load("segment", "segment-array.json"), SEGMENTS)
    assert "load the accounts first" in caught.value.problems["rule"][0]
