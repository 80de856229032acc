"""What-if on the journey funnel: raise one step's conversion and see what it is worth.

Raising step k's conversion to x changes the accounts reaching step k and, with every later
conversion held at its measured value, every later step. The gain at the first-value step
is turned into contract value kept with the 90-day retention of accounts that reached
first value vs those that did not, both measured in the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.common.scalars import as_float
from core.engine.frames import Context
from core.engine.funnel import funnel_events, funnel_table
from core.engine.metrics import RETENTION_DAYS, account_metrics


@dataclass(frozen=True)
class WhatIf:
    """steps: step, event, reached, reached_what_if, extra (accounts, fractional).

    extra_first_value is None when no funnel step is a first-value event; value_kept is
    None when either retention rate cannot be measured (no account old enough).
    """

    steps: pl.DataFrame
    first_value_step: int | None
    extra_first_value: float | None
    retention_first_value: float | None
    retention_no_first_value: float | None
    mean_contract_value: float | None
    value_kept: float | None


def what_if_steps(table: pl.DataFrame, step: int, conversion: float) -> pl.DataFrame:
    """Reach per step with step `step` converting at `conversion`; unknown conversions
    (a previous step nobody reached) count as 0, so no gain is invented."""
    if not 1 <= step <= len(table):
        raise ValueError(f"step must be between 1 and {len(table)}, got {step}")
    if not 0.0 <= conversion <= 1.0:
        raise ValueError(f"conversion must be between 0 and 1, got {conversion}")
    accounts = int(table.get_column("reached").item(0) + table.get_column("dropoff").item(0))
    conv = (
        pl.when(pl.col("step") == step)
        .then(pl.lit(conversion))
        .otherwise(pl.col("step_conversion").fill_null(0.0))
    )
    return table.select(
        "step",
        "event",
        "reached",
        (accounts * conv.cum_prod()).alias("reached_what_if"),
    ).with_columns((pl.col("reached_what_if") - pl.col("reached")).alias("extra"))


def _retention(ctx: Context, segment: str | None) -> tuple[float | None, float | None]:
    """90-day retention of accounts old enough to tell, with and without first value."""
    metrics = account_metrics(ctx).filter(pl.col("age_days") >= RETENTION_DAYS)
    if segment is not None:
        metrics = metrics.filter(pl.col("segment") == segment)
    rates = (
        metrics.group_by(pl.col("fv_date").is_not_null().alias("fv"))
        .agg(pl.col("retained_90d").cast(pl.Float64).mean().alias("rate"))
        .collect()
    )
    lookup = dict(zip(rates.get_column("fv"), rates.get_column("rate"), strict=True))
    return lookup.get(True), lookup.get(False)


def what_if(ctx: Context, step: int, conversion: float, segment: str | None = None) -> WhatIf:
    """The gain of raising `step`'s conversion to `conversion` (see module docstring)."""
    steps = what_if_steps(funnel_table(ctx, segment), step, conversion)
    fv_events = set(
        (ctx.plan.segment_events(segment) if segment else ctx.plan.events).first_value_events
    )
    fv_steps = [k for k, e in enumerate(funnel_events(ctx.plan, segment), 1) if e in fv_events]
    fv_step = fv_steps[0] if fv_steps else None
    extra = as_float(steps.get_column("extra").item(fv_step - 1)) if fv_step else None
    kept, lost = _retention(ctx, segment)
    accounts = ctx.accounts
    if segment is not None:
        accounts = accounts.filter(pl.col("segment") == segment)
    mean_value = as_float(accounts.get_column("contract_value").mean())
    value = None
    if extra is not None and kept is not None and lost is not None and mean_value is not None:
        value = extra * mean_value * (kept - lost)
    return WhatIf(steps, fv_step, extra, kept, lost, mean_value, value)
