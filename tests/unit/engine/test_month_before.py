"""The Scorecards' change since a month before comes from the context of the chosen date
(core.engine.metrics.account_metrics with `at`, built with build_context's `also`): every
account's metrics and the scorecard at the earlier date must be exactly what a context built
at that date gives, on the demo data and on data of another shape, from the raw events and
from the rollups, with every plan path (default lists, where a feature list is "every
event"; segment overrides; journey signals), at three dates and under filters."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core.data.rollups import rollups_of
from core.engine import RolledTables, build_context, scorecard_table
from core.engine.metrics import account_metrics, covers
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan
from core.scorecards.bundle import FilteredTables, Filters, build_bundle, month_before
from tests.unit.engine.test_rollups import PLANS, analysis_dates, demo, same, shaped

__all__ = ["demo", "shaped"]  # the data fixtures, shared with test_rollups


def _filters(data: Dataset) -> list[Filters]:
    """None; one segment; one CSM and a start range (the page's filters)."""
    accounts = data.accounts
    segment = accounts.get_column("segment").drop_nulls().sort().first()
    csm = accounts.get_column("csm").drop_nulls().sort().first()
    starts = accounts.get_column("start_date").sort()
    return [
        Filters(),
        Filters(segment=str(segment)),
        Filters(csms=(str(csm),), start_from=starts[len(starts) // 4], start_to=starts[-1]),
    ]


def _compare(data: object, plan: MeasurementPlan, as_of: date, filters: Filters, where: str):
    tables = FilteredTables(data, filters)  # type: ignore[arg-type]
    before = month_before(as_of)
    shared = build_context(tables, plan, as_of, also=(before,))
    own = build_context(tables, plan, before)
    assert covers(shared, before), where
    ordered = [pl.col("account_id")]
    same(
        account_metrics(shared, before).collect().sort(ordered),
        account_metrics(own).collect().sort(ordered),
        f"{where}: account metrics",
    )
    same(scorecard_table(shared, before), scorecard_table(own), f"{where}: scorecard")
    # and the chosen date's own numbers do not change with the wider context
    alone = build_context(tables, plan, as_of)
    same(
        account_metrics(shared).collect().sort(ordered),
        account_metrics(alone).collect().sort(ordered),
        f"{where}: account metrics at {as_of}",
    )


@pytest.mark.parametrize("which", ["demo", "shaped"])
@pytest.mark.parametrize("plan_name", sorted(PLANS))
def test_the_month_before_from_one_context_is_a_context_of_its_own(
    which: str, plan_name: str, request: pytest.FixtureRequest
):
    data: Dataset = request.getfixturevalue(which)
    plan = PLANS[plan_name]
    rolled = RolledTables(data, rollups_of(data))
    latest = build_context(data, plan).as_of
    for as_of in analysis_dates(data):
        day = as_of or latest
        for filters in _filters(data):
            for kind, tables in (("rollups", rolled), ("raw", data)):
                where = f"{which}, {plan_name}, {day}, {filters}, {kind}"
                if kind == "raw" and not covers(
                    build_context(data, plan, day, also=(month_before(day),)), month_before(day)
                ):
                    continue  # "every event" without rollups: the page builds two contexts
                _compare(tables, plan, day, filters, where)


def test_without_rollups_an_every_event_list_takes_a_context_of_its_own(demo: Dataset):
    """The raw path cannot size a list of "every event" at an earlier date: covers says so,
    account_metrics refuses, and the bundle builds the earlier context as before."""
    plan = PLANS["default"]
    day = build_context(demo, plan).as_of
    before = month_before(day)
    ctx = build_context(demo, plan, day, also=(before,))
    assert not covers(ctx, before)
    with pytest.raises(ValueError, match="does not cover"):
        account_metrics(ctx, before)
    raw, _ = build_bundle(demo, plan, day, Filters())
    rolled, _ = build_bundle(RolledTables(demo, rollups_of(demo)), plan, day, Filters())
    same(raw.cards, rolled.cards, "cards")


def test_a_date_outside_the_context_is_refused(demo: Dataset):
    plan = PLANS["custom"]
    ctx = build_context(demo, plan)
    assert not covers(ctx, month_before(ctx.as_of))  # built without `also`
    with pytest.raises(ValueError, match="does not cover"):
        account_metrics(ctx, month_before(ctx.as_of))
