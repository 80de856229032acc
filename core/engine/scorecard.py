"""Segment scorecard, its status against targets, and the cohort view by start month.

Every metric is an aggregation expression over the per-account frame of
metrics.account_metrics; "All" is the same aggregation over every account (each account
judged by its own segment's targets). A rate or mean over an empty denominator is null.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from core.engine.frames import Context, build_context
from core.engine.km import km_median
from core.engine.metrics import RETENTION_DAYS, account_metrics
from core.engine.tables import Tables
from core.engine.targets import BENCHMARKS
from core.model.plan import MeasurementPlan

ALL = "All"
SCORECARD_COLUMNS: tuple[str, ...] = (
    "segment",
    "accounts",
    "ttv_median_days",
    "ttv_median_km_days",
    "fv_on_time_rate",
    "activation_rate",
    "user_adoption_rate",
    "completion_rate",
    "adoption_depth",
    "early_retention_90d",
    "expansion_ready_rate",
    "csat_mean",
    "at_risk_accounts",
    "at_risk_value",
)
AGE = pl.col("age_days")


def share(flag: pl.Expr, among: pl.Expr) -> pl.Expr:
    """Share of the `among` rows where `flag` holds; null when no row is `among`."""
    return flag.fill_null(False).cast(pl.Float64).filter(among).mean()


def mean_over(value: pl.Expr, among: pl.Expr) -> pl.Expr:
    """Mean of `value` over the `among` rows; null when there are none."""
    return value.cast(pl.Float64).filter(among).mean()


def metric_exprs() -> list[pl.Expr]:
    """The scorecard metrics (except the Kaplan-Meier median, a separate step); each account
    is judged by its own segment's targets and activation window."""
    live = pl.col("live_30d")
    ttv, target = pl.col("ttv_days"), pl.col("ttv_target_days")
    seats_ok = pl.col("licensed_seats").is_not_null() & pl.col("seat_share").is_not_null()
    csat_n = pl.col("csat_n").sum()
    return [
        pl.len().cast(pl.Int64).alias("accounts"),
        ttv.cast(pl.Float64).median().alias("ttv_median_days"),
        share(ttv <= target, AGE >= target).alias("fv_on_time_rate"),
        share(pl.col("activated"), AGE >= pl.col("activation_window_days")).alias(
            "activation_rate"
        ),
        mean_over(pl.col("seat_share").clip(upper_bound=1.0), seats_ok & live).alias(
            "user_adoption_rate"
        ),
        share(pl.col("completed"), AGE >= pl.col("duration_target_days")).alias("completion_rate"),
        mean_over(pl.col("feature_share"), live).alias("adoption_depth"),
        share(pl.col("retained_90d"), AGE >= RETENTION_DAYS).alias("early_retention_90d"),
        share(pl.col("seat_limit") | pl.col("expansion_event") | pl.col("multi_team"), live).alias(
            "expansion_ready_rate"
        ),
        pl.when(csat_n > 0).then(pl.col("csat_sum").sum() / csat_n).alias("csat_mean"),
        pl.col("at_risk").sum().cast(pl.Int64).alias("at_risk_accounts"),
        pl.col("contract_value").filter(pl.col("at_risk")).sum().alias("at_risk_value"),
    ]


def _with_all(frame: pl.LazyFrame, by: str) -> pl.LazyFrame:
    return pl.concat([frame, frame.with_columns(pl.lit(ALL).alias(by))])


def summarise(metrics: pl.LazyFrame, plan: MeasurementPlan, by: str) -> pl.LazyFrame:
    """Scorecard metrics per value of `by` plus an "All" row, groups sorted, "All" last."""
    rows = _with_all(metrics.with_columns(pl.col(by).cast(pl.String)), by)
    table = rows.group_by(by).agg(metric_exprs())
    return (
        table.join(km_median(rows, by), on=by, how="left")
        .sort(pl.col(by) == ALL, pl.col(by))
        .select(by, *SCORECARD_COLUMNS[1:])
    )


def scorecard_table(ctx: Context, at: date | None = None) -> pl.DataFrame:
    """The scorecard (docs/metrics.md columns): one row per segment by name, then "All";
    at ctx.as_of, or at an earlier date the context covers (metrics.covers)."""
    metrics = account_metrics(ctx, at)
    return summarise(metrics, ctx.plan, "segment").collect(engine="streaming")


def cohort_table(ctx: Context) -> pl.DataFrame:
    """The same metrics by start month ("YYYY-MM" in column `cohort`), then "All"."""
    return summarise(_by_cohort(ctx), ctx.plan, "cohort").collect()


def _by_cohort(ctx: Context) -> pl.LazyFrame:
    return account_metrics(ctx).with_columns(
        pl.col("start_date").dt.strftime("%Y-%m").alias("cohort")
    )


# The age each cohort rate needs before an account counts (its denominator, as above).
JUDGED_AT: dict[str, pl.Expr] = {
    "fv_on_time_rate": AGE >= pl.col("ttv_target_days"),
    "activation_rate": AGE >= pl.col("activation_window_days"),
    "completion_rate": AGE >= pl.col("duration_target_days"),
    "early_retention_90d": AGE >= RETENTION_DAYS,
}
MIN_JUDGED_SHARE = 0.5


def judged_cohort_table(ctx: Context, min_share: float = MIN_JUDGED_SHARE) -> pl.DataFrame:
    """cohort_table with each age-bound rate left out (null) for a cohort where fewer than
    `min_share` of its accounts are old enough to count: a new month's first few accounts
    would otherwise stand for the whole month (one account not yet complete reads as 0%)."""
    table = cohort_table(ctx)
    shares = (
        _by_cohort(ctx)
        .group_by("cohort")
        .agg(
            expr.fill_null(False).mean().alias(f"__judged_{name}")
            for name, expr in JUDGED_AT.items()
        )
        .collect()
    )
    masked = table.join(shares, on="cohort", how="left", maintain_order="left")
    return masked.with_columns(
        pl.when((pl.col("cohort") == ALL) | (pl.col(f"__judged_{name}") >= min_share))
        .then(pl.col(name))
        .alias(name)
        for name in JUDGED_AT
    ).select(table.columns)


# ----------------------------------------------------------------------- status vs targets

NEAR_SHARE = 0.10  # "near": within 10% of the target, on the wrong side of it
STATUS_SCHEMA = pl.Schema(
    {
        "segment": pl.String,
        "metric": pl.String,
        "value": pl.Float64,
        "target": pl.Float64,
        "higher_is_better": pl.Boolean,
        "status": pl.String,
    }
)


def metric_targets(plan: MeasurementPlan, segment: str) -> dict[str, tuple[float, bool]]:
    """metric -> (target, higher_is_better) for one segment; "All" uses the benchmarks.

    The plan gives ttv, adoption and CSAT targets per segment; activation and completion
    come from docs/metrics.md's benchmarks (70%, 85%). Metrics with neither have no status.
    """
    seg = plan.segments.get(segment)
    ttv = float(seg.ttv_target_days) if seg else BENCHMARKS["ttv_days"]
    adoption = seg.adoption_target if seg else BENCHMARKS["user_adoption_rate"]
    return {
        "ttv_median_days": (ttv, False),
        "ttv_median_km_days": (ttv, False),
        "activation_rate": (BENCHMARKS["activation_rate"], True),
        "user_adoption_rate": (adoption, True),
        "completion_rate": (BENCHMARKS["completion_rate"], True),
        "csat_mean": (seg.csat_target if seg else BENCHMARKS["csat_mean"], True),
    }


def status_expr() -> pl.Expr:
    """on target / near (within NEAR_SHARE of the target) / off; null without a value."""
    value, target, up = pl.col("value"), pl.col("target"), pl.col("higher_is_better")
    on = pl.when(up).then(value >= target).otherwise(value <= target)
    near = (
        pl.when(up)
        .then(value >= target * (1 - NEAR_SHARE))
        .otherwise(value <= target * (1 + NEAR_SHARE))
    )
    return (
        pl.when(value.is_null() | target.is_null())
        .then(pl.lit(None, pl.String))
        .when(on)
        .then(pl.lit("on target"))
        .when(near)
        .then(pl.lit("near"))
        .otherwise(pl.lit("off"))
    )


def scorecard_status(card: pl.DataFrame, plan: MeasurementPlan) -> pl.DataFrame:
    """Long frame: segment, metric, value, target, higher_is_better, status (STATUS_SCHEMA).

    Every metric of every row of the scorecard; target and status are null where no target
    exists (adoption depth, retention, expansion, on-time rate, counts).
    """
    metrics = [c for c in SCORECARD_COLUMNS[1:]]
    long = card.unpivot(index="segment", on=metrics, variable_name="metric", value_name="value")
    rows = [
        (segment, metric, target, up)
        for segment in card.get_column("segment").to_list()
        for metric, (target, up) in metric_targets(plan, segment).items()
    ]
    targets = pl.DataFrame(
        rows,
        schema={
            "segment": pl.String,
            "metric": pl.String,
            "target": pl.Float64,
            "higher_is_better": pl.Boolean,
        },
        orient="row",
    )
    return (
        long.with_columns(pl.col("value").cast(pl.Float64))
        .join(targets, on=["segment", "metric"], how="left", maintain_order="left")
        .with_columns(status_expr().alias("status"))
        .select(list(STATUS_SCHEMA))
    )


# ---------------------------------------------------------------- one-call entry points


def scorecard(data: Tables, plan: MeasurementPlan, as_of: date | None = None) -> pl.DataFrame:
    """Segment scorecard with docs/metrics.md's columns (SCORECARD_COLUMNS)."""
    return scorecard_table(build_context(data, plan, as_of))


def cohorts(data: Tables, plan: MeasurementPlan, as_of: date | None = None) -> pl.DataFrame:
    """Scorecard metrics by start month (column `cohort` instead of `segment`)."""
    return cohort_table(build_context(data, plan, as_of))
