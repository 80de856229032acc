"""Merging a converted export into the data already loaded, then checking the whole.

Accounts and users are keyed: a row of the export replaces the loaded row with the same id,
but only in the columns the export provides (a CRM export without seats keeps the seats
loaded before). Events and touches are appended; a row identical to one already loaded is
not added twice, so loading next month's overlapping export is safe. The merged tables then
go through the contract validator as one import, and any problem in the export's rows is
reported against its own file and row.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from core.common.progress import ProgressFn
from core.data.presets.result import FILE, PresetResult
from core.data.presets.sources import ROW
from core.data.readers import SourceFile
from core.data.validate import (
    PROBLEM_SCHEMA,
    ValidationFailed,
    check_sources,
    is_stored,
    problem,
    stored_file,
)
from core.model.contract import TABLES, schema
from core.model.dataset import Dataset

KEYS = {"accounts": "account_id", "users": "user_id"}
# (rows kept from the loaded table, the export's rows to add, (added, updated, unchanged))
Merged = tuple[pl.DataFrame, pl.DataFrame, tuple[int, int, int]]


@dataclass(frozen=True)
class MergeSummary:
    """Per table: rows added, rows updated (same id) and rows already loaded (skipped)."""

    added: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]

    def lines(self) -> list[str]:
        out = []
        for table in TABLES:
            parts = []
            if self.added.get(table):
                parts.append(f"{self.added[table]:,} added")
            if self.updated.get(table):
                parts.append(f"{self.updated[table]:,} updated")
            if self.unchanged.get(table):
                parts.append(f"{self.unchanged[table]:,} already loaded")
            if parts:
                out.append(f"{table}: {', '.join(parts)}")
        return out


def _keyed(current: pl.DataFrame, new: pl.DataFrame, key: str, provided: tuple[str, ...]) -> Merged:
    """New rows take the loaded row's values for the columns the export does not provide."""
    others = [c for c in schema_names(new) if c not in provided and c != key]
    filled = new.drop(others).join(
        current.select(key, *others), on=key, how="left", maintain_order="left"
    )
    kept = current.filter(~pl.col(key).is_in(new.get_column(key).implode()))
    updated = len(current) - len(kept)
    return kept, filled, (len(new) - updated, updated, 0)


def _appended(current: pl.DataFrame, new: pl.DataFrame, columns: list[str]) -> Merged:
    fresh = new.unique(subset=columns, keep="first", maintain_order=True)
    if len(current):
        fresh = fresh.join(current.select(columns), on=columns, how="anti", nulls_equal=True)
    return current, fresh, (len(fresh), 0, len(new) - len(fresh))


def schema_names(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in (ROW, FILE)]


def _parquet(name: str, table: str, frame: pl.DataFrame) -> SourceFile:
    buffer = io.BytesIO()
    frame.select(list(schema(table))).write_parquet(buffer, compression="lz4", statistics=False)
    return SourceFile(name, table, buffer.getvalue())


def _new_name(table: str) -> str:
    return f"(new {table}).parquet"


def _remap(
    problems: pl.DataFrame, new_parts: dict[str, pl.DataFrame], result: PresetResult
) -> pl.DataFrame:
    """Point problems in the export's rows back at its own file, row and field."""
    files = dict(enumerate(result.files))
    parts = [problems.filter(~pl.col("file").is_in([_new_name(t) for t in new_parts]))]
    for table, part in new_parts.items():
        mine = problems.filter(pl.col("file") == _new_name(table))
        if mine.is_empty():
            continue
        origin = part.select(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("row"),
            pl.col(FILE).replace_strict(files, return_dtype=pl.String).alias("__src_file"),
            pl.col(ROW).alias("__src_row"),
        )
        labels = result.sources.get(table, {})
        mine = mine.join(origin, on="row", how="left", maintain_order="left").select(
            pl.col("__src_file").fill_null(pl.col("file")).alias("file"),
            pl.col("__src_row").alias("row"),
            pl.col("column").replace(labels).alias("column"),
            "value",
            pl.format("{}: {}", pl.col("column"), pl.col("rule")).alias("rule"),
        )
        parts.append(mine)
    found = pl.concat([pl.DataFrame(schema=PROBLEM_SCHEMA), *parts])
    # The export's own files first, in row order; tables kept from before (named in words), last.
    return found.sort(is_stored(pl.col("file")), "file", "row", maintain_order=True)


def combine(
    current: Dataset | None,
    result: PresetResult,
    segments: Collection[str],
    on_progress: ProgressFn | None = None,
) -> tuple[Dataset, MergeSummary]:
    """The loaded data with the export merged in, validated as one import (all or nothing)."""
    current = current or Dataset.empty()
    sources: list[SourceFile] = []
    new_parts: dict[str, pl.DataFrame] = {}
    counts: dict[str, tuple[int, int, int]] = {}
    for table in TABLES:
        loaded = getattr(current, table)
        new = result.tables.get(table)
        if new is None or new.is_empty():
            kept, fresh = loaded, None
        elif table in KEYS:
            kept, fresh, counts[table] = _keyed(loaded, new, KEYS[table], result.provided[table])
        else:
            kept, fresh, counts[table] = _appended(loaded, new, list(schema(table)))
        if len(kept):
            sources.append(_parquet(stored_file(table), table, kept))
        if fresh is not None and len(fresh):
            new_parts[table] = fresh
            sources.append(_parquet(_new_name(table), table, fresh))
    if not any(s.table == "accounts" for s in sources):
        rule = (
            "there are no accounts to attach this export to: load the accounts first "
            "(HubSpot, Salesforce or an accounts file)"
        )
        raise ValidationFailed(problem(", ".join(result.files) or "(import)", rule))
    dataset, problems = check_sources(sources, segments, on_progress)
    if dataset is None:
        raise ValidationFailed(_remap(problems, new_parts, result))
    summary = MergeSummary(
        {t: c[0] for t, c in counts.items()},
        {t: c[1] for t, c in counts.items()},
        {t: c[2] for t, c in counts.items()},
    )
    return dataset, summary
