"""The engine's shortcuts give exactly the numbers of its general path.

When every segment shares one event list the counts skip the join on segment, key events
are grouped on integer codes, and the filters run on raw timestamps; these tests compute
the same outputs with the shortcut switched off (or by the plain definition) and compare.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.engine import build_context, funnel_table, score_table, scorecard_table
from core.engine.frames import Context, event_names
from core.engine.metrics import account_metrics
from core.model.dataset import Dataset
from core.model.plan import EventLists, MeasurementPlan, SegmentPlan, default_segments
from core.workspace.demo_workspace import demo_dataset
from tests.support.builders import account, at, dataset, days_ago, event, user


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return demo_dataset(accounts=300, seed=5)


def _override_plan() -> MeasurementPlan:
    segments = default_segments()
    smb = segments["SMB"]
    segments["SMB"] = SegmentPlan(
        **{
            **{f: getattr(smb, f) for f in smb.__dataclass_fields__},
            "feature_events": ("login", "report_viewed"),
            "expansion_events": ("access_requested",),
            "activation_events": ("user_invited", "first_workflow_live"),
            "milestone_events": ("kickoff_completed", "first_workflow_live"),
        }
    )
    return MeasurementPlan(segments=segments)


PLANS = {
    "default": MeasurementPlan(),
    "features listed": MeasurementPlan(events=EventLists(feature_events=("login", "x"))),
    "segment overrides": _override_plan(),
}


def _without_shortcuts(ctx: Context) -> Context:
    class General(Context):
        def common_events(self, kind: str) -> list[str] | None:
            return None

    return General(**{f: getattr(ctx, f) for f in ctx.__dataclass_fields__ if f != "cache"})


@pytest.mark.parametrize("name", PLANS)
def test_common_lists_shortcut_matches_the_join_on_segment(demo, name):
    plan = PLANS[name]
    ctx = build_context(demo, plan)
    general = _without_shortcuts(ctx)
    assert_frame_equal(
        account_metrics(ctx).collect().sort("account_id"),
        account_metrics(general).collect().sort("account_id"),
    )
    assert_frame_equal(scorecard_table(ctx), scorecard_table(general))


def test_accounts_without_a_segment_count_no_listed_events(plan):
    """No segment and no contract value: no event list applies, so nothing is counted."""
    start = days_ago(60)
    accounts = [account("n", start, segment=None, contract_value=None), account("s", start)]
    events = [
        event(a, name, at(start + timedelta(days=1)), "u1" if a == "n" else "u2")
        for a in ("n", "s")
        for name in ("integration_connected", "user_invited", "first_workflow_live")
    ]
    events += [
        event(a, "access_requested", at(days_ago(2)), f"u{i}") for i, a in [(1, "n"), (2, "s")]
    ]
    data = dataset(accounts, events, [user("u1", "n"), user("u2", "s")])
    metrics = account_metrics(build_context(data, plan)).collect().sort("account_id")
    rows = {r["account_id"]: r for r in metrics.to_dicts()}
    assert rows["n"]["expansion_events"] == 0
    assert rows["n"]["activation_done"] == 0
    assert rows["s"]["expansion_events"] == 1
    assert rows["s"]["activation_done"] == 3


def _first_events_by_definition(data: Dataset, ctx: Context) -> pl.DataFrame:
    starts = ctx.accounts.select("account_id", "start_date")
    return (
        data.events.filter(pl.col("timestamp").dt.date() <= ctx.as_of)
        .join(starts, on="account_id")
        .filter(pl.col("timestamp").dt.date() >= pl.col("start_date"))
        .filter(pl.col("event").is_in(ctx.first_events.get_column("event").unique().to_list()))
        .group_by("account_id", "event")
        .agg(pl.col("timestamp").min().alias("first_at"))
        .sort("account_id", "event")
    )


@pytest.mark.parametrize("as_of", [None, date(2026, 1, 1)])
def test_first_events_on_integer_codes_match_the_definition(demo, as_of):
    ctx = build_context(demo, MeasurementPlan(), as_of)
    assert_frame_equal(
        ctx.first_events.sort("account_id", "event"), _first_events_by_definition(demo, ctx)
    )


def test_timestamp_filters_keep_whole_days_at_both_ends(plan):
    """Raw-timestamp bounds: 23:59:59.999999 on as_of counts, 00:00 the next day does not
    (two active users, so single_user stays quiet only if the last microsecond counts)."""
    start = days_ago(40)
    as_of = days_ago(0)
    last = datetime.combine(as_of, datetime.max.time())
    events = [
        event("a", "login", at(days_ago(3)), "u1"),
        event("a", "login", last, "u2"),
        event("a", "login", datetime.combine(as_of + timedelta(days=1), datetime.min.time()), "u3"),
    ]
    data = dataset([account("a", start)], events, [])
    ctx = build_context(data, plan, as_of)
    assert ctx.activity.get_column("user_id").to_list().count("u2") == 1
    assert "u3" not in ctx.activity.get_column("user_id").to_list()
    assert score_table(ctx).item(0, "signals") == "no_first_value;sponsor_disengaged"
    assert funnel_table(ctx).item(0, "reached") == 0


def _names_by_definition(data: Dataset, as_of: date) -> list[str]:
    dated = data.events.filter(pl.col("timestamp").dt.date() <= as_of)
    return sorted(dated.get_column("event").drop_nulls().unique().to_list())


@pytest.mark.parametrize("as_of", [None, date(2025, 6, 1), date(2026, 1, 1)])
def test_event_names_from_known_names_match_the_definition(demo, as_of):
    ctx = build_context(demo, MeasurementPlan(), as_of)
    features = ctx.sets.filter(pl.col("kind") == "feature").get_column("event").unique()
    assert sorted(features.to_list()) == _names_by_definition(demo, ctx.as_of)


@pytest.mark.parametrize("known", [[], ["login"], ["login", "old_only"]])
def test_event_names_check_the_dates_of_names_not_known(plan, known):
    """Whatever the caller already knew, a name counts only with an event dated on or
    before as_of: old events count, events after as_of do not."""
    start = days_ago(200)
    events = [
        event("a", "old_only", at(start + timedelta(days=1))),
        event("a", "login", at(days_ago(1))),
        event("a", "late_only", at(days_ago(-3))),
    ]
    data = dataset([account("a", start)], events, [])
    assert event_names(data, days_ago(0), known) == ["login", "old_only"]


def test_the_funnel_is_computed_once_per_context_and_segment(demo, monkeypatch):
    """The page draws the funnel and its what-if starts from it: the occurrences are
    followed once per segment, and the kept table is the one a fresh context makes."""
    from core.engine import what_if

    funnel_module = importlib.import_module("core.engine.funnel")  # the name is a function too

    calls: list[str | None] = []
    original = funnel_module.reach_times

    def counted(ctx: Context, segment: str | None = None) -> list[pl.DataFrame]:
        calls.append(segment)
        return original(ctx, segment)

    monkeypatch.setattr(funnel_module, "reach_times", counted)
    ctx = build_context(demo, MeasurementPlan())
    first = funnel_table(ctx)
    what_if(ctx, 1, 0.9)
    assert funnel_table(ctx) is first
    funnel_table(ctx, "SMB")
    assert calls == [None, "SMB"]
    assert_frame_equal(first, funnel_table(build_context(demo, MeasurementPlan())))
