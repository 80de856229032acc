"""Import problems in words (issue 15, item 6): a table kept from the data loaded before is
named as such with its stored row, never as the internal file it is checked under, and a
whole number reads as written ("-5000", not "-5000.0")."""

from __future__ import annotations

import io

import polars as pl
import pytest

from core.data.importing import describe, with_current_tables
from core.data.readers import SourceFile
from core.data.validate import (
    ValidationFailed,
    check_sources,
    describe_problems,
    load_sources,
    summarise_problems,
)
from tests.support.sample_files import ACCOUNTS, SEGMENTS, csv, good_sources

HEADER = ACCOUNTS.splitlines()[0]
WITHOUT_A2 = "\n".join(line for line in ACCOUNTS.splitlines() if not line.startswith("A2,"))


def _refused(sources: list[SourceFile]) -> pl.DataFrame:
    dataset, problems = check_sources(sources, SEGMENTS)
    assert dataset is None
    return problems


def _everything_shown(problems: pl.DataFrame) -> str:
    """Every text a person can read about the problems: lines, table, kinds and the CSV."""
    lines = describe_problems(problems, len(problems))
    kinds = summarise_problems(problems)
    return "\n".join([*lines, problems.write_csv(), kinds.write_csv()])


def test_a_kept_table_is_named_in_words_with_its_stored_row():
    loaded = load_sources(good_sources(), SEGMENTS)
    upload = [csv("accounts.csv", "accounts", WITHOUT_A2 + "\n")]
    problems = _refused(with_current_tables(upload, loaded))
    shown = _everything_shown(problems)
    assert "(current" not in shown
    assert ".parquet" not in shown
    lines = describe_problems(problems, 10)
    assert (
        "Users already loaded, stored row 3, column account_id, value 'A2': unknown account_id "
        "(not in the accounts table)"
    ) in lines
    assert (
        "Events already loaded, stored row 2, column account_id, value 'A2': unknown account_id "
        "(not in the accounts table)"
    ) in lines
    # What the person chose comes first; the kept tables after it.
    assert set(problems["file"]) == {"Users already loaded", "Events already loaded"}


def test_the_history_names_the_files_chosen_and_the_tables_kept():
    loaded = load_sources(good_sources(), SEGMENTS)
    upload = [csv("accounts.csv", "accounts", ACCOUNTS)]
    assert describe(with_current_tables(upload, loaded)) == (
        "accounts.csv; kept from before: users, events, touches"
    )
    assert describe(good_sources()) == "accounts.csv, users.csv, events.csv, touches.csv"


def _negative_accounts() -> pl.DataFrame:
    rows = ACCOUNTS.replace("A3,Tiny,smb,5000,", "A3,Tiny,smb,-5000,")
    return pl.read_csv(io.StringIO(rows), infer_schema_length=None)


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def _xlsx(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_excel(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            lambda: csv("accounts.csv", "accounts", ACCOUNTS.replace(",5000,", ",-5000,")), id="csv"
        ),
        pytest.param(
            lambda: SourceFile(
                "accounts.parquet",
                "accounts",
                _parquet(
                    _negative_accounts().with_columns(pl.col("contract_value").cast(pl.Float64))
                ),
            ),
            id="parquet-float",
        ),
        pytest.param(
            lambda: SourceFile("accounts.xlsx", "accounts", _xlsx(_negative_accounts())),
            id="xlsx",
        ),
    ],
)
def test_a_whole_number_reads_as_written(source):
    sources = [source(), *good_sources()[1:]]
    with pytest.raises(ValidationFailed) as caught:
        load_sources(sources, SEGMENTS)
    problems = caught.value.problems
    assert problems.select("column", "value", "rule").rows() == [
        ("contract_value", "-5000", "must be 0 or more")
    ]
    assert "-5000.0" not in caught.value.report()


def test_a_fraction_keeps_its_digits():
    text = ACCOUNTS.replace("A3,Tiny,smb,5000,2026-03-01,5,", "A3,Tiny,smb,-5000.5,2026-03-01,2.5,")
    problems = _refused([csv("accounts.csv", "accounts", text), *good_sources()[1:]])
    assert sorted(problems.select("column", "value").rows()) == [
        ("contract_value", "-5000.5"),
        ("licensed_seats", "2.5"),
    ]
