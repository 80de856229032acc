"""Where the engine reads the four tables from, and how the analysis date is chosen.

The engine only needs `lazy(table) -> LazyFrame` in the normalised schema of core.model.contract,
so a validated Dataset and a folder of already-normalised Parquet files (the benchmark, and
scheduled jobs over trusted exports) are interchangeable: Parquet is then scanned lazily and
only the needed columns and rows are ever read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from core.data.rollups import EventRollups
from core.model.contract import schema
from core.model.dataset import Tables as Tables  # the engine's input, named here too
from core.model.dataset import dated_rows


@dataclass(frozen=True)
class ParquetTables:
    """Normalised Parquet files named `<table>.parquet` in one folder, scanned lazily.

    No validation happens here: use it only for files the validator or the demo wrote.
    """

    directory: Path

    def lazy(self, table: str) -> pl.LazyFrame:
        path = self.directory / f"{table}.parquet"
        if not path.exists():
            return pl.LazyFrame(schema=schema(table))
        return pl.scan_parquet(path).select(list(schema(table))).cast(schema(table))


@dataclass(frozen=True)
class FrameTables:
    """Four in-memory frames (e.g. hand-built in tests); missing tables are empty."""

    frames: dict[str, pl.DataFrame]

    def lazy(self, table: str) -> pl.LazyFrame:
        frame = self.frames.get(table)
        if frame is None:
            return pl.LazyFrame(schema=schema(table))
        return frame.lazy()


@dataclass(frozen=True)
class RolledTables:
    """A data version's tables with its stored rollups (core.data.rollups): the engine reads
    the rollups instead of passing over every event; the results are the same."""

    base: Tables
    rollups: EventRollups

    def lazy(self, table: str) -> pl.LazyFrame:
        return self.base.lazy(table)

    def lazy_dated(self, table: str, low: datetime | None, high: datetime) -> pl.LazyFrame:
        return dated_rows(self.base, table, low, high)


def rollups_in(data: object) -> EventRollups | None:
    """The rollups a Tables carries, also through wrappers that narrow it and keep the one
    they wrap as `base` (such as the scorecards' filtered tables): their events are the
    version's, and the engine cuts the rollups to the accounts it is given."""
    for _ in range(8):
        found = getattr(data, "rollups", None)
        if isinstance(found, EventRollups):
            return found
        data = getattr(data, "base", None)
        if data is None:
            return None
    return None


def _latest_date(frame: pl.LazyFrame, column: str) -> date | None:
    """Calendar date of the largest value of a Date or (naive UTC) Datetime column."""
    value = frame.select(pl.col(column).max().cast(pl.Date)).collect().item()
    return value


def default_as_of(data: Tables) -> date:
    """The date of the latest event (docs/metrics.md, Conventions).

    Without any event there is nothing to anchor on, so fall back to the latest touch, then
    the latest start date, then today: a data set that has only accounts still gets numbers.
    """
    for table, column in (("events", "timestamp"), ("touches", "timestamp")):
        latest = _latest_date(data.lazy(table), column)
        if latest is not None:
            return latest
    return _latest_date(data.lazy("accounts"), "start_date") or date.today()


def analysis_date(
    data: Tables, *, pinned: date | None = None, latest_event: date | None = None
) -> date:
    """The one rule for the date every number is computed as of: the date a workspace pinned,
    else the latest event (from stored metadata when the caller has it, which saves a scan of
    every event), else `default_as_of`."""
    return pinned or latest_event or default_as_of(data)
