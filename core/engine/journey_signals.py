"""Signals a journey map defines ("No login for 14 days"), evaluated beside the built-in four.

docs/metrics.md, User-defined signals. Each definition names an event and a window of N days
and follows one rule: `inactive` fires when the account is at least N days old and has no
such event dated in its last N days; `not_reached` fires when the account is older than N
days and has no such event dated from its start date on (the milestone is overdue, as
no_first_value is for first value). Definitions of one name form one signal: the one for the
account's segment applies, else the one without a segment. Where none applies the signal's
column is null, so the backtest judges a segment's signal on that segment's accounts only.

The raw facts come from two small frames of the Context: the first occurrence of every key
event (not_reached) and the distinct days of the inactive rule's events (inactive).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from core.engine.frames import ACCOUNT, Context
from core.engine.windows import as_of_grid, in_windows
from core.model.plan import JourneySignal, MeasurementPlan

AGE = pl.col("age_days")
NOT_SCORED = "not scored"


def signal_column(name: str) -> str:
    """The fact column of a journey signal; prefixed so no name can clash with a fact."""
    return f"signal: {name}"


def _seen(index: int) -> str:
    return f"__seen{index}"


def _first(index: int) -> str:
    return f"__first{index}"


def raw_facts(ctx: Context, as_ofs: Sequence[date]) -> list[tuple[pl.LazyFrame, list[str]]]:
    """(frame, join keys) per definition: whether its event was seen in each date's window
    (inactive), or when it first happened on or after start (not_reached)."""
    grid = as_of_grid(as_ofs).to_list()
    parts: list[tuple[pl.LazyFrame, list[str]]] = []
    for i, signal in enumerate(ctx.plan.signals):
        if signal.rule == "inactive":
            days = ctx.signal_days.lazy().filter(pl.col("event") == signal.event)
            seen = (
                in_windows(days.select(ACCOUNT, "date"), grid, signal.window_days)
                .select("as_of", ACCOUNT)
                .unique()
                .with_columns(pl.lit(True).alias(_seen(i)))
            )
            parts.append((seen, ["as_of", ACCOUNT]))
        else:
            first = (
                ctx.first_events.lazy()
                .filter(pl.col("event") == signal.event)
                .select(ACCOUNT, pl.col("first_at").alias(_first(i)))
            )
            parts.append((first, [ACCOUNT]))
    return parts


def applies(plan: MeasurementPlan, signal: JourneySignal) -> pl.Expr:
    """The accounts a definition speaks for: its segment's, or (without a segment) those of
    every segment that has no definition of its own under the same name."""
    segment = pl.col("segment")
    if signal.segment is not None:
        return (segment == signal.segment).fill_null(False)
    own = [s.segment for s in plan.signals if s.name == signal.name and s.segment is not None]
    return ~segment.is_in(own).fill_null(False)


def _fires(index: int, signal: JourneySignal) -> pl.Expr:
    n = signal.window_days
    if signal.rule == "inactive":
        return (AGE >= n) & ~pl.col(_seen(index)).fill_null(False)
    first = pl.col(_first(index))
    pending = first.is_null() | (first.dt.date() > pl.col("as_of"))
    return (AGE > n) & pending


def _by_name(plan: MeasurementPlan) -> dict[str, list[tuple[int, JourneySignal]]]:
    grouped: dict[str, list[tuple[int, JourneySignal]]] = {}
    for i, signal in enumerate(plan.signals):
        grouped.setdefault(signal.name, []).append((i, signal))
    return grouped


def _per_definition(plan: MeasurementPlan, name: str, value: pl.Expr | None) -> pl.Expr:
    """The value of the definition that applies to the row (null when none applies); with
    `value` None, whether that definition fires."""
    branches = [
        pl.when(applies(plan, s)).then(_fires(i, s) if value is None else value)
        for i, s in _by_name(plan)[name]
    ]
    return pl.coalesce(branches) if len(branches) > 1 else branches[0]


def fired_columns(plan: MeasurementPlan) -> list[pl.Expr]:
    """One column per journey signal name: True / False where a definition applies, else null."""
    return [_per_definition(plan, name, None).alias(signal_column(name)) for name in _by_name(plan)]


def penalty_of(plan: MeasurementPlan, name: str) -> pl.Expr:
    """The penalty of the definition that applies to the row (0 where none does)."""
    branches = [
        pl.when(applies(plan, s)).then(pl.lit(s.penalty, pl.Int64)) for _, s in _by_name(plan)[name]
    ]
    return pl.coalesce(branches).fill_null(0) if branches else pl.lit(0, pl.Int64)


def penalty_total(plan: MeasurementPlan) -> pl.Expr:
    """Points the fired journey signals take off (needs the fired columns)."""
    terms = [
        pl.when(pl.col(signal_column(name))).then(penalty_of(plan, name)).otherwise(0)
        for name in _by_name(plan)
    ]
    return pl.sum_horizontal(terms) if terms else pl.lit(0, pl.Int64)


def because(signal: JourneySignal) -> str:
    """Why the signal fired, in the words the reasons show (its name from the map first)."""
    if signal.rule == "inactive":
        return f"{signal.name}: no {signal.event} in the last {signal.window_days} days"
    return f"{signal.name}: {signal.event} not reached by day {signal.window_days}"


def reason_of(plan: MeasurementPlan, name: str) -> pl.Expr:
    """'<name>: <why>: -<penalty>', or '(not scored)' when the penalty is 0."""
    branches = []
    for _, s in _by_name(plan)[name]:
        text = f"{because(s)}: -{s.penalty}" if s.penalty > 0 else f"{because(s)} ({NOT_SCORED})"
        branches.append(pl.when(applies(plan, s)).then(pl.lit(text)))
    return pl.coalesce(branches) if len(branches) > 1 else branches[0]


def names(plan: MeasurementPlan) -> list[str]:
    """The journey signals' names in plan order, each once."""
    return list(_by_name(plan))
