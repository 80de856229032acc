"""Kaplan-Meier: the one product-limit estimator, for the median and for the curve.

An account is an event at its ttv_days when it reached first value, and is censored at its
age (or at churn, if that came first) otherwise; docs/metrics.md, "Kaplan-Meier median".
Convention for ties: at a time t, events are counted before censorings, so an account
censored at t is still at risk at t (the standard product-limit estimator). The median is
the smallest event time where the survival estimate is 0.5 or below; a tiny tolerance
absorbs floating-point products such as 2/3 * 3/4 landing a hair above 0.5.
"""

from __future__ import annotations

import polars as pl

from core.common.scalars import as_float

TOLERANCE = 1e-12
_ALL = "__km_all"


def survival_steps(frame: pl.LazyFrame, by: str) -> pl.LazyFrame:
    """by, km_time, n, d, at_risk, survival: one row per group and distinct time, from
    columns km_time (days) and km_event (bool); survival is the estimate just after km_time."""
    n, d = pl.col("n"), pl.col("d")
    at_risk = n.sum().over(by) - n.cum_sum().over(by) + n
    return (
        frame.group_by(by, "km_time")
        .agg(pl.len().alias("n"), pl.col("km_event").sum().alias("d"))
        .sort(by, "km_time")
        .with_columns(at_risk.alias("at_risk"))
        .with_columns((1 - d / pl.col("at_risk")).cum_prod().over(by).alias("survival"))
    )


def km_median(frame: pl.LazyFrame, by: str) -> pl.LazyFrame:
    """by, ttv_median_km_days; a group whose estimate never reaches 0.5 has no row."""
    return (
        survival_steps(frame, by)
        .filter((pl.col("d") > 0) & (pl.col("survival") <= 0.5 + TOLERANCE))
        .group_by(by)
        .agg(pl.col("km_time").min().cast(pl.Float64).alias("ttv_median_km_days"))
    )


def km_curve(times: pl.DataFrame) -> pl.DataFrame:
    """day, reached (1 - survival), at_risk: the curve from (day, event), for a chart.

    It starts at day 0 with nobody reached; accounts that reached first value on their start
    day then show as a step at day 0 itself.
    """
    schema = {"day": pl.Int64, "reached": pl.Float64, "at_risk": pl.Int64}
    if times.is_empty():
        return pl.DataFrame(schema=schema)
    steps = survival_steps(
        times.lazy().select(
            pl.lit(0).alias(_ALL), pl.col("day").alias("km_time"), pl.col("event").alias("km_event")
        ),
        _ALL,
    ).select(
        pl.col("km_time").cast(pl.Int64).alias("day"),
        (1 - pl.col("survival")).alias("reached"),
        pl.col("at_risk").cast(pl.Int64),
    )
    start = pl.DataFrame({"day": [0], "reached": [0.0], "at_risk": [len(times)]}, schema=schema)
    return pl.concat([start, steps.collect()]).sort("day", maintain_order=True)


def median_of_curve(curve: pl.DataFrame) -> float | None:
    """The median read off a curve from `km_curve` (the same rule as `km_median`)."""
    hit = curve.filter(pl.col("reached") >= 0.5 - TOLERANCE)
    return as_float(hit.get_column("day").min())
