"""The folder check of `python -m core validate/score` (core.data.fast_check) against the
row-level check (core.data.validate.check_sources), on the same files (issue 14).

The fast check only counts problems; whatever it decides must be what the row-level check
decides: the same full report (file, row, column, value, rule) when anything is wrong, and
the same normalised tables when nothing is. Every case is run both ways and compared.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from core.cli import main
from core.data import fast_check
from core.data.fast_check import CheckedTables, RowsToCheck, check_directory, checked_tables
from core.data.readers import files_in_directory
from core.data.validate import ValidationFailed, check_sources
from core.model.contract import TABLES, schema
from core.model.plan import MeasurementPlan
from tests.unit.test_fuzz_inputs import CONTRACT_CASES, GOOD, _contract_file, _good

SEGMENTS = list(MeasurementPlan().segments)


def _write(folder: Path, files: dict[str, pl.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in files.items():
        if name.endswith(".parquet"):
            frame.write_parquet(folder / name)
        else:
            frame.write_csv(folder / name)
    return folder


def _same_verdict(folder: Path) -> CheckedTables | None:
    """Both checks on the folder: the same problems, or the same tables."""
    dataset, problems = check_sources(files_in_directory(folder), SEGMENTS)
    try:
        checked = check_directory(folder)
    except ValidationFailed as failed:
        refused = failed.problems
    else:
        refused = None
    if refused is not None:
        assert dataset is None, refused
        assert refused.equals(problems)
        return None
    assert dataset is not None, problems
    for table in TABLES:
        ours = checked.lazy(table).collect()
        assert ours.schema == schema(table)
        assert ours.equals(dataset.frames()[table]), table
        assert checked.counts[table] == len(ours)
    return checked


def _good_frames(fmt: str) -> dict[str, pl.DataFrame]:
    """The fuzz suite's clean tables, as CSV text or as Parquet with typed columns."""
    frames = {t: pl.DataFrame(GOOD[t][1:], schema=GOOD[t][0], orient="row") for t in GOOD}
    if fmt == "csv":
        return {f"{t}.csv": f for t, f in frames.items()}
    events = frames["events"].with_columns(
        pl.col("timestamp").str.to_datetime(time_zone="UTC", format=None, strict=False)
    )
    events = events.with_columns(
        pl.col("timestamp").fill_null(datetime(2025, 3, 11, tzinfo=UTC)).dt.cast_time_unit("ms")
    )
    return {
        "accounts.csv": frames["accounts"],
        "users.parquet": frames["users"],
        "events.parquet": events,
        "touches.csv": frames["touches"],
    }


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_clean_files_are_checked_without_the_row_level_check(tmp_path: Path, fmt: str):
    checked = _same_verdict(_write(tmp_path, _good_frames(fmt)))
    assert checked is not None
    assert not checked.thorough


def test_text_that_needs_trimming_is_normalised_on_the_fast_path(tmp_path: Path):
    files = _good_frames("parquet")
    files["users.parquet"] = files["users.parquet"].with_columns(
        pl.col("team").replace({"ops": "  ops "}), pl.col("role").replace({"admin": " ADMIN"})
    )
    files["events.parquet"] = files["events.parquet"].with_columns(
        pl.col("event").replace({"report_viewed": "report_viewed\t"})
    )
    checked = _same_verdict(_write(tmp_path, files))
    assert checked is not None
    assert not checked.thorough
    assert "report_viewed" in checked.lazy("events").collect().get_column("event").to_list()


# One wrong cell per rule: (file, column, the row's new value). Each must end in the same
# full report as the row-level check gives, whichever format the file is in.
BAD_CELLS = [
    ("events", "account_id", "a9"),
    ("events", "account_id", ""),
    ("events", "account_id", "a\x00"),
    ("events", "user_id", "u\x00"),
    ("events", "event", "  "),
    ("events", "event", "x\x00y"),
    ("events", "timestamp", "9999-12-31T00:00:00Z"),
    ("events", "timestamp", "1969-12-31T23:59:59Z"),
    ("events", "timestamp", "yesterday"),
    ("events", "timestamp", ""),
    ("users", "user_id", "u1"),
    ("users", "role", "boss"),
    ("users", "account_id", "nobody"),
    ("touches", "channel", "pigeon"),
    ("touches", "channel", ""),
    ("touches", "csat", "6"),
    ("touches", "csat", "great"),
    ("touches", "timestamp", "2026-02-30"),
    ("accounts", "segment", "Galactic"),
    ("accounts", "account_id", "a1"),
]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(("table", "column", "value"), BAD_CELLS)
def test_one_wrong_cell_gets_the_full_report(
    tmp_path: Path, fmt: str, table: str, column: str, value: str
):
    frames = {t: pl.DataFrame(GOOD[t][1:], schema=GOOD[t][0], orient="row") for t in GOOD}
    last = frames[table].height - 1
    frames[table] = frames[table].with_columns(
        pl.when(pl.int_range(pl.len()) == last)
        .then(pl.lit(value))
        .otherwise(pl.col(column))
        .alias(column)
    )
    suffix = "parquet" if fmt == "parquet" and table != "accounts" else "csv"
    folder = _write(
        tmp_path, {f"{t}.{suffix if t == table else 'csv'}": f for t, f in frames.items()}
    )
    assert _same_verdict(folder) is None


def test_padded_account_ids_are_accepted_after_the_row_level_check(tmp_path: Path):
    files = _good_frames("parquet")
    files["events.parquet"] = files["events.parquet"].with_columns(
        pl.col("account_id").replace({"a1": " a1 "})
    )
    checked = _same_verdict(_write(tmp_path, files))
    assert checked is not None
    assert checked.thorough


@pytest.mark.parametrize(("table", "number"), CONTRACT_CASES)
def test_malformed_files_get_the_same_verdict_both_ways(tmp_path: Path, table: str, number: int):
    bad = _contract_file(table, number)
    sources = [bad, *(_good(t) for t in GOOD if t != table)]
    for source in sources:
        assert isinstance(source.data, bytes)
        (tmp_path / source.name).write_bytes(source.data)
    _same_verdict(tmp_path)


def _events_with_last_row(rows: int, column: str, value: str) -> pl.DataFrame:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    accounts = ["a1", "a2", "a3"] * (rows // 3 + 1)
    frame = pl.DataFrame(
        {
            "Account_ID": accounts[:rows],
            "User_ID": ["u1"] * rows,
            "Event": ["report_viewed", "kickoff_completed"] * (rows // 2),
            "Timestamp": [start + timedelta(minutes=i) for i in range(rows)],
        }
    )
    last = pl.int_range(pl.len()) == rows - 1
    frame = frame.with_columns(
        pl.when(last).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )
    return frame.with_columns(pl.col("Timestamp").dt.cast_time_unit("ms"))


LAST_ROW = [
    ("Account_ID", "ghost", "unknown account_id (not in the accounts table)"),
    ("Event", "  ", "required value is empty"),  # checked over its distinct values
    ("Event", "x\x00y", "contains a NUL character"),
    ("User_ID", "u\x00", "contains a NUL character"),
]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize(("column", "value", "rule"), LAST_ROW)
def test_a_problem_in_the_last_row_of_100k_is_found_and_named(
    tmp_path: Path, fmt: str, column: str, value: str, rule: str, capsys
):
    rows = 100_000
    files = _good_frames("csv")
    events = _events_with_last_row(rows, column, value)
    del files["events.csv"]
    if fmt == "csv":
        events = events.with_columns(pl.col("Timestamp").dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    files[f"events.{fmt}"] = events
    folder = _write(tmp_path, files)
    with pytest.raises(ValidationFailed) as failed:
        check_directory(folder)
    assert failed.value.problems.rows(named=True) == [
        {
            "file": f"events.{fmt}",
            "row": rows,
            "column": column.lower(),
            "value": value,
            "rule": rule,
        }
    ]
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert f"events.{fmt}, row {rows}" in err
    assert f"value {value!r}" in err
    # The row-level check read that row of the events, none of the clean touches and users.
    to_check = checked_tables(files_in_directory(folder), SEGMENTS)
    assert isinstance(to_check, RowsToCheck)
    assert to_check.rows[f"events.{fmt}"].get_column("__row").to_list() == [rows]
    assert to_check.rows["touches.csv"].is_empty()
    assert to_check.rows["users.csv"].is_empty()
    assert set(to_check.rows) == {f"events.{fmt}", "touches.csv", "users.csv"}  # accounts: whole


def _refused_rows(folder: Path) -> RowsToCheck:
    """What the row-level check reads of a folder both checks refuse with the same report."""
    assert _same_verdict(folder) is None
    to_check = checked_tables(files_in_directory(folder), SEGMENTS)
    assert isinstance(to_check, RowsToCheck)
    return to_check


def test_only_the_rows_that_break_a_rule_are_read_again_from_each_file(tmp_path: Path):
    """Two events files, each with bad rows of several kinds, and touches with one: the
    report is the row-level check's over the whole files, and what it read of each file was
    only those rows, numbered as in the file (a CSV's text as written)."""
    files = _good_frames("csv")
    events = files.pop("events.csv")
    first = pl.concat([events] * 40).with_columns(
        pl.when(pl.int_range(pl.len()) == 7)
        .then(pl.lit("ghost"))
        .otherwise("account_id")
        .alias("account_id"),
        pl.when(pl.int_range(pl.len()) == 30)
        .then(pl.lit("last tuesday"))
        .otherwise("timestamp")
        .alias("timestamp"),
    )
    second = _good_frames("parquet")["events.parquet"].with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("u\x00"))
        .otherwise("user_id")
        .alias("user_id")
    )
    files["events_2025.csv"] = first
    files["events_2026.parquet"] = second
    files["touches.csv"] = files["touches.csv"].with_columns(pl.lit("pigeon").alias("channel"))
    to_check = _refused_rows(_write(tmp_path, files))
    picked = {name: frame.get_column("__row").to_list() for name, frame in to_check.rows.items()}
    touches = files["touches.csv"].height
    assert picked == {
        "events_2025.csv": [8, 31],
        "events_2026.parquet": [2],
        "touches.csv": list(range(1, touches + 1)),
        "users.csv": [],
    }
    assert to_check.rows["events_2025.csv"].get_column("timestamp").to_list()[1] == "last tuesday"


def test_a_file_with_too_many_bad_rows_is_read_whole(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("core.data.fast_check.NARROWED_MAX_ROWS", 1)
    files = _good_frames("csv")
    files["events.csv"] = files["events.csv"].with_columns(pl.lit("ghost").alias("account_id"))
    to_check = _refused_rows(_write(tmp_path, files))
    assert set(to_check.rows) == {"touches.csv", "users.csv"}


def test_users_with_a_broken_rule_are_read_whole(tmp_path: Path):
    files = _good_frames("csv")
    files["users.csv"] = files["users.csv"].with_columns(pl.lit("boss").alias("role"))
    files["events.csv"] = files["events.csv"].with_columns(pl.lit("ghost").alias("account_id"))
    to_check = _refused_rows(_write(tmp_path, files))
    assert set(to_check.rows) == {"events.csv", "touches.csv"}


def test_a_duplicate_user_reads_no_event_again(tmp_path: Path):
    files = _good_frames("csv")
    users = files["users.csv"]
    files["users.csv"] = pl.concat([users, users.head(1)])
    to_check = _refused_rows(_write(tmp_path, files))
    assert set(to_check.rows) == {"events.csv", "touches.csv"}
    assert all(frame.is_empty() for frame in to_check.rows.values())


def test_few_valued_text_is_checked_and_trimmed_over_its_distinct_values(tmp_path: Path):
    files = _good_frames("csv")
    del files["events.csv"]
    events = _events_with_last_row(100_000, "Event", "kickoff_completed ")
    files["events.parquet"] = events
    checked = _same_verdict(_write(tmp_path, files))
    assert checked is not None
    assert not checked.thorough
    names = checked.lazy("events").collect().get_column("event").unique().sort().to_list()
    assert names == ["kickoff_completed", "report_viewed"]


def test_a_large_csv_is_read_once_into_a_parquet_copy_keyed_on_size_and_time(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("WAYPOINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("core.data.fast_check.CSV_COPY_BYTES", 1)
    folder = _write(tmp_path / "data", _good_frames("csv"))
    first = _same_verdict(folder)
    assert first is not None
    assert not first.thorough
    assert [n.split(":")[0] for n in first.notes] == ["users.csv", "events.csv", "touches.csv"]
    assert all("read once into a Parquet copy" in n for n in first.notes)
    copies = sorted((tmp_path / "cache" / "csv").glob("*.parquet"))
    assert len(copies) == 3
    again = _same_verdict(folder)
    assert again is not None
    assert all("Parquet copy made earlier" in n for n in again.notes)
    events = folder / "events.csv"
    events.write_text(events.read_text() + "a1,u1,report_viewed,2025-04-01T00:00:00Z\n")
    changed = _same_verdict(folder)
    assert changed is not None
    assert changed.counts["events"] == 4
    assert "events.csv: read once" in " ".join(changed.notes)
    assert len(list((tmp_path / "cache" / "csv").glob("*.parquet"))) == 3
    events.write_text(events.read_text() + "a1,u1,report_viewed,tomorrow\n")
    assert _same_verdict(folder) is None


def test_a_clean_verdict_on_a_large_file_is_kept_until_the_file_changes(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("WAYPOINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("core.data.fast_check.VERDICT_BYTES", 1)
    monkeypatch.setattr("core.data.fast_check.SETTLED_SECONDS", 0.0)
    folder = _write(tmp_path / "data", _good_frames("parquet"))
    first = _same_verdict(folder)
    assert first is not None
    assert first.notes == []
    assert len(list((tmp_path / "cache" / "checks").glob("*.json"))) == 3
    again = _same_verdict(folder)
    assert again is not None
    assert [n.split(":")[0] for n in again.notes] == [
        "users.parquet",
        "events.parquet",
        "touches.csv",
    ]
    assert all("not checked again" in n for n in again.notes)
    events = pl.read_parquet(folder / "events.parquet")
    events.with_columns(pl.lit("ghost").alias("account_id")).write_parquet(
        folder / "events.parquet"
    )
    assert _same_verdict(folder) is None  # changed: checked again, and refused in full
    accounts = folder / "accounts.csv"
    _write(folder, {"events.parquet": events})
    _same_verdict(folder)
    accounts.write_text(accounts.read_text().replace("a1,", "a9,", 1))
    assert _same_verdict(folder) is None  # the accounts changed: every file checked again


def test_the_command_line_says_on_stderr_what_it_kept(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("WAYPOINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("core.data.fast_check.CSV_COPY_BYTES", 1)
    folder = _write(tmp_path / "data", _good_frames("csv"))
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr()
    assert "is valid (accounts: 3, users: 2, events: 3, touches: 2)" in out.out
    assert "events.csv: read once into a Parquet copy" in out.err
    assert main(["score", str(folder), "--out", str(tmp_path / "score.csv")]) == 0
    assert "events.csv: reading the Parquet copy made earlier" in capsys.readouterr().err
    assert pl.read_csv(tmp_path / "score.csv").height == 3


# Stored timestamp types a Parquet export may use; the engine's ranges are naive UTC.
STORED_TIMES = [
    pl.Datetime("ms", "UTC"),
    pl.Datetime("ms", "Europe/Berlin"),
    pl.Datetime("ns", "America/New_York"),
    pl.Datetime("ns"),
    pl.Datetime("us"),
]


@pytest.mark.parametrize("stored", STORED_TIMES, ids=str)
def test_a_date_range_is_cut_on_the_file_column_with_the_same_rows(
    tmp_path: Path, stored: pl.DataType
):
    """lazy_dated filters the file's own timestamp column, so the Parquet reader skips what
    is out of range (a filter on the converted column never reached it); the rows must be
    exactly those of the converted column in [low, high), on the boundaries too."""
    files = _good_frames("parquet")
    events = pl.concat([files.pop("events.parquet")] * 4)  # every moment below, twice or more
    edge = datetime(2025, 3, 10)
    moments = [edge - timedelta(microseconds=1), edge, edge + timedelta(hours=23, minutes=59)]
    moments += [edge + timedelta(days=1), edge + timedelta(days=1, microseconds=1)]
    naive = pl.Series("timestamp", moments * (events.height // len(moments) + 1))[: events.height]
    zone = getattr(stored, "time_zone", None)
    stamps = naive.dt.replace_time_zone("UTC").dt.convert_time_zone(zone) if zone else naive
    halves = events.with_columns(stamps.cast(stored))
    files["events-a.parquet"] = halves.head(events.height // 2)
    files["events-b.parquet"] = halves.tail(events.height - events.height // 2)
    checked = check_directory(_write(tmp_path, files))
    stamp = pl.col("timestamp")
    for low, high in [
        (edge, edge + timedelta(days=1)),
        (None, edge),
        (None, edge + timedelta(days=2)),
    ]:
        cut = checked.lazy_dated("events", low, high)
        assert "SELECTION" in cut.explain()  # the filter is the reader's
        expected = checked.lazy("events").filter(stamp < high)
        if low is not None:
            expected = expected.filter(stamp >= low)
        ours, theirs = cut.collect(), expected.collect()
        assert ours.schema == schema("events")
        assert ours.sort(pl.all()).equals(theirs.sort(pl.all()))
        inside = naive.filter((naive < high) & (naive >= (low or datetime.min)))
        assert ours.height == inside.len() > 0  # whatever the unit, each moment on its side


LAST_STAMPS = [
    "2026-07-20T20:34:00.807Z",  # clean
    "2026-02-30T10:00:00.000Z",  # no such day
    "2026-01-01T24:00:00.000Z",  # no such hour
    "2026-01-01T10:00:60.000Z",  # no such second
    "2026-01-01T10:00:00Z",  # readable, another layout
    "2026-01-01T10:00:00.5Z",
    "2026-01-01 10:00:00.000Z",
    "٢٠٢٦-01-01T10:00:00.000Z",  # digits, not ASCII ones
    "",
]


@pytest.mark.parametrize("last", LAST_STAMPS)
def test_timestamps_of_the_common_shape_read_as_the_row_level_check_reads_them(
    tmp_path: Path, last: str
):
    """A CSV whose timestamps all look like "2026-07-20T20:34:00.807Z" is parsed by cutting
    them into fields (fast_check._fixed_z_parser); whatever the last row holds, the verdict
    and the tables are the row-level check's."""
    frames = {t: pl.DataFrame(GOOD[t][1:], schema=GOOD[t][0], orient="row") for t in GOOD}
    events = pl.concat([frames["events"]] * 20)
    stamps = [
        f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T0{i % 10}:1{i % 10}:5{i % 10}.{i:03d}Z"
        for i in range(events.height - 1)
    ] + [last]
    frames["events"] = events.with_columns(pl.Series("timestamp", stamps))
    folder = _write(tmp_path, {f"{t}.csv": f for t, f in frames.items()})
    assert fast_check._one_format(pl.Series(stamps[:-1])) == fast_check.FIXED_Z
    checked = _same_verdict(folder)
    if last == LAST_STAMPS[0]:
        assert checked is not None
        assert not checked.thorough


def test_the_account_reference_count_agrees_with_comparing_the_ids_as_text(tmp_path: Path):
    """The count runs on hashes of the ids (fast_check._reference_rule): over a file of
    several row groups it must equal the exact count, for short, long and non-ASCII ids,
    nulls, and ids one character away from an account's."""
    known = pl.Series(["A1", "acct-0000000000000042-long", "Café-7", "Z" * 40])
    ids = [
        *known.to_list(),
        None,
        "A2",
        "a1",
        "acct-0000000000000042-lonG",
        "Cafe-7",
        "Z" * 39,
        " A1",
    ]
    column = pl.Series("account_id", ids * 5_000)
    path = tmp_path / "events.parquet"
    column.to_frame().write_parquet(path, row_group_size=7_000)
    exact = int((column.is_not_null() & ~column.is_in(known.implode())).sum())
    rule = fast_check._reference_rule(known)
    scan = pl.scan_parquet(path)
    counted = scan.select(rule.count).collect(engine="streaming").item()
    flagged = scan.select(rule.rows.sum()).collect(engine="streaming").item()
    assert exact == 6 * 5_000  # " A1" is unknown too: ids are compared as they are
    assert counted == exact == flagged
    clean = pl.Series("account_id", known.to_list() * 5_000 + [None])
    assert clean.to_frame().lazy().select(rule.count).collect().item() == 0


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_few_valued_roles_and_channels_are_normalised_by_lookup_as_row_by_row(
    tmp_path: Path, fmt: str
):
    """Roles and channels of few distinct spellings are normalised once per spelling and
    looked up (fast_check._looked_up), a missing role included: the tables must be the
    row-level check's."""
    files = _good_frames("csv")
    roles = ["Exec Sponsor", " END_USER ", "champion", None, "exec-sponsor", "Admin"]
    users = pl.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(600)],
            "account_id": ["a1", "a2", "a3"] * 200,
            "role": roles * 100,
            "team": ["ops", None, "it"] * 200,
        }
    )
    channels = ["call", "In App", "EMAIL", " ticket", "in-app", "Call"]
    touches = pl.DataFrame(
        {
            "account_id": ["a1", "a2", "a3"] * 200,
            "user_id": [None, "u2"] * 300,
            "channel": channels * 100,
            "timestamp": ["2025-03-02T10:00:00Z"] * 600,
            "touchpoint": ["Kickoff call"] * 600,
            "csat": [5, None, 3] * 200,
        }
    )
    del files["users.csv"], files["touches.csv"]
    files[f"users.{fmt}"] = users
    files[f"touches.{fmt}"] = touches
    checked = _same_verdict(_write(tmp_path, files))
    assert checked is not None
    assert not checked.thorough
    stored = checked.lazy("users").collect().get_column("role")
    assert stored.value_counts(sort=True).get_column("role").to_list()[:1] == ["exec_sponsor"]
    assert stored.null_count() == 0
    assert set(checked.lazy("touches").collect().get_column("channel")) == {
        "call",
        "in_app",
        "email",
        "ticket",
    }
