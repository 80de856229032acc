"""The Data page's check of uploaded bytes (core.data.importing.check_files) against the
row-level check (core.data.validate.check_sources), on the same files (issue 14).

Clean uploads go through the fast check's aggregate pass (core.data.fast_check) and must
come out as exactly the tables the row-level check makes; anything else must get exactly its
report. The files are bytes, as Streamlit hands them over, in CSV (comma, semicolon, tab),
Parquet, JSON Lines and the fuzz suite's malformed shapes.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from core.data.fast_check import checked_dataset
from core.data.importing import check_files, with_current_tables
from core.data.readers import SourceFile, files_in_directory
from core.data.validate import ValidationFailed, check_sources, load_sources
from core.model.contract import TABLES
from core.model.dataset import Dataset
from tests.support.sample_files import SEGMENTS, good_sources
from tests.unit.test_fuzz_inputs import CONTRACT_CASES, GOOD, _contract_file, _good


def _same_verdict(sources: list[SourceFile]) -> bool:
    """Both checks on the files: the same problems, or the same tables; True when the fast
    pass vouched for them by itself."""
    dataset, problems = check_sources(sources, SEGMENTS)
    if dataset is None:
        with pytest.raises(ValidationFailed) as failed:
            check_files(sources, SEGMENTS)
        assert failed.value.problems.equals(problems)
        return False
    ours = check_files(sources, SEGMENTS)
    for table in TABLES:
        assert ours.lazy(table).collect().equals(dataset.frames()[table]), table
    return checked_dataset(sources, SEGMENTS) is not None


def _reshaped(source: SourceFile, fmt: str) -> SourceFile:
    frame = pl.read_csv(io.BytesIO(source.data), infer_schema=False)  # type: ignore[arg-type]
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer)
    elif fmt == "semicolon":
        frame.write_csv(buffer, separator=";")
    else:
        frame.write_csv(buffer, separator="\t")
    suffix = {"parquet": "parquet", "semicolon": "csv", "tsv": "tsv"}[fmt]
    return SourceFile(f"{source.table}.{suffix}", source.table, buffer.getvalue())


@pytest.mark.parametrize("fmt", ["csv", "parquet", "semicolon", "tsv"])
def test_clean_uploads_pass_the_fast_check_as_the_same_tables(fmt: str):
    sources = good_sources()
    if fmt != "csv":
        sources = [_reshaped(s, fmt) for s in sources]
    assert _same_verdict(sources)


def test_kept_tables_are_checked_the_fast_way_beside_a_new_file():
    current = load_sources(good_sources(), SEGMENTS)
    events = SourceFile(
        "events.csv", "events", b"account_id,event,timestamp\nA1,login,2026-04-01\n"
    )
    assert _same_verdict(with_current_tables([events], current))


def test_a_problem_in_the_last_row_of_an_upload_keeps_its_full_report():
    rows = "".join(f"A1,U1,login,2026-03-{1 + i % 28:02d}\n" for i in range(20_000))
    events = SourceFile(
        "events.csv",
        "events",
        ("account_id,user_id,event,timestamp\n" + rows + "ghost,U1,login,2026-04-01\n").encode(),
    )
    sources = [s for s in good_sources() if s.table != "events"] + [events]
    assert not _same_verdict(sources)
    with pytest.raises(ValidationFailed) as failed:
        check_files(sources, SEGMENTS)
    found = failed.value.problems.row(0, named=True)
    assert (found["file"], found["row"], found["value"]) == (
        "events.csv",
        20_001,
        "ghost",
    )  # data rows count from 1


@pytest.mark.parametrize(("table", "number"), CONTRACT_CASES)
def test_malformed_uploads_get_the_row_level_verdict(table: str, number: int):
    bad = _contract_file(table, number)
    _same_verdict([bad, *(_good(t) for t in GOOD if t != table)])


def test_an_upload_too_large_to_check_is_refused_as_before(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("core.data.readers.MAX_CHECK_MEMORY", 1024 * 1024)
    rows = b"A1,U1,login,2026-03-01T00:00:00Z\n" * 5_000
    events = SourceFile("events.csv", "events", b"account_id,user_id,event,timestamp\n" + rows)
    parquet = _reshaped(events, "parquet")
    for upload in (events, parquet):
        sources = [s for s in good_sources() if s.table != "events"] + [upload]
        assert not _same_verdict(sources)
        with pytest.raises(ValidationFailed) as failed:
            check_files(sources, SEGMENTS)
        assert "too large to check" in str(failed.value.problems["rule"].to_list())


def _many_users(edge: str) -> list[SourceFile]:
    """Good files with an events file whose user ids are many (so the fast check screens
    them row by row, not over a few distinct values), one of them spelled `edge`."""
    rows = "".join(f"A1,U{i},login,2026-03-{1 + i % 28:02d}\n" for i in range(5_000))
    text = "account_id,user_id,event,timestamp\n" + rows + f"A1,{edge},login,2026-04-01\n"
    events = SourceFile("events.csv", "events", text.encode())
    return [s for s in good_sources() if s.table != "events"] + [events]


@pytest.mark.parametrize("edge", [" U7", "U7\t", "\u00a0U7", "U7\u2003", "U 7"])
def test_user_ids_to_trim_among_many_pass_the_fast_check_trimmed(edge: str):
    """White space at either end (Unicode's too) is trimmed exactly as the row-level check
    trims it; inside an id it stays."""
    assert _same_verdict(_many_users(edge))


def test_a_nul_in_one_of_many_user_ids_gets_the_row_level_report():
    sources = _many_users("U\x007")
    assert not _same_verdict(sources)
    with pytest.raises(ValidationFailed) as failed:
        check_files(sources, SEGMENTS)
    found = failed.value.problems.row(0, named=True)
    assert (found["column"], found["row"]) == ("user_id", 5_001)


def test_files_on_disk_are_read_at_their_check_and_uploads_stay_scans(tmp_path: Path):
    """What is stored must be what was checked: a file on disk could change before the
    store reads it, so its tables come back in memory; uploaded bytes cannot change, so
    theirs come back as scans that the store reads in slices."""
    for source in good_sources():
        (tmp_path / source.name).write_bytes(source.data)  # type: ignore[arg-type]
    on_disk = check_files(files_in_directory(tmp_path), SEGMENTS)
    assert isinstance(on_disk, Dataset)
    uploaded = check_files(good_sources(), SEGMENTS)
    assert not isinstance(uploaded, Dataset)
    for table in TABLES:
        assert uploaded.lazy(table).collect().equals(on_disk.frames()[table]), table
