"""Backtest: would the score have flagged the accounts that went on to churn?

For analysis dates every 30 days back from as_of - 90 days (so a full 90-day outcome is
observed for each), take the accounts live at that date (started, not churned) and compare
the flagged ones (escalate or executive) with those that churned within the next 90 days:
precision, recall, the base churn rate and lift (precision / base rate), per segment and
for All, pooled over dates; also per date, and per signal the churn rate when fired vs not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from core.common.scalars import as_date
from core.engine.frames import Context, build_context
from core.engine.score import score_facts
from core.engine.scorecard import ALL
from core.engine.signals import AT_RISK_ACTIONS, signal_column
from core.engine.tables import Tables
from core.model.plan import MeasurementPlan

STEP_DAYS = 30
HORIZON_DAYS = 90


@dataclass(frozen=True)
class Backtest:
    """by_segment / by_date: segment or as_of, accounts, flagged, churned, flagged_churned,
    precision, recall, base_rate, lift. signals: signal, fired, fired_churn_rate, not_fired,
    not_fired_churn_rate, lift."""

    dates: list[date]
    by_segment: pl.DataFrame
    by_date: pl.DataFrame
    signals: pl.DataFrame


def backtest_dates(as_of: date, first_start: date | None) -> list[date]:
    """as_of - 90, then every 30 days back while accounts had started."""
    last = as_of - timedelta(days=HORIZON_DAYS)
    if first_start is None or last < first_start:
        return []
    count = (last - first_start).days // STEP_DAYS + 1
    return sorted(last - timedelta(days=STEP_DAYS * k) for k in range(count))


def _outcomes(ctx: Context, dates: list[date]) -> pl.LazyFrame:
    churn, as_of = pl.col("churn_date"), pl.col("as_of")
    soon = churn.is_not_null() & (churn > as_of) & (churn <= as_of + pl.duration(days=HORIZON_DAYS))
    return (
        score_facts(ctx, dates)
        .filter(~pl.col("churned"))
        .with_columns(
            pl.col("action").is_in(AT_RISK_ACTIONS).fill_null(False).alias("flagged"),
            soon.alias("churned_90d"),
        )
    )


def _quality() -> list[pl.Expr]:
    flagged, churned = pl.col("flagged"), pl.col("churned_90d")
    n_flag, n_churn, both = flagged.sum(), churned.sum(), (flagged & churned).sum()
    precision = pl.when(n_flag > 0).then(both / n_flag)
    base = churned.cast(pl.Float64).mean()
    return [
        pl.len().cast(pl.Int64).alias("accounts"),
        n_flag.cast(pl.Int64).alias("flagged"),
        n_churn.cast(pl.Int64).alias("churned"),
        both.cast(pl.Int64).alias("flagged_churned"),
        precision.alias("precision"),
        pl.when(n_churn > 0).then(both / n_churn).alias("recall"),
        base.alias("base_rate"),
        pl.when(base > 0).then(precision / base).alias("lift"),
    ]


def _signal_rates(rows: pl.LazyFrame, names: Sequence[str]) -> pl.LazyFrame:
    """Per signal, over the rows it applies to (a journey signal's column is null elsewhere)."""
    churn = pl.col("churned_90d").cast(pl.Float64)
    parts = []
    for name in names:
        fired = pl.col(signal_column(name))
        parts.append(
            rows.select(
                pl.lit(name).alias("signal"),
                fired.sum().cast(pl.Int64).alias("fired"),
                churn.filter(fired).mean().alias("fired_churn_rate"),
                (~fired).sum().cast(pl.Int64).alias("not_fired"),
                churn.filter(~fired).mean().alias("not_fired_churn_rate"),
            )
        )
    ratio = pl.col("fired_churn_rate") / pl.col("not_fired_churn_rate")
    return pl.concat(parts).with_columns(
        pl.when(pl.col("not_fired_churn_rate") > 0).then(ratio).alias("lift")
    )


def covered_dates(ctx: Context) -> list[date]:
    """The backtest dates the Context covers (build it with since = the first start date)."""
    first = as_date(ctx.accounts.get_column("start_date").min()) or ctx.as_of
    return [d for d in backtest_dates(ctx.as_of, first) if d >= ctx.since]


def outcome_rows(ctx: Context) -> pl.DataFrame:
    """One row per (backtest date, account live then): the score facts with every signal's
    column, `flagged` and `churned_90d` (empty when the history is too short)."""
    dates = covered_dates(ctx)
    if not dates:
        return (
            score_facts(ctx, [ctx.as_of])
            .with_columns(pl.lit(False).alias("flagged"), pl.lit(False).alias("churned_90d"))
            .head(0)
            .collect()
        )
    return _outcomes(ctx, dates).collect()


def backtest_table(ctx: Context) -> Backtest:
    """Run the backtest over the dates the Context covers (build it with since = first start)."""
    dates = covered_dates(ctx)
    rows = _outcomes(ctx, dates).collect().lazy() if dates else None
    if rows is None:
        rows = (
            score_facts(ctx, [ctx.as_of])
            .with_columns(pl.lit(False).alias("flagged"), pl.lit(False).alias("churned_90d"))
            .head(0)
        )
    segments = pl.concat([rows, rows.with_columns(pl.lit(ALL).alias("segment"))])
    by_segment = (
        segments.group_by("segment").agg(_quality()).sort(pl.col("segment") == ALL, "segment")
    )
    by_date = rows.group_by("as_of").agg(_quality()).sort("as_of")
    signals = _signal_rates(rows, ctx.plan.signal_names()).collect()
    return Backtest(dates, by_segment.collect(), by_date.collect(), signals)


def backtest(data: Tables, plan: MeasurementPlan, as_of: date | None = None) -> Backtest:
    """Backtest the health score over the history in `data` (see module docstring)."""
    first = data.lazy("accounts").select(pl.col("start_date").min()).collect().item()
    return backtest_table(build_context(data, plan, as_of, since=first))
