"""The multi-step journey calculator: reach, conversion and drop-off per milestone step.

An account reaches step k at its first occurrence of event k at or after the moment it
reached step k-1 (step 1: its first occurrence). Only events on or after start_date and on
or before as_of count. Steps are a short Python loop (one join per step), never a loop
over rows.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from core.engine.frames import ACCOUNT, Context, build_context, days_between
from core.engine.tables import Tables
from core.model.plan import MeasurementPlan

FUNNEL_SCHEMA = pl.Schema(
    {
        "step": pl.Int64,
        "event": pl.String,
        "reached": pl.Int64,
        "step_conversion": pl.Float64,
        "overall_conversion": pl.Float64,
        "dropoff": pl.Int64,
        "median_days_from_start": pl.Float64,
    }
)


def funnel_events(plan: MeasurementPlan, segment: str | None) -> tuple[str, ...]:
    """The segment's milestone list, or the global one for all segments together."""
    lists = plan.segment_events(segment) if segment is not None else plan.events
    return tuple(lists.milestone_events)


def funnel_accounts(ctx: Context, segment: str | None) -> pl.DataFrame:
    accounts = ctx.accounts.select(ACCOUNT, "segment", "start_date")
    return accounts if segment is None else accounts.filter(pl.col("segment") == segment)


def reach_times(ctx: Context, segment: str | None = None) -> list[pl.DataFrame]:
    """Per step, account_id and reached_at (timestamp) of the accounts that reached it."""
    accounts = funnel_accounts(ctx, segment).lazy().select(ACCOUNT)
    occurrences = ctx.milestones.lazy().join(accounts, on=ACCOUNT, how="semi")
    reached: list[pl.DataFrame] = []
    previous: pl.LazyFrame | None = None
    for event in funnel_events(ctx.plan, segment):
        step = occurrences.filter(pl.col("event") == event)
        if previous is not None:
            step = step.join(previous, on=ACCOUNT).filter(
                pl.col("timestamp") >= pl.col("reached_at")
            )
        frame = step.group_by(ACCOUNT).agg(pl.col("timestamp").min().alias("reached_at")).collect()
        reached.append(frame)
        previous = frame.lazy()
    return reached


def funnel_table(ctx: Context, segment: str | None = None) -> pl.DataFrame:
    """The funnel with docs/metrics.md's columns (FUNNEL_SCHEMA), one row per milestone step.

    Computed once per Context and segment: the Scorecards page draws it and its what-if
    starts from it (0.1-0.2 s a time at 100,000 accounts)."""
    key = ("funnel_table", segment)
    if key not in ctx.cache:
        ctx.cache[key] = _funnel_table(ctx, segment)
    return ctx.cache[key]


def _funnel_table(ctx: Context, segment: str | None) -> pl.DataFrame:
    accounts = funnel_accounts(ctx, segment)
    starts = accounts.lazy().select(ACCOUNT, "start_date")
    days = days_between(pl.col("reached_at").dt.date(), pl.col("start_date"))
    stats = [
        frame.lazy()
        .join(starts, on=ACCOUNT)
        .select(
            pl.lit(k, pl.Int64).alias("step"),
            pl.len().cast(pl.Int64).alias("reached"),
            days.cast(pl.Float64).median().alias("median_days_from_start"),
        )
        for k, frame in enumerate(reach_times(ctx, segment), start=1)
    ]
    events = funnel_events(ctx.plan, segment)
    steps = pl.LazyFrame(
        {"step": range(1, len(events) + 1), "event": list(events)},
        schema={"step": pl.Int64, "event": pl.String},
    )
    return _conversions(steps, stats, len(accounts)).collect()


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den)


def _conversions(steps: pl.LazyFrame, stats: list[pl.LazyFrame], accounts: int) -> pl.LazyFrame:
    schema = {"step": pl.Int64, "reached": pl.Int64, "median_days_from_start": pl.Float64}
    counted = pl.concat([pl.LazyFrame(schema=schema), *stats])
    reached = pl.col("reached")
    previous = reached.shift(1, fill_value=accounts)
    return (
        steps.join(counted, on="step", how="left")
        .sort("step")
        .with_columns(
            _ratio(reached, previous).alias("step_conversion"),
            _ratio(reached, pl.lit(accounts)).alias("overall_conversion"),
            (previous - reached).alias("dropoff"),
        )
        .select(list(FUNNEL_SCHEMA))
        .cast(FUNNEL_SCHEMA)
    )


def bottleneck(table: pl.DataFrame) -> pl.DataFrame:
    """The step with the lowest step conversion (the earliest on ties); empty if none."""
    return (
        table.filter(pl.col("step_conversion").is_not_null())
        .sort("step_conversion", "step")
        .head(1)
    )


def funnel(
    data: Tables, plan: MeasurementPlan, as_of: date | None = None, segment: str | None = None
) -> pl.DataFrame:
    """The journey funnel for one segment (its milestone list) or for all accounts."""
    return funnel_table(build_context(data, plan, as_of), segment)
