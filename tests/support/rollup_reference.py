"""The first-occurrence rollup's definition written plainly (strings, in memory, over every
row), to hold the store's coded, streaming computation (core.data.rollups) to it."""

from __future__ import annotations

import polars as pl

from core.model.dataset import Dataset


def plain_first_events(data: Dataset) -> pl.DataFrame:
    """account_id, event, first_at: every account's first occurrence of every event name
    on or after its start date, sorted as the rollup is stored."""
    return (
        data.events.join(data.accounts.select("account_id", "start_date"), on="account_id")
        .filter(pl.col("timestamp").dt.date() >= pl.col("start_date"))
        .group_by("account_id", "event")
        .agg(pl.col("timestamp").min().alias("first_at"))
        .sort("account_id", "event")
    )
