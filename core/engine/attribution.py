"""Credit of touchpoints toward activation, by six models.

An account is activated when every activation event of its segment happened between
start_date and start_date + its segment's activation_window_days; it activated at the latest
of those first occurrences. Its touches in the ATTRIBUTION_DAYS before that moment (inclusive) share
one credit, labelled by touchpoint, or by channel where the touchpoint is empty. An
activated account without such touches gives its credit to NO_TOUCH, so every model's
credits sum to the number of activated accounts.

The Markov model uses every account whose outcome is known (activated, or past its
activation window without activating) that had touches: its path start -> touches ->
activation or not. A label's credit is its removal effect (the drop in activation
probability when the label is removed) normalised over all labels.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from core.engine.frames import ACCOUNT, Context, build_context
from core.engine.tables import Tables
from core.model.plan import MeasurementPlan

ATTRIBUTION_DAYS = 30
HALF_LIFE_DAYS = 7.0
NO_TOUCH = "(no touches)"
MODELS: tuple[str, ...] = (
    "first_touch",
    "last_touch",
    "linear",
    "time_decay",
    "position_based",
    "markov",
)


def activation_times(ctx: Context) -> pl.LazyFrame:
    """account_id, activated_at for accounts whose activation events all came in time."""
    deadline = pl.col("start_date") + pl.duration(days=pl.col("activation_window_days"))
    n_needed = ctx.size("activation").rename({"n_events": "needed"})
    columns = (ACCOUNT, "segment", "start_date", "activation_window_days")
    return (
        ctx.first_events.lazy()
        .join(ctx.accounts.lazy().select(columns), on=ACCOUNT)
        .join(ctx.event_set("activation"), on=["segment", "event"], how="semi")
        .filter(pl.col("first_at").dt.date() <= deadline)
        .group_by(ACCOUNT, "segment")
        .agg(pl.len().alias("done"), pl.col("first_at").max().alias("activated_at"))
        .join(n_needed, on="segment")
        .filter((pl.col("done") >= pl.col("needed")) & (pl.col("needed") > 0))
        .select(ACCOUNT, "activated_at")
    )


def _label() -> pl.Expr:
    point = pl.col("touchpoint")
    return pl.when(point.is_not_null() & (point != "")).then(point).otherwise(pl.col("channel"))


def _touch_paths(ctx: Context, ends: pl.LazyFrame) -> pl.LazyFrame:
    """Touches of each account in the ATTRIBUTION_DAYS up to its `end`, ordered, with
    pos (0-based), n (touches in the path) and label."""
    ts, end = pl.col("timestamp"), pl.col("end")
    window = (ts <= end) & (ts >= end - pl.duration(days=ATTRIBUTION_DAYS))
    return (
        ctx.touches.join(ends, on=ACCOUNT)
        .filter(window)
        .with_columns(_label().alias("label"))
        .sort(ACCOUNT, "timestamp", "label")
        .with_columns(
            pl.int_range(pl.len()).over(ACCOUNT).alias("pos"),
            pl.len().over(ACCOUNT).alias("n"),
        )
    )


def _rule_credits(paths: pl.LazyFrame) -> pl.LazyFrame:
    """Per touch, its credit under the five rule-based models."""
    pos, n = pl.col("pos"), pl.col("n")
    age_days = (pl.col("end") - pl.col("timestamp")).dt.total_microseconds() / 86_400e6
    decay = (0.5 ** (age_days / HALF_LIFE_DAYS)).alias("w")
    position = (
        pl.when(n == 1)
        .then(1.0)
        .when(n == 2)
        .then(0.5)
        .when((pos == 0) | (pos == n - 1))
        .then(0.4)
        .otherwise(0.2 / (n - 2))
    )
    return paths.with_columns(decay).select(
        "label",
        (pos == 0).cast(pl.Float64).alias("first_touch"),
        (pos == n - 1).cast(pl.Float64).alias("last_touch"),
        (1.0 / n).alias("linear"),
        (pl.col("w") / pl.col("w").sum().over(ACCOUNT)).alias("time_decay"),
        position.cast(pl.Float64).alias("position_based"),
    )


def _known_outcomes(ctx: Context, activated: pl.LazyFrame) -> pl.LazyFrame:
    """account_id, end, converted: activated accounts at their activation time, and the
    non-activated past their window at the end of its last day."""
    window = pl.col("activation_window_days")
    deadline = (pl.col("start_date") + pl.duration(days=window + 1)).cast(pl.Datetime("us"))
    lapsed = (
        ctx.accounts.lazy()
        .filter(pl.col("age_days") >= window)
        .join(activated, on=ACCOUNT, how="anti")
        .select(ACCOUNT, deadline.alias("end"), pl.lit(False).alias("converted"))
    )
    won = activated.select(
        ACCOUNT, pl.col("activated_at").alias("end"), pl.lit(True).alias("converted")
    )
    return pl.concat([won, lapsed])


def _transitions(paths: pl.LazyFrame) -> pl.DataFrame:
    """(src, dst, count) over every path start -> labels -> conv/null."""
    outcome = pl.when(pl.col("converted")).then(pl.lit("conv")).otherwise(pl.lit("null"))
    # A join upstream may reorder rows; each step's predecessor must come from the path order.
    paths = paths.sort(ACCOUNT, "pos")
    src = pl.col("label").shift(1).over(ACCOUNT).fill_null("start")
    steps = paths.select(src.alias("src"), pl.col("label").alias("dst"))
    last = paths.filter(pl.col("pos") == pl.col("n") - 1).select(
        pl.col("label").alias("src"), outcome.alias("dst")
    )
    return pl.concat([steps, last]).group_by("src", "dst").agg(pl.len().alias("count")).collect()


def _conversion_probability(matrix: np.ndarray, to_conv: np.ndarray, keep: np.ndarray) -> float:
    """P(reaching conv from start) in the absorbing chain with only `keep` states (start=0)."""
    q = matrix[np.ix_(keep, keep)]
    r = to_conv[keep]
    solved = np.linalg.solve(np.eye(len(keep)) - q, r)
    return float(solved[0])


def removal_effects(transitions: pl.DataFrame) -> dict[str, float]:
    """label -> removal effect (1 - P(conv without it) / P(conv)); empty if P(conv) is 0."""
    seen = set(transitions.get_column("src")) | set(transitions.get_column("dst"))
    labels = sorted(seen - {"start", "conv", "null"})
    states = ["start", *labels]
    index = {s: i for i, s in enumerate(states)}
    totals = transitions.group_by("src").agg(pl.col("count").sum().alias("total"))
    probs = transitions.join(totals, on="src").with_columns(
        (pl.col("count") / pl.col("total")).alias("p")
    )
    matrix = np.zeros((len(states), len(states)))
    to_conv = np.zeros(len(states))
    for src, dst, p in probs.select("src", "dst", "p").iter_rows():
        if dst == "conv":
            to_conv[index[src]] += p
        elif dst != "null":
            matrix[index[src], index[dst]] += p
    everything = np.arange(len(states))
    base = _conversion_probability(matrix, to_conv, everything)
    if base <= 0:
        return {}
    return {
        label: 1 - _conversion_probability(matrix, to_conv, everything[everything != i]) / base
        for label, i in index.items()
        if label != "start"
    }


def _markov_credits(ctx: Context, activated: pl.LazyFrame, touched: int) -> pl.DataFrame:
    outcomes = _known_outcomes(ctx, activated)
    paths = _touch_paths(ctx, outcomes.select(ACCOUNT, "end")).join(
        outcomes.select(ACCOUNT, "converted"), on=ACCOUNT
    )
    effects = removal_effects(_transitions(paths))
    total = sum(effects.values())
    rows = [(label, touched * e / total) for label, e in effects.items()] if total > 0 else []
    return pl.DataFrame(rows, schema={"label": pl.String, "markov": pl.Float64}, orient="row")


def attribution_table(ctx: Context) -> pl.DataFrame:
    """touchpoint, first_touch, last_touch, linear, time_decay, position_based, markov.

    Sorted by linear credit, highest first; every model column sums to the activated accounts.
    """
    activated = activation_times(ctx).collect().lazy()
    ends = activated.select(ACCOUNT, pl.col("activated_at").alias("end"))
    paths = _touch_paths(ctx, ends)
    rules = _rule_credits(paths).group_by("label").agg(pl.col(MODELS[:-1]).sum())
    touched = paths.select(pl.col(ACCOUNT).n_unique()).collect().item()
    untouched = activated.join(paths.select(ACCOUNT).unique(), on=ACCOUNT, how="anti")
    no_touch = untouched.select(
        pl.lit(NO_TOUCH).alias("label"), *[pl.len().cast(pl.Float64).alias(m) for m in MODELS]
    ).filter(pl.col("linear") > 0)
    markov = _markov_credits(ctx, activated, touched).lazy()
    table = rules.join(markov, on="label", how="full", coalesce=True)
    return (
        pl.concat([table.select("label", *MODELS), no_touch], how="vertical_relaxed")
        .with_columns(pl.col(MODELS).fill_null(0.0))
        .rename({"label": "touchpoint"})
        .sort(["linear", "touchpoint"], descending=[True, False])
        .collect()
    )


def attribution(data: Tables, plan: MeasurementPlan, as_of: date | None = None) -> pl.DataFrame:
    """Touchpoint credit toward activation by six models (see attribution_table)."""
    return attribution_table(build_context(data, plan, as_of))
