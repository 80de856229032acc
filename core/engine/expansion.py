"""Expansion-ready accounts (with the signal that fired) and CSM load against coverage ratios.

Expansion signals (docs/metrics.md): seats nearly used up (active users >= 90% of licensed
seats), an expansion event in the last window_days, users from two or more teams active in
the last window_days; only for live accounts at least 30 days old. CSM load counts live
(not churned) accounts per CSM and segment against the segment's accounts-per-CSM ratio.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from core.engine.frames import ACCOUNT, Context, build_context
from core.engine.metrics import account_metrics
from core.engine.tables import Tables
from core.model.plan import MeasurementPlan

EXPANSION_SIGNALS: tuple[str, ...] = ("seat_limit", "expansion_event", "multi_team")
UNASSIGNED = "(unassigned)"


def expansion_table(ctx: Context) -> pl.DataFrame:
    """account_id, account_name, segment, csm, contract_value, active_users, licensed_seats,
    seat_share, teams_active, signals (fired names joined by ';'); biggest contracts first."""
    fired = [pl.when(pl.col(s)).then(pl.lit(s)) for s in EXPANSION_SIGNALS]
    return (
        account_metrics(ctx)
        .filter(pl.col("live_30d") & pl.any_horizontal(EXPANSION_SIGNALS))
        .select(
            ACCOUNT,
            "account_name",
            "segment",
            "csm",
            "contract_value",
            "active_users",
            "licensed_seats",
            "seat_share",
            "teams_active",
            pl.concat_str(fired, separator=";", ignore_nulls=True).alias("signals"),
        )
        .sort(["contract_value", ACCOUNT], descending=[True, False], nulls_last=True)
        .collect()
    )


def csm_load_table(ctx: Context) -> pl.DataFrame:
    """csm, segment, accounts, contract_value, at_risk, ratio_low, ratio_high, status
    ("under", "within", "over" the segment's accounts-per-CSM range; null without one)."""
    n, low, high = pl.col("accounts"), pl.col("csm_ratio_low"), pl.col("csm_ratio_high")
    status = (
        pl.when((high <= 0) | high.is_null())
        .then(pl.lit(None, pl.String))
        .when(n > high)
        .then(pl.lit("over"))
        .when(n < low)
        .then(pl.lit("under"))
        .otherwise(pl.lit("within"))
    )
    return (
        account_metrics(ctx)
        .filter(~pl.col("churned"))
        .with_columns(pl.col("csm").fill_null(UNASSIGNED))
        .group_by("csm", "segment")
        .agg(
            pl.len().cast(pl.Int64).alias("accounts"),
            pl.col("contract_value").sum(),
            pl.col("at_risk").sum().cast(pl.Int64),
            pl.col("csm_ratio_low").first(),
            pl.col("csm_ratio_high").first(),
        )
        .with_columns(status.alias("status"))
        .rename({"csm_ratio_low": "ratio_low", "csm_ratio_high": "ratio_high"})
        .sort("csm", "segment")
        .collect()
    )


def expansion_ready(data: Tables, plan: MeasurementPlan, as_of: date | None = None) -> pl.DataFrame:
    return expansion_table(build_context(data, plan, as_of))


def csm_load(data: Tables, plan: MeasurementPlan, as_of: date | None = None) -> pl.DataFrame:
    return csm_load_table(build_context(data, plan, as_of))
