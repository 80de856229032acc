"""Scorecard metrics on a hand-built data set whose every number is worked out below."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.engine import SCORECARD_COLUMNS, build_context, cohort_table, scorecard
from core.engine.km import km_median
from core.engine.scorecard import scorecard_status, scorecard_table
from core.model.plan import EventLists, MeasurementPlan
from tests.support.builders import AS_OF, account, at, dataset, days_ago, event, touch, user

FEATURES = ("report_viewed", "dashboard_shared")


def _on(start, day: int):
    return at(start + timedelta(days=day))


def scenario():
    s1, s2, s3, s4, s5, m1 = (days_ago(n) for n in (100, 60, 95, 10, 200, 45))
    accounts = [
        account("s1", s1, contract_value=10_000.0, licensed_seats=4),
        account("s2", s2, contract_value=20_000.0, licensed_seats=1),
        account("s3", s3, contract_value=5_000.0, licensed_seats=10, churn_date=days_ago(15)),
        account("s4", s4),
        account("s5", s5, contract_value=1_000.0),
        account("m1", m1, segment="Mid-Market", contract_value=50_000.0, licensed_seats=5),
    ]
    users = [user("u1", "s1", team="A"), user("u2", "s1", team="B"), user("u3", "s2", team="A")]
    s1_steps = [
        ("kickoff_completed", 0),
        ("integration_connected", 1),
        ("user_invited", 2),
        ("data_imported", 2),
        ("users_trained", 2),
        ("first_workflow_live", 3),
        ("qbr_completed", 50),
    ]
    events = [event("s1", name, _on(s1, day)) for name, day in s1_steps]
    events += [
        event("s1", "report_viewed", at(days_ago(1)), "u1"),
        event("s1", "login", at(days_ago(2)), "u2"),
        event("s2", "integration_connected", _on(s2, 1)),
        event("s2", "first_workflow_live", _on(s2, 20), "u3"),
        event("s2", "user_invited", _on(s2, 40)),
        event("s2", "login", at(days_ago(5)), "u3"),
        event("s3", "report_viewed", at(days_ago(3)), "u4"),
        event("s4", "first_workflow_live", _on(s4, 2)),
    ]
    touches = [
        touch("s1", "email", at(days_ago(50)), csat=5.0),
        touch("s1", "call", at(days_ago(40)), csat=4.0),
        touch("s1", "email", at(days_ago(70))),
        touch("s1", "email", at(AS_OF + timedelta(days=1)), csat=1.0),
        touch("s2", "ticket", at(days_ago(45)), csat=3.0),
    ]
    return dataset(accounts, events, users, touches)


@pytest.fixture
def feature_plan() -> MeasurementPlan:
    return MeasurementPlan(events=EventLists(feature_events=FEATURES))


def test_scorecard_by_hand(feature_plan):
    expected = pl.DataFrame(
        {
            "segment": ["Mid-Market", "SMB", "All"],
            "accounts": [1, 5, 6],
            "ttv_median_days": [None, 3.0, 3.0],
            "ttv_median_km_days": [None, 20.0, 20.0],
            "fv_on_time_rate": [0.0, 0.25, 0.2],
            "activation_rate": [0.0, 0.25, 0.2],
            "user_adoption_rate": [0.0, 0.75, 0.5],
            "completion_rate": [None, 0.25, 0.25],
            "adoption_depth": [0.0, 1 / 6, 0.125],
            "early_retention_90d": [None, 2 / 3, 2 / 3],
            "expansion_ready_rate": [0.0, 2 / 3, 0.5],
            "csat_mean": [None, 4.0, 4.0],
            "at_risk_accounts": [1, 1, 2],
            "at_risk_value": [50_000.0, 1_000.0, 51_000.0],
        },
        schema_overrides={"accounts": pl.Int64, "at_risk_accounts": pl.Int64},
    )
    card = scorecard(scenario(), feature_plan, AS_OF)
    assert tuple(card.columns) == SCORECARD_COLUMNS
    assert_frame_equal(card, expected, check_dtypes=False)


def test_feature_events_default_to_every_event_up_to_as_of(plan):
    """Events up to as_of: the 7 milestones, report_viewed and login = 9 names.
    An event name seen only after as_of does not widen the list."""
    ds = scenario()
    late = pl.DataFrame(
        [event("s1", "only_in_future", at(AS_OF + timedelta(days=3)), "u1")],
        schema=ds.events.schema,
        orient="row",
    )
    ds = replace(ds, events=pl.concat([ds.events, late]))
    card = scorecard(ds, plan, AS_OF)
    # in the window, s1: report_viewed + login = 2 / 9; s2: user_invited + login = 2 / 9; s5: 0
    assert card.filter(pl.col("segment") == "SMB").item(0, "adoption_depth") == pytest.approx(
        (2 / 9 + 2 / 9) / 3
    )


def test_empty_feature_list_gives_missing_depth():
    plan = MeasurementPlan(events=EventLists(feature_events=()))
    card = scorecard(scenario(), plan, AS_OF)
    assert card.get_column("adoption_depth").null_count() == 3


def test_every_rate_is_missing_without_accounts(plan):
    ds = dataset([account("new", AS_OF)])  # age 0: no denominator has it
    card = scorecard(ds, plan, AS_OF)
    row = card.row(0, named=True)
    assert row["accounts"] == 1
    rates = [c for c in SCORECARD_COLUMNS[2:12]]
    assert all(row[c] is None for c in rates)
    assert row["at_risk_accounts"] == 0


def test_no_accounts_gives_an_all_row_only(plan):
    card = scorecard(dataset([account("later", AS_OF + timedelta(days=1))]), plan, AS_OF)
    assert card.get_column("segment").to_list() == ["All"] or card.is_empty()


def test_activation_deadline_is_inclusive(plan):
    start = days_ago(40)
    events = [
        event("a", e, at(start + timedelta(days=30), 23, 59)) for e in plan.events.activation_events
    ]
    card = scorecard(dataset([account("a", start)], events), plan, AS_OF)
    assert card.item(0, "activation_rate") == 1.0
    late = [
        event("a", e, at(start + timedelta(days=31), 0, 1)) for e in plan.events.activation_events
    ]
    card = scorecard(dataset([account("a", start)], late), plan, AS_OF)
    assert card.item(0, "activation_rate") == 0.0


def test_median_of_even_count_is_mean_of_middle_values(plan):
    accounts = [account(f"a{i}", days_ago(60)) for i in range(4)]
    events = [
        event(f"a{i}", "first_workflow_live", at(days_ago(60 - d)))
        for i, d in enumerate((1, 2, 4, 9))
    ]
    card = scorecard(dataset(accounts, events), plan, AS_OF)
    assert card.item(0, "ttv_median_days") == 3.0
    # KM without censoring: S drops to 0.5 at the second event (t = 2)
    assert card.item(0, "ttv_median_km_days") == 2.0


@pytest.mark.parametrize(
    ("times", "events", "expected"),
    [
        ([1, 2], [True, False], 1.0),  # at risk 2, 1 event -> S(1) = 0.5
        ([5, 5, 5, 9], [True, False, False, True], 9.0),  # S(5) = 3/4, S(9) = 0
        ([3, 3], [True, True], 3.0),
        ([4], [False], None),
        ([2, 4, 4, 6], [True, True, False, False], 4.0),  # 3/4 then 3/4 * 2/3 = 1/2
    ],
)
def test_km_median(times, events, expected):
    frame = pl.LazyFrame({"g": "x", "km_time": times, "km_event": events})
    result = km_median(frame, "g").collect()
    value = result.item(0, "ttv_median_km_days") if len(result) else None
    assert value == expected


def test_km_ties_count_events_before_censoring():
    """Event and censoring at the same t: the censored account is still at risk at t."""
    frame = pl.LazyFrame({"g": "x", "km_time": [3, 3, 8], "km_event": [True, False, True]})
    # at t=3: 3 at risk, 1 event -> S = 2/3; t=8: 1 at risk -> 0
    assert km_median(frame, "g").collect().item(0, "ttv_median_km_days") == 8.0


def test_km_censors_at_churn(plan):
    """Churned 10 days after start without first value: censored at 10, not at age."""
    ds = dataset(
        [
            account("c", days_ago(100), churn_date=days_ago(90)),
            account("f", days_ago(100)),
        ],
        [event("f", "first_workflow_live", at(days_ago(50)))],
    )
    # times: c censored at 10, f event at 50 -> at 50 one at risk -> S = 0
    assert scorecard(ds, plan, AS_OF).item(0, "ttv_median_km_days") == 50.0


def test_cohorts_by_start_month(feature_plan):
    cohorts = cohort_table(build_context(scenario(), feature_plan, AS_OF))
    months = sorted(
        {d.strftime("%Y-%m") for d in (days_ago(n) for n in (100, 60, 95, 10, 200, 45))}
    )
    assert cohorts.get_column("cohort").to_list() == [*months, "All"]
    assert cohorts.filter(pl.col("cohort") == "All").item(0, "accounts") == 6


def test_status_against_targets(feature_plan):
    card = scorecard_table(build_context(scenario(), feature_plan, AS_OF))
    status = scorecard_status(card, feature_plan)
    smb = {r["metric"]: r for r in status.filter(pl.col("segment") == "SMB").to_dicts()}
    assert (smb["ttv_median_days"]["target"], smb["ttv_median_days"]["status"]) == (
        14.0,
        "on target",
    )
    assert smb["ttv_median_km_days"]["status"] == "off"  # 20 > 14 * 1.1
    assert smb["user_adoption_rate"]["status"] == "on target"  # 0.75 >= 0.4
    assert smb["activation_rate"]["target"] == 0.7
    assert smb["csat_mean"]["status"] == "on target"  # 4.0 >= 4.0
    assert smb["adoption_depth"]["status"] is None
    mm = {r["metric"]: r for r in status.filter(pl.col("segment") == "Mid-Market").to_dicts()}
    assert mm["completion_rate"]["status"] is None  # no value
    near = pl.DataFrame({"segment": ["SMB"], **{c: [None] for c in SCORECARD_COLUMNS[1:]}})
    near = near.with_columns(pl.lit(0.37).alias("user_adoption_rate"))
    row = scorecard_status(near, feature_plan).filter(pl.col("metric") == "user_adoption_rate")
    assert row.item(0, "status") == "near"  # 0.37 >= 0.4 * 0.9


def test_cohort_rates_wait_until_half_the_month_is_old_enough():
    """A month whose accounts are mostly too young shows no rate, not its early few's."""
    from core.engine import judged_cohort_table

    # SMB: first value due at day 14. Two accounts 20 days old, three 5 days old: 2 of 5.
    ages = (20, 20, 5, 5, 5)
    accounts = [account(f"a{i}", days_ago(age)) for i, age in enumerate(ages)]
    ctx = build_context(dataset(accounts), MeasurementPlan(), AS_OF)
    plain, judged = cohort_table(ctx), judged_cohort_table(ctx)
    month = plain.filter(pl.col("cohort") != "All")
    assert month["fv_on_time_rate"].to_list() == [0.0]  # two judged, neither on time
    assert judged.filter(pl.col("cohort") != "All")["fv_on_time_rate"].to_list() == [None]
    assert_frame_equal(
        judged.filter(pl.col("cohort") == "All"), plain.filter(pl.col("cohort") == "All")
    )
    assert judged.columns == plain.columns
    # Once three of the five are old enough, the month's rate is shown.
    later = build_context(dataset(accounts), MeasurementPlan(), AS_OF + timedelta(days=9))
    shown = judged_cohort_table(later).filter(pl.col("cohort") != "All")
    assert shown["fv_on_time_rate"].to_list() == [0.0]
