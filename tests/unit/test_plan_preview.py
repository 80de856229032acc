"""The score builder's preview: two plans compared on the same accounts and date."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from core.engine import build_context, score
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan, plan_from_dict
from core.scorecards.plan_preview import compare_plans, context_for, score_only
from core.workspace.demo_workspace import demo_dataset

PLAN = MeasurementPlan()


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return demo_dataset(accounts=300, seed=5)


def test_the_same_plan_moves_nobody(demo: Dataset):
    same = compare_plans(demo, PLAN, PLAN)
    assert same.moved == 0
    assert same.at_risk_before == same.at_risk_after
    assert same.value_before == same.value_after
    assert (same.moves["action_before"] == same.moves["action_after"]).all()


@pytest.mark.parametrize(
    "after",
    [
        replace(PLAN, penalties=replace(PLAN.penalties, ticket_primary=45)),
        replace(PLAN, bands=replace(PLAN.bands, escalate=60)),
        replace(PLAN, min_age_days=60),
        replace(PLAN, window_days=14),
        plan_from_dict(
            {"signals": [{"name": "Quiet", "event": "login", "window_days": 7, "penalty": 30}]}
        ),
    ],
    ids=["penalty", "band", "min-age", "window", "journey-signal"],
)
def test_the_comparison_is_the_two_score_tables_side_by_side(demo: Dataset, after: MeasurementPlan):
    result = compare_plans(demo, PLAN, after)
    before_scores, after_scores = score(demo, PLAN), score(demo, after)
    both = before_scores.join(after_scores, on="account_id", suffix="_after")
    moved = both.filter(
        pl.col("action").is_not_null() & (pl.col("action") != pl.col("action_after"))
    )
    assert sorted(result.changed["account_id"]) == sorted(moved["account_id"])
    assert result.moves["accounts"].sum() == both["action"].is_not_null().sum()
    risky = after_scores.filter(pl.col("action").is_in(["executive", "escalate"]))
    assert result.at_risk_after == len(risky)
    assert result.value_after == pytest.approx(risky["contract_value"].sum())
    assert result.moved > 0


def test_only_a_change_of_the_scores_terms_reuses_the_facts(demo: Dataset):
    penalties = replace(PLAN, penalties=replace(PLAN.penalties, single_user=5))
    assert score_only(PLAN, penalties)
    assert not score_only(PLAN, replace(PLAN, window_days=14))
    base = build_context(demo, PLAN)
    assert context_for(base, demo, penalties).activity is base.activity
    assert context_for(base, demo, replace(PLAN, window_days=14)).activity is not base.activity


def test_changed_accounts_are_listed_biggest_contract_first(demo: Dataset):
    after = replace(PLAN, bands=replace(PLAN.bands, escalate=90, watch=95))
    changed = compare_plans(demo, PLAN, after).changed
    values = changed["contract_value"].drop_nulls().to_list()
    assert values == sorted(values, reverse=True)
    assert set(changed["action_after"]) <= {"escalate", "executive", "watch"}
