"""What a preset run produces, and the crosswalk it can translate account ids through."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.model.contract import schema

FILE = "__file"
INSERT_ID = "__insert_id"


@dataclass(frozen=True)
class AccountJoin:
    """Translate the export's account ids through a column of another file (a crosswalk).

    `lookup` has columns key (the id as the export has it) and account_id (the contract id).
    """

    lookup: pl.DataFrame
    label: str


@dataclass(frozen=True)
class PresetResult:
    """Contract tables (plus __file and __row, to name source rows later) and what happened."""

    preset: str
    files: tuple[str, ...]
    tables: dict[str, pl.DataFrame]
    provided: dict[str, tuple[str, ...]]
    sources: dict[str, dict[str, str]]
    rows_read: int
    duplicates_dropped: int
    notes: tuple[str, ...]


def contract_frame(result: PresetResult, table: str) -> pl.DataFrame:
    """A result table in exactly the contract's columns and types (bookkeeping dropped)."""
    return result.tables[table].select(list(schema(table))).cast(pl.Schema(schema(table)))


def file_names(result: PresetResult, frame: pl.DataFrame) -> pl.Series:
    """The source file of each row of a result table, as text."""
    names = dict(enumerate(result.files))
    return frame.get_column(FILE).replace_strict(names, return_dtype=pl.String)
