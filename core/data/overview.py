"""What a loaded dataset holds, in the figures the Data and Home pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from core.common.scalars import as_date
from core.model.dataset import Dataset


@dataclass(frozen=True)
class DataSummary:
    row_counts: dict[str, int]
    first_event: date | None
    last_event: date | None
    first_start: date | None
    last_start: date | None
    churned: int


def summarise(dataset: Dataset) -> DataSummary:
    ts = dataset.events.get_column("timestamp")
    starts = dataset.accounts.get_column("start_date")
    first_ts, last_ts = ts.min(), ts.max()
    return DataSummary(
        row_counts={name: len(frame) for name, frame in dataset.frames().items()},
        first_event=as_date(first_ts),
        last_event=as_date(last_ts),
        first_start=as_date(starts.min()),
        last_start=as_date(starts.max()),
        churned=int(dataset.accounts.get_column("churn_date").is_not_null().sum()),
    )


def accounts_per_segment(dataset: Dataset) -> pl.DataFrame:
    """Accounts, contract value and churned accounts per segment, largest segment first."""
    return (
        dataset.lazy("accounts")
        .group_by("segment")
        .agg(
            pl.len().alias("accounts"),
            pl.col("contract_value").sum().alias("contract_value"),
            pl.col("churn_date").is_not_null().sum().alias("churned"),
        )
        .sort("accounts", "segment", descending=[True, False])
        .collect()
    )


def event_catalogue(dataset: Dataset, names: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every event name with how often it occurs, in how many accounts, and when it was seen.

    `names` is the version's per-name rollup (core.data.rollups, event_names) when it has
    one: the same table without a pass over every event (20M events: about 1.8 s)."""
    if names is not None:
        found = names.lazy().select(
            "event",
            pl.col("events").cast(pl.UInt32),
            pl.col("accounts").cast(pl.UInt32),
            pl.col("first_at").dt.date().alias("first_seen"),
            pl.col("last_at").dt.date().alias("last_seen"),
        )
    else:
        found = (
            dataset.lazy("events")
            .group_by("event")
            .agg(
                pl.len().alias("events"),
                pl.col("account_id").n_unique().cast(pl.UInt32).alias("accounts"),
                pl.col("timestamp").min().dt.date().alias("first_seen"),
                pl.col("timestamp").max().dt.date().alias("last_seen"),
            )
        )
    return found.sort("events", "event", descending=[True, False]).collect()
