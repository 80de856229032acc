"""Kaplan-Meier median time to first value, per group, as one grouped LazyFrame step.

Convention for ties: at a time t, events are counted before censorings, so an account
censored at t is still at risk at t (the standard product-limit estimator). The median is
the smallest event time where the survival estimate is 0.5 or below; a tiny tolerance
absorbs floating-point products such as 2/3 * 3/4 landing a hair above 0.5.
"""

from __future__ import annotations

import polars as pl

TOLERANCE = 1e-12


def km_median(frame: pl.LazyFrame, by: str) -> pl.LazyFrame:
    """by, ttv_median_km_days: from columns km_time (days) and km_event (bool)."""
    n, d = pl.col("n"), pl.col("d")
    at_risk = n.sum().over(by) - n.cum_sum().over(by) + n
    return (
        frame.group_by(by, "km_time")
        .agg(pl.len().alias("n"), pl.col("km_event").sum().alias("d"))
        .sort(by, "km_time")
        .with_columns(at_risk.alias("at_risk"))
        .with_columns((1 - d / pl.col("at_risk")).cum_prod().over(by).alias("survival"))
        .filter((d > 0) & (pl.col("survival") <= 0.5 + TOLERANCE))
        .group_by(by)
        .agg(pl.col("km_time").min().cast(pl.Float64).alias("ttv_median_km_days"))
    )
