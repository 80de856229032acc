"""The four early-churn signals, the health score and the action, as polars expressions.

Each signal is a named boolean expression over per-account facts (age_days, fv_date,
active_users, sponsor_active, touches, tickets and the segment's ttv_target_days), with its
penalty from the plan and a sentence saying why it fired. The score is 100 minus the sum of
the penalties of the signals that fired, so the reasons are the score's own terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.engine import journey_signals
from core.model.plan import MeasurementPlan

SIGNALS: tuple[str, ...] = ("no_first_value", "single_user", "sponsor_disengaged", "ticket_primary")
SIGNAL_AGE_DAYS = 30  # docs/metrics.md: single_user and sponsor_disengaged apply from day 30
ACTIONS: tuple[str, ...] = ("executive", "escalate", "watch", "healthy")
AT_RISK_ACTIONS: tuple[str, ...] = ("executive", "escalate")

AGE = pl.col("age_days")


@dataclass(frozen=True)
class Signal:
    """One signal: whether it fires (never null) and the words explaining it."""

    name: str
    fires: pl.Expr
    because: pl.Expr

    def reason(self, points: int) -> pl.Expr:
        """The sentence shown beside the score: "<why>: -<penalty>"."""
        return pl.format("{}: -{}", self.because, pl.lit(points))


def _no_first_value() -> Signal:
    target = pl.col("ttv_target_days")
    fires = pl.col("fv_date").is_null() & (AGE > target)
    late = AGE - target
    days = pl.when(late == 1).then(pl.lit("day")).otherwise(pl.lit("days"))
    because = pl.format("No first value {} {} after the {}-day target", late, days, target)
    return Signal("no_first_value", fires.fill_null(False), because)


def _single_user(window: int) -> Signal:
    users = pl.col("active_users")
    fires = (AGE >= SIGNAL_AGE_DAYS) & (users <= 1)
    noun = pl.when(users == 1).then(pl.lit("user")).otherwise(pl.lit("users"))
    because = pl.format("Only {} active {} in the last {} days", users, noun, pl.lit(window))
    return Signal("single_user", fires.fill_null(False), because)


def _sponsor_disengaged(window: int) -> Signal:
    fires = (AGE >= SIGNAL_AGE_DAYS) & ~pl.col("sponsor_active")
    because = pl.lit(f"No executive-sponsor activity in the last {window} days")
    return Signal("sponsor_disengaged", fires.fill_null(False), because)


def _ticket_primary(window: int) -> Signal:
    tickets, touches = pl.col("tickets"), pl.col("touches")
    fires = (tickets >= 1) & (tickets * 2 >= touches)
    because = pl.format(
        "Support tickets are {} of {} touches in the last {} days", tickets, touches, pl.lit(window)
    )
    return Signal("ticket_primary", fires.fill_null(False), because)


def signals(plan: MeasurementPlan) -> list[Signal]:
    """The signals in docs/metrics.md order (which is also the order of the `signals` column)."""
    w = plan.window_days
    return [_no_first_value(), _single_user(w), _sponsor_disengaged(w), _ticket_primary(w)]


def penalty(plan: MeasurementPlan, name: str) -> int:
    return int(getattr(plan.penalties, name))


def fired_columns(plan: MeasurementPlan) -> list[pl.Expr]:
    """One boolean column per signal: the built-in ones named after themselves, the journey
    signals as journey_signals.signal_column(name) (null where no definition applies)."""
    return [s.fires.alias(s.name) for s in signals(plan)] + journey_signals.fired_columns(plan)


def score_expr(plan: MeasurementPlan) -> pl.Expr:
    """100 minus the penalties of the fired signals (columns from fired_columns), at least 0."""
    total = pl.sum_horizontal(
        *(pl.when(pl.col(name)).then(penalty(plan, name)).otherwise(0) for name in SIGNALS),
        journey_signals.penalty_total(plan),
    )
    return (100 - total).clip(lower_bound=0).cast(pl.Int64)


def action_expr(plan: MeasurementPlan) -> pl.Expr:
    """The play for an account (docs/metrics.md); null (empty) for churned accounts."""
    score, old_enough = pl.col("score"), AGE >= plan.min_age_days
    bands = plan.bands
    return (
        pl.when(pl.col("churned"))
        .then(pl.lit(None, pl.String))
        .when(old_enough & (score < bands.executive))
        .then(pl.lit("executive"))
        .when(old_enough & (score < bands.escalate))
        .then(pl.lit("escalate"))
        .when(score < bands.watch)
        .then(pl.lit("watch"))
        .otherwise(pl.lit("healthy"))
    )


def signal_column(name: str) -> str:
    """The fact column of any signal, built-in or from a journey map."""
    return name if name in SIGNALS else journey_signals.signal_column(name)


def signals_text(plan: MeasurementPlan) -> pl.Expr:
    """Fired signal names joined by ';': the built-in ones in docs/metrics.md order, then the
    journey signals in plan order; "" when none fired."""
    names = [pl.when(pl.col(signal_column(n))).then(pl.lit(n)) for n in plan.signal_names()]
    return pl.concat_str(names, separator=";", ignore_nulls=True)
