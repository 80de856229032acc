"""A validated set of the four tables, in the normalised schemas of core.model.contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import polars as pl

from core.model.contract import TABLES, empty


class Tables(Protocol):
    """Anything that hands out the four contract tables as LazyFrames (Dataset does)."""

    def lazy(self, table: str) -> pl.LazyFrame: ...


class CountedTables(Tables, Protocol):
    """Tables that also know their row counts without reading them: what an import stores
    (a Dataset in memory, or the scans of files the fast check proved clean)."""

    def row_count(self, table: str) -> int: ...


@dataclass(frozen=True)
class Dataset:
    """The four contract tables after validation; every page and command reads from one."""

    accounts: pl.DataFrame
    users: pl.DataFrame
    events: pl.DataFrame
    touches: pl.DataFrame

    @classmethod
    def empty(cls) -> Dataset:
        return cls(**{name: empty(name) for name in TABLES})

    def frames(self) -> dict[str, pl.DataFrame]:
        return {name: getattr(self, name) for name in TABLES}

    def lazy(self, table: str) -> pl.LazyFrame:
        return getattr(self, table).lazy()

    def row_count(self, table: str) -> int:
        return len(getattr(self, table))

    @property
    def is_empty(self) -> bool:
        return self.accounts.is_empty()
