"""The import validator on hand-built files: formats, every rule, and all-or-nothing."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from core.cli import main
from core.data.readers import SourceFile, guess_table
from core.data.validate import (
    _NAIVE_FORMATS,
    _TZ_FORMATS,
    ValidationFailed,
    check_sources,
    load_directory,
    load_sources,
    parse_iso_datetime,
)
from tests.support.sample_files import ACCOUNTS, EVENTS, SEGMENTS, TOUCHES, USERS, csv, good_sources


def problems_for(sources: list[SourceFile]) -> list[tuple[str, int | None, str, str]]:
    dataset, problems = check_sources(sources, SEGMENTS)
    assert dataset is None
    return [(p["file"], p["row"], p["column"], p["rule"]) for p in problems.iter_rows(named=True)]


def test_valid_files_are_normalised():
    data = load_sources(good_sources(), SEGMENTS)
    accounts = data.accounts
    assert accounts["segment"].to_list() == ["Enterprise", "Mid-Market", "SMB"]
    assert accounts["account_name"].to_list() == ["Acme", "A2", "Tiny"]
    assert accounts["churn_date"].to_list() == [None, date(2026, 5, 1), None]
    assert data.users["role"].to_list() == ["exec_sponsor", "end_user", "admin"]
    assert data.touches["channel"].to_list() == ["in_app"]
    # -05:00 at 23:30 is 04:30 UTC the next day; no offset means UTC.
    assert data.events["timestamp"].to_list() == [
        datetime(2026, 1, 6, 4, 30),
        datetime(2026, 2, 3),
        datetime(2026, 3, 2, 10),
    ]


def test_one_bad_row_rejects_the_whole_import_and_names_it():
    bad_events = EVENTS + "A2,U3,login,2026-13-01T00:00:00Z\n"
    sources = good_sources()
    sources[2] = csv("events.csv", "events", bad_events)
    assert problems_for(sources) == [
        (
            "events.csv",
            4,
            "timestamp",
            "not a date-time (expected ISO 8601, e.g. 2026-03-01T09:30:00Z)",
        )
    ]


@pytest.mark.parametrize(
    ("table", "text", "expected"),
    [
        (
            "accounts",
            ACCOUNTS + "A1,Dup,SMB,10,2026-01-01,1,,\n",
            (
                "accounts.csv",
                4,
                "account_id",
                "duplicate account_id (first seen in accounts.csv row 1)",
            ),
        ),
        (
            "accounts",
            ACCOUNTS + "A4,X,Galaxy,10,2026-01-01,1,,\n",
            (
                "accounts.csv",
                4,
                "segment",
                "unknown segment (this workspace has: Enterprise, Mid-Market, SMB)",
            ),
        ),
        (
            "accounts",
            ACCOUNTS + "A4,X,,,2026-01-01,1,,\n",
            (
                "accounts.csv",
                4,
                "segment",
                "segment is empty and there is no contract_value to derive it from",
            ),
        ),
        (
            "accounts",
            ACCOUNTS + "A4,X,SMB,-1,2026-01-01,1,,\n",
            ("accounts.csv", 4, "contract_value", "must be 0 or more"),
        ),
        (
            "accounts",
            ACCOUNTS + "A4,X,SMB,1,2026-01-01,0,,\n",
            ("accounts.csv", 4, "licensed_seats", "must be 1 or more"),
        ),
        (
            "accounts",
            ACCOUNTS + "A4,X,SMB,1,2026-01-01,2.5,,\n",
            ("accounts.csv", 4, "licensed_seats", "not a whole number"),
        ),
        (
            "accounts",
            ACCOUNTS + "A4,X,SMB,1,,1,,\n",
            ("accounts.csv", 4, "start_date", "required value is empty"),
        ),
        (
            "accounts",
            ACCOUNTS + "A4,X,SMB,1,2026-02-30,1,,\n",
            ("accounts.csv", 4, "start_date", "not a date (expected YYYY-MM-DD)"),
        ),
        (
            "accounts",
            ACCOUNTS + "A4,X,SMB,lots,2026-01-01,1,,\n",
            ("accounts.csv", 4, "contract_value", "not a number"),
        ),
        (
            "users",
            USERS + "U4,A9,admin,\n",
            ("users.csv", 4, "account_id", "unknown account_id (not in the accounts table)"),
        ),
        (
            "users",
            USERS + "U1,A1,admin,\n",
            ("users.csv", 4, "user_id", "duplicate user_id (first seen in users.csv row 1)"),
        ),
        (
            "users",
            USERS + "U4,A1,boss,\n",
            ("users.csv", 4, "role", "must be one of admin, champion, end_user, exec_sponsor"),
        ),
        (
            "events",
            EVENTS + "A1,U1,,2026-01-01\n",
            ("events.csv", 4, "event", "required value is empty"),
        ),
        (
            "touches",
            TOUCHES + "A1,fax,2026-01-06,,\n",
            (
                "touches.csv",
                2,
                "channel",
                "must be one of email, in_app, training, office_hours, ticket, call, meeting, documentation, community, webinar, chat",
            ),
        ),
        (
            "touches",
            TOUCHES + "A1,call,2026-01-06,6,\n",
            ("touches.csv", 2, "csat", "must be between 1 and 5"),
        ),
    ],
)
def test_each_rule_names_file_row_column(table: str, text: str, expected: tuple):
    sources = [s for s in good_sources() if s.table != table] + [csv(f"{table}.csv", table, text)]
    assert problems_for(sources) == [expected]


def test_missing_required_column_and_accounts_file():
    sources = [csv("events.csv", "events", "account_id,event\nA1,login\n")]
    found = problems_for(sources)
    assert ("events.csv", None, "timestamp", "required column is missing") in found
    assert any(f[0] == "(import)" and "accounts file is required" in f[3] for f in found)


def test_headers_are_matched_loosely_and_extra_columns_ignored():
    text = " Account_ID ,START_DATE,Segment,Favourite colour\nA1,2026-01-01,SMB,blue\n"
    data = load_sources([csv("a.csv", "accounts", text)], SEGMENTS)
    assert data.accounts["account_id"].to_list() == ["A1"]
    assert "favourite colour" not in data.accounts.columns


def test_bom_and_semicolons_are_read():
    text = "\ufeffaccount_id;start_date;contract_value\nA1;2026-01-01;100\n"
    data = load_sources([SourceFile("accounts.csv", "accounts", text.encode("utf-8"))], SEGMENTS)
    assert data.accounts["segment"].to_list() == ["SMB"]


def _frames() -> dict[str, pl.DataFrame]:
    return load_sources(good_sources(), SEGMENTS).frames()


def _encode(frame: pl.DataFrame, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer)
    elif fmt == "jsonl":
        frame.write_ndjson(buffer)
    elif fmt == "xlsx":
        frame.write_excel(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "xlsx"])
def test_other_formats_load_to_the_same_data(fmt: str):
    frames = _frames()
    sources = [SourceFile(f"{t}.{fmt}", t, _encode(f, fmt)) for t, f in frames.items()]
    again = load_sources(sources, SEGMENTS)
    for table, frame in frames.items():
        assert again.frames()[table].equals(frame), table


def _every_layout_at_once(text: pl.Expr) -> pl.Expr:
    """The reading parse_iso_datetime must give: the first layout that reads a value (what it
    was before each layout read only the values left over)."""
    text = text.str.replace(r"[zZ]$", "+00:00")
    aware = [
        text.str.to_datetime(f, strict=False, time_zone="UTC", time_unit="us").dt.replace_time_zone(
            None
        )
        for f in _TZ_FORMATS
    ]
    naive = [text.str.to_datetime(f, strict=False, time_unit="us") for f in _NAIVE_FORMATS]
    return pl.coalesce([*aware, *naive])


TIMESTAMP_TEXTS = [
    "2026-07-20T20:34:00.807Z",
    "2026-07-20T20:34:00z",
    "2026-07-20T20:34:00+02:00",
    "2026-07-20 20:34:00.5-05:30",
    "2026-07-20T20:34+01:00",
    "2026-07-20T20:34:00",
    "2026-07-20 20:34:00.123456",
    "2026-07-20T20:34",
    "2026-07-20 20:34",
    "2026-07-20",
    "2026-02-30",
    "2026-07-20T25:00:00Z",
    "20/07/2026",
    "",
    None,
    "2026-07-20T20:34:00.807Z ",
    "٢٠٢٦-07-20",
]


def test_each_timestamp_is_read_by_the_first_layout_that_reads_it():
    values = TIMESTAMP_TEXTS * 3  # the same text anywhere in the column reads the same
    frame = pl.DataFrame({"t": values}, schema={"t": pl.String})
    ours = frame.select(parse_iso_datetime(pl.col("t"))).to_series()
    expected = frame.select(_every_layout_at_once(pl.col("t"))).to_series()
    assert ours.dtype == pl.Datetime("us")
    assert ours.to_list() == expected.to_list()
    assert ours[0] == datetime(2026, 7, 20, 20, 34, 0, 807000)
    assert ours[2] == datetime(2026, 7, 20, 18, 34)
    assert ours[9] == datetime(2026, 7, 20)
    assert ours.slice(10, 7).null_count() == 7  # no day, no hour, other layouts, padded
    lazy = frame.lazy().select(parse_iso_datetime(pl.col("t"))).collect(engine="streaming")
    assert lazy.to_series().to_list() == expected.to_list()
    empty = pl.DataFrame({"t": []}, schema={"t": pl.String})
    assert empty.select(parse_iso_datetime(pl.col("t"))).to_series().dtype == pl.Datetime("us")


def test_timezone_aware_parquet_is_converted_to_utc():
    events = pl.DataFrame(
        {
            "account_id": ["A1"],
            "event": ["login"],
            "timestamp": [datetime(2026, 1, 5, 23, 30)],
        }
    ).with_columns(pl.col("timestamp").dt.replace_time_zone("America/New_York"))
    sources = [s for s in good_sources() if s.table != "events"]
    sources.append(SourceFile("events.parquet", "events", _encode(events, "parquet")))
    data = load_sources(sources, SEGMENTS)
    assert data.events["timestamp"].to_list() == [datetime(2026, 1, 6, 4, 30)]


def test_unreadable_file_is_one_problem():
    found = problems_for([SourceFile("accounts.parquet", "accounts", b"not parquet")])
    assert found[0][0] == "accounts.parquet"
    assert found[0][3].startswith("could not read the file")


def test_guess_table_from_file_names():
    assert guess_table("Accounts 2026.csv") == "accounts"
    assert guess_table("touch.jsonl") == "touches"
    assert guess_table("users_export.xlsx") == "users"
    assert guess_table("notes.txt") is None
    assert guess_table("crm_accounts_2026.csv") == "accounts"
    assert guess_table("user_touches.csv") == "touches"
    assert guess_table("account_users.parquet") == "users"
    assert guess_table("product-event-export.jsonl") == "events"
    assert guess_table("events_2026_01.csv") == "events"


def _write_dir(tmp_path: Path, events: str = EVENTS) -> Path:
    for source in good_sources():
        (tmp_path / source.name).write_bytes(source.data)  # type: ignore[arg-type]
    (tmp_path / "events.csv").write_text(events)
    return tmp_path


def test_load_directory_and_cli_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    folder = _write_dir(tmp_path)
    assert load_directory(folder).accounts.height == 3
    assert main(["validate", str(folder)]) == 0
    assert "is valid" in capsys.readouterr().out


def test_cli_validate_reports_problems_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    folder = _write_dir(tmp_path, EVENTS + "A7,U1,login,2026-01-01\n")
    with pytest.raises(ValidationFailed):
        load_directory(folder)
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "events.csv, row 4, column account_id, value 'A7': unknown account_id" in err


def test_cli_bad_arguments_exit_2():
    with pytest.raises(SystemExit) as exc:
        main(["validate"])
    assert exc.value.code == 2


def test_cli_missing_folder_is_a_bad_argument(tmp_path: Path):
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(tmp_path / "nowhere")])
    assert exc.value.code == 2


def test_na_markers_are_empty_in_number_and_date_columns_only():
    text = (
        "account_id,account_name,segment,contract_value,start_date,licensed_seats,churn_date\r\n"
        "A1,None,SMB,NaN,2026-01-01,N/A,NA\r\n"
        "A2,x,SMB,10,null,2,\r\n"
    )
    found = problems_for([csv("accounts.csv", "accounts", text)])
    assert found == [("accounts.csv", 2, "start_date", "required value is empty")]
    data = load_sources(
        [csv("accounts.csv", "accounts", text.replace("null", "2026-01-02"))], SEGMENTS
    )
    assert data.accounts.row(0, named=True) | {"start_date": None} == {
        "account_id": "A1",
        "account_name": "None",
        "segment": "SMB",
        "contract_value": None,
        "start_date": None,
        "licensed_seats": None,
        "csm": None,
        "churn_date": None,
        "journey_variant": None,
    }
