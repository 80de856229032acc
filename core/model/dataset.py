"""A validated set of the four tables, in the normalised schemas of core.model.contract."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.model.contract import TABLES, empty


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

    @property
    def is_empty(self) -> bool:
        return self.accounts.is_empty()
