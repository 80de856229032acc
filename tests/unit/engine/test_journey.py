"""Funnel, bottleneck and what-if on hand-built journeys."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.engine import bottleneck, build_context, funnel, what_if
from core.engine.funnel import FUNNEL_SCHEMA
from core.engine.whatif import what_if_steps
from core.model.plan import EventLists, MeasurementPlan
from tests.support.builders import AS_OF, account, at, dataset, days_ago, event

STEPS = ("a", "b", "c")
PLAN = MeasurementPlan(events=EventLists(milestone_events=STEPS, first_value_events=("b",)))


def journeys():
    start = days_ago(100)

    def on(day: int, hour: int = 12):
        return at(start + timedelta(days=day), hour)

    events = [
        # x: a (day 1) -> b (day 2) -> c (day 10)
        event("x", "a", on(1)),
        event("x", "b", on(2)),
        event("x", "c", on(10)),
        # y: b before a does not count; a again later, then b after it counts
        event("y", "b", on(1)),
        event("y", "a", on(3)),
        event("y", "b", on(4)),
        # z: a only, plus c; c without b never counts; duplicates change nothing
        event("z", "a", on(5)),
        event("z", "a", on(5)),
        event("z", "c", on(6)),
        # w: a before its start date does not count; b, c after as_of neither
        event("w", "a", at(start - timedelta(days=1))),
        event("w", "a", on(2)),
        event("w", "b", at(AS_OF + timedelta(days=1))),
    ]
    accounts = [account(a, start) for a in ("x", "y", "z", "w", "v")]
    return dataset(accounts, events)


def test_funnel_by_hand():
    table = funnel(journeys(), PLAN, AS_OF)
    expected = pl.DataFrame(
        {
            "step": [1, 2, 3],
            "event": list(STEPS),
            "reached": [4, 2, 1],
            "step_conversion": [4 / 5, 2 / 4, 1 / 2],
            "overall_conversion": [4 / 5, 2 / 5, 1 / 5],
            "dropoff": [1, 2, 1],
            # days from start: a: x 1, y 3, z 5, w 2 -> 2.5; b: x 2, y 4 -> 3; c: x 10
            "median_days_from_start": [2.5, 3.0, 10.0],
        },
        schema=FUNNEL_SCHEMA,
    )
    assert_frame_equal(table, expected)


def test_same_timestamp_counts_as_at_or_after():
    ds = dataset([account("s", days_ago(10))], [event("s", e, at(days_ago(5))) for e in STEPS])
    assert funnel(ds, PLAN, AS_OF).get_column("reached").to_list() == [1, 1, 1]


def test_funnel_without_accounts_has_missing_rates():
    ds = dataset([account("late", AS_OF + timedelta(days=1))])
    table = funnel(ds, PLAN, AS_OF)
    assert table.get_column("reached").to_list() == [0, 0, 0]
    assert table.get_column("step_conversion").null_count() == 3
    assert table.get_column("overall_conversion").null_count() == 3


def test_funnel_for_one_segment_uses_its_list():
    seg = replace(PLAN.segments["SMB"], milestone_events=("c",))
    plan = replace(PLAN, segments={**PLAN.segments, "SMB": seg})
    table = funnel(journeys(), plan, AS_OF, segment="SMB")
    assert table.select("event", "reached").rows() == [("c", 2)]
    assert funnel(journeys(), plan, AS_OF, segment="Enterprise").item(0, "step_conversion") is None


def test_bottleneck_is_lowest_step_conversion():
    table = funnel(journeys(), PLAN, AS_OF)
    assert bottleneck(table).item(0, "step") == 2  # 0.5 at steps 2 and 3: the earlier


def test_what_if_holds_later_conversions():
    table = funnel(journeys(), PLAN, AS_OF)
    steps = what_if_steps(table, 2, 1.0)
    # step 2 from 4 * 0.5 = 2 to 4 * 1.0 = 4; step 3 keeps its 0.5 -> 2
    assert steps.get_column("reached_what_if").to_list() == pytest.approx([4.0, 4.0, 2.0])
    assert steps.get_column("extra").to_list() == pytest.approx([0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="step"):
        what_if_steps(table, 4, 0.5)


def test_what_if_value_kept_uses_measured_retention():
    ds = journeys()
    churn = {"y": None, "x": None, "z": days_ago(50), "w": None, "v": days_ago(80)}
    accounts = ds.accounts.with_columns(
        pl.col("account_id").replace_strict(churn, return_dtype=pl.Date).alias("churn_date"),
        pl.lit(1000.0).alias("contract_value"),
    )
    ctx = build_context(replace(ds, accounts=accounts), PLAN, AS_OF)
    result = what_if(ctx, 2, 1.0)
    # first value = step 2 (event b); x, y reached it and stayed: 1.0; z, w, v did not, and
    # z, v churned within 90 days of start: 1/3 retained -> value = 2 * 1000 * (1 - 1/3)
    assert result.first_value_step == 2
    assert result.extra_first_value == pytest.approx(2.0)
    assert result.retention_first_value == 1.0
    assert result.retention_no_first_value == pytest.approx(1 / 3)
    assert result.value_kept == pytest.approx(2 * 1000 * (2 / 3))
