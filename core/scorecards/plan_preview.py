"""What a change to the health-score settings would do, before it is saved: the score
builder's preview.

Both plans score the same accounts at the same date; the comparison counts the accounts whose
action (band) changes, lists them, and gives the accounts and contract value at risk
(executive or escalate) under each plan. When the change only touches what the score is
made of (penalties, bands, minimum age), the engine's facts are reused and only the score
is redone, so a preview stays quick on large data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from core.common.scalars import as_float
from core.engine import Context, Tables, build_context, score_table
from core.engine.signals import ACTIONS, AT_RISK_ACTIONS
from core.model.plan import MeasurementPlan

ACCOUNT_COLUMNS = ("account_id", "account_name", "segment", "csm", "contract_value")
CHANGED_SCHEMA = pl.Schema(
    {
        "account_id": pl.String,
        "account_name": pl.String,
        "segment": pl.String,
        "csm": pl.String,
        "contract_value": pl.Float64,
        "score_before": pl.Int64,
        "score_after": pl.Int64,
        "action_before": pl.String,
        "action_after": pl.String,
    }
)


@dataclass(frozen=True)
class PlanComparison:
    """moves: action_before, action_after, accounts (only pairs that occur, changes first).
    changed: CHANGED_SCHEMA, the accounts whose action changes, largest contract first."""

    moves: pl.DataFrame
    changed: pl.DataFrame
    at_risk_before: int
    at_risk_after: int
    value_before: float
    value_after: float

    @property
    def moved(self) -> int:
        return len(self.changed)


def score_only(before: MeasurementPlan, after: MeasurementPlan) -> bool:
    """Whether the plans differ only in what the score is made of (penalties, bands, minimum
    age, journey signals' penalties): the facts of one then serve the other."""
    same = replace(
        after,
        penalties=before.penalties,
        bands=before.bands,
        min_age_days=before.min_age_days,
        signals=tuple(
            replace(s, penalty=b.penalty)
            for s, b in zip(after.signals, before.signals, strict=False)
        ),
    )
    return len(after.signals) == len(before.signals) and same == before


def context_for(base: Context, data: Tables, plan: MeasurementPlan) -> Context:
    """The engine context of `plan` at base's date: base's facts when only the score's
    terms changed, else built anew."""
    if score_only(base.plan, plan):
        return replace(base, plan=plan, cache={})
    return build_context(data, plan, base.as_of)


def _at_risk(scores: pl.DataFrame) -> tuple[int, float]:
    risky = scores.filter(pl.col("action").is_in(AT_RISK_ACTIONS))
    return len(risky), as_float(risky.get_column("contract_value").sum()) or 0.0


def compare_scores(before: pl.DataFrame, after: pl.DataFrame) -> PlanComparison:
    """The comparison of two score tables of the same accounts (SCORE_COLUMNS)."""
    joined = before.select(
        *ACCOUNT_COLUMNS,
        pl.col("score").alias("score_before"),
        pl.col("action").alias("action_before"),
    ).join(
        after.select(
            "account_id",
            pl.col("score").alias("score_after"),
            pl.col("action").alias("action_after"),
        ),
        on="account_id",
    )
    live = joined.filter(pl.col("action_before").is_not_null())  # churned: no action either way
    rank = {a: i for i, a in enumerate(ACTIONS)}
    moves = (
        live.group_by("action_before", "action_after")
        .agg(pl.len().cast(pl.Int64).alias("accounts"))
        .with_columns(
            (pl.col("action_before") == pl.col("action_after")).alias("same"),
            pl.col("action_before").replace_strict(rank, default=len(rank)).alias("r1"),
            pl.col("action_after").replace_strict(rank, default=len(rank)).alias("r2"),
        )
        .sort("same", "r1", "r2")
        .select("action_before", "action_after", "accounts")
    )
    changed = (
        live.filter(pl.col("action_before") != pl.col("action_after"))
        .sort(["contract_value", "account_id"], descending=[True, False], nulls_last=True)
        .select(list(CHANGED_SCHEMA))
        .cast(CHANGED_SCHEMA)
    )
    n_before, v_before = _at_risk(before)
    n_after, v_after = _at_risk(after)
    return PlanComparison(moves, changed, n_before, n_after, v_before, v_after)


def compare_plans(
    data: Tables,
    before: MeasurementPlan,
    after: MeasurementPlan,
    as_of: date | None = None,
    *,
    base: Context | None = None,
) -> PlanComparison:
    """What scoring with `after` instead of `before` changes (see module docstring); `base`
    is before's context when the caller has one already."""
    ctx = base if base is not None and base.plan == before else build_context(data, before, as_of)
    return compare_scores(score_table(ctx), score_table(context_for(ctx, data, after)))
