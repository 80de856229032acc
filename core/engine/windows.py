"""Rolling "last N days" windows for many analysis dates at once, without a cross join.

A row dated d lies in the window of analysis date a when a - N + 1 <= d <= a, i.e. when
d <= a <= d + N - 1. With the analysis dates sorted, those dates are one contiguous index
range found by binary search, so each row is repeated only for the dates that see it
(two for score + delta, N/30 + 1 for the monthly backtest) instead of for every date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl


def as_of_grid(as_ofs: Sequence[date]) -> pl.Series:
    """Distinct analysis dates, sorted, as a Date series named as_of."""
    return pl.Series("as_of", sorted(set(as_ofs)), dtype=pl.Date)


def in_windows(rows: pl.LazyFrame, as_ofs: Sequence[date], window: int) -> pl.LazyFrame:
    """Each dated row once per analysis date whose last-`window`-days range holds its date.

    Adds an `as_of` column; rows outside every window are dropped.
    """
    grid = as_of_grid(as_ofs)
    lookup = pl.LazyFrame({"__idx": pl.int_range(len(grid), eager=True), "as_of": grid})
    date = pl.col("date")
    first = pl.lit(grid).search_sorted(date, side="left")
    last = pl.lit(grid).search_sorted(date + pl.duration(days=window - 1), side="right")
    return (
        rows.with_columns(pl.int_ranges(first, last).alias("__idx"))
        .explode("__idx")
        .drop_nulls("__idx")
        .join(lookup.with_columns(pl.col("__idx").cast(pl.Int64)), on="__idx", how="inner")
        .drop("__idx")
    )
