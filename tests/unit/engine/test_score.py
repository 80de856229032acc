"""Signals, score, action, at-risk order and score_delta_7d on hand-built accounts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.engine import SCORE_COLUMNS, at_risk, build_context, reasons_table, score
from core.engine.score import explained_scores, history_table
from core.model.plan import Bands, MeasurementPlan, Penalties
from tests.support.builders import (
    AS_OF,
    account,
    at,
    dataset,
    days_ago,
    event,
    healthy,
    merge,
    touch,
    user,
)


def one(ds, plan: MeasurementPlan, as_of=AS_OF) -> dict:
    rows = score(ds, plan, as_of).to_dicts()
    assert len(rows) == 1
    return rows[0]


def test_healthy_account_scores_100(plan):
    row = one(merge(healthy()), plan)
    assert (row["score"], row["action"], row["signals"]) == (100, "healthy", "")
    assert row["ttv_days"] == 5
    assert row["age_days"] == 60


def test_columns_are_exactly_the_product_columns(plan):
    assert tuple(score(merge(healthy()), plan, AS_OF).columns) == SCORE_COLUMNS


# ------------------------------------------------------------------------ no_first_value


@pytest.mark.parametrize(("age", "fires"), [(14, False), (15, True)])
def test_no_first_value_fires_only_after_the_target(plan, age, fires):
    part = healthy(age=age)
    part["events"] = [e for e in part["events"] if e["event"] != "first_workflow_live"]
    row = one(merge(part), plan)
    assert ("no_first_value" in row["signals"]) is fires
    assert row["ttv_days"] is None


def test_first_value_before_start_does_not_count(plan):
    part = healthy(age=20)
    part["events"].append(event("h", "first_workflow_live", at(days_ago(25))))
    part["events"] = [e for e in part["events"] if e["timestamp"] != at(days_ago(15))]
    row = one(merge(part), plan)
    assert row["ttv_days"] is None
    assert row["signals"] == "no_first_value"
    assert row["score"] == 60


def test_first_value_on_the_start_date_is_day_zero(plan):
    part = healthy(age=20)
    part["events"].append(
        event("h", "first_workflow_live", datetime.combine(days_ago(20), datetime.min.time()))
    )
    assert one(merge(part), plan)["ttv_days"] == 0


def test_first_value_after_as_of_is_ignored(plan):
    part = healthy(age=20)
    part["events"] = [e for e in part["events"] if e["event"] != "first_workflow_live"]
    part["events"].append(event("h", "first_workflow_live", at(AS_OF + timedelta(days=1))))
    row = one(merge(part), plan, AS_OF)
    assert row["ttv_days"] is None
    assert row["signals"] == "no_first_value"


def test_utc_midnight_decides_the_day(plan):
    """An event at 23:59:59 UTC on as_of counts; one at 00:00 the next day does not."""
    part = healthy(age=20)
    part["events"] = [e for e in part["events"] if e["event"] != "first_workflow_live"]
    late = datetime.combine(AS_OF, datetime.max.time()).replace(microsecond=999_999)
    part["events"].append(event("h", "first_workflow_live", late))
    assert one(merge(part), plan)["ttv_days"] == 20
    part["events"][-1] = event("h", "first_workflow_live", late + timedelta(microseconds=1))
    assert one(merge(part), plan)["ttv_days"] is None


def test_segment_override_of_first_value_events(plan):
    seg = replace(plan.segments["SMB"], first_value_events=("report_viewed",))
    custom = replace(plan, segments={**plan.segments, "SMB": seg})
    part = healthy(age=20)
    part["events"] = [e for e in part["events"] if e["event"] != "first_workflow_live"]
    # report_viewed on days_ago(2) is the first first-value event: 18 days after start
    assert one(merge(part), custom)["ttv_days"] == 18
    assert one(merge(part), plan)["ttv_days"] is None


def test_segment_target_applies(plan):
    part = healthy(age=40, segment="Enterprise")
    part["events"] = [e for e in part["events"] if e["event"] != "first_workflow_live"]
    assert one(merge(part), plan)["signals"] == ""  # 40 <= 60 days for Enterprise


def test_reason_in_words(plan):
    part = healthy(age=42, segment="Mid-Market")
    part["events"] = [e for e in part["events"] if e["event"] != "first_workflow_live"]
    ds = merge(part)
    reasons = reasons_table(build_context(ds, plan, AS_OF))
    expected = pl.DataFrame(
        {
            "account_id": ["h"],
            "signal": ["no_first_value"],
            "penalty": [40],
            "reason": ["No first value 12 days after the 30-day target: -40"],
        }
    )
    assert_frame_equal(reasons, expected)
    explained = explained_scores(build_context(ds, plan, AS_OF))
    assert explained.get_column("reasons").to_list() == [expected.item(0, "reason")]


# --------------------------------------------------------------------------- single_user


def test_single_user_fires_with_one_active_user(plan):
    part = healthy()
    part["events"] = [e for e in part["events"] if e["user_id"] != "h-u2"]
    part["events"].append(event("h", "report_viewed", at(days_ago(3)), None))  # no user
    part["events"].append(event("h", "report_viewed", at(days_ago(3)), ""))  # empty user
    row = one(merge(part), plan)
    # h-u1 and the sponsor h-s are active: two users, so it does not fire ...
    assert row["signals"] == ""
    part["events"] = [e for e in part["events"] if e["user_id"] != "h-s"]
    part["touches"].append(touch("h", "email", at(days_ago(2)), user_id="h-s"))
    row = one(merge(part), plan)
    # ... but touches do not make a user active, and null/empty user ids are not users
    assert row["signals"] == "single_user"
    assert row["score"] == 75


def test_single_user_counts_only_the_last_window_days(plan):
    part = healthy()
    part["events"] = [e for e in part["events"] if e["user_id"] != "h-u2"]
    part["events"].append(event("h", "x", at(days_ago(30)), "h-u2"))  # day before the window
    assert one(merge(part), plan)["signals"] == ""  # u1 + sponsor
    part["events"] = [e for e in part["events"] if e["user_id"] != "h-s"]
    part["touches"].append(touch("h", "call", at(days_ago(1)), user_id="h-s"))
    assert one(merge(part), plan)["signals"] == "single_user"
    part["events"].append(event("h", "x", at(days_ago(29)), "h-u2"))  # first day of the window
    assert one(merge(part), plan)["signals"] == ""


def test_single_user_needs_age_30(plan):
    part = healthy(age=29)
    part["events"] = [e for e in part["events"] if e["user_id"] == "h-u1"]
    part["touches"].append(touch("h", "call", at(days_ago(1)), user_id="h-s"))
    assert one(merge(part), plan)["signals"] == ""


# -------------------------------------------------------------------- sponsor_disengaged


def _no_sponsor_events(part: dict) -> dict:
    part["events"] = [e for e in part["events"] if e["user_id"] != "h-s"]
    part["events"].append(event("h", "x", at(days_ago(3)), "h-u2"))
    return part


def test_sponsor_disengaged_fires_without_sponsor_activity(plan):
    row = one(merge(_no_sponsor_events(healthy())), plan)
    assert row["signals"] == "sponsor_disengaged"
    assert row["score"] == 80


def test_sponsor_touch_counts_as_engagement(plan):
    part = _no_sponsor_events(healthy())
    part["touches"].append(touch("h", "meeting", at(days_ago(10)), user_id="h-s"))
    assert one(merge(part), plan)["signals"] == ""


def test_sponsor_activity_during_kickoff_does_not_count(plan):
    """Age 35: start + 14 days = as_of - 21; sponsor activity on as_of - 22 is still kickoff."""
    part = _no_sponsor_events(healthy(age=35))
    part["events"].append(event("h", "x", at(days_ago(22)), "h-s"))
    assert one(merge(part), plan)["signals"] == "sponsor_disengaged"
    part["events"].append(event("h", "x", at(days_ago(21)), "h-s"))
    assert one(merge(part), plan)["signals"] == ""


def test_sponsor_activity_before_the_window_does_not_count(plan):
    part = _no_sponsor_events(healthy(age=90))
    part["events"].append(event("h", "x", at(days_ago(30)), "h-s"))
    assert one(merge(part), plan)["signals"] == "sponsor_disengaged"


def test_account_without_users_fires_user_and_sponsor_signals(plan):
    part = healthy()
    part["users"] = []
    part["events"] = [e for e in part["events"] if e["user_id"] == "h-u1"]
    row = one(merge(part), plan)
    assert row["signals"] == "single_user;sponsor_disengaged"
    assert row["score"] == 55
    assert row["action"] == "watch"


# ------------------------------------------------------------------------ ticket_primary


@pytest.mark.parametrize(
    ("channels", "fires"),
    [
        ([], False),
        (["ticket"], True),
        (["ticket", "email"], True),
        (["ticket", "email", "call"], False),
        (["ticket", "ticket", "email", "call"], True),
        (["email"], False),
    ],
)
def test_ticket_primary(plan, channels, fires):
    part = healthy()
    part["touches"] = [touch("h", c, at(days_ago(i + 1))) for i, c in enumerate(channels)]
    assert (one(merge(part), plan)["signals"] == "ticket_primary") is fires


def test_ticket_outside_the_window_is_ignored(plan):
    part = healthy()
    part["touches"] = [touch("h", "ticket", at(days_ago(30))), touch("h", "email", at(days_ago(2)))]
    assert one(merge(part), plan)["signals"] == ""


# ----------------------------------------------------------------- score, action, bands


def test_score_never_below_zero():
    plan = MeasurementPlan(penalties=Penalties(60, 60, 60, 60))
    ds = dataset([account("z", days_ago(40))])
    row = one(ds, plan)
    assert row["signals"] == "no_first_value;single_user;sponsor_disengaged"
    assert row["score"] == 0
    assert row["action"] == "executive"


@pytest.mark.parametrize(
    ("age", "expected"),
    [(29, "watch"), (30, "executive")],
)
def test_escalation_needs_min_age(plan, age, expected):
    # every signal but ticket_primary fires from day 30: 100 - 40 - 25 - 20 = 15
    ds = dataset([account("z", days_ago(age))], touches=[touch("z", "email", at(days_ago(1)))])
    row = one(ds, plan)
    assert row["action"] == expected


def test_bands(plan):
    # no_first_value only: 60 -> watch; plus sponsor: 40 -> escalate; plus single_user: 15
    part = healthy(age=45)
    part["events"] = [e for e in part["events"] if e["event"] != "first_workflow_live"]
    assert one(merge(part), plan)["action"] == "watch"
    part = _no_sponsor_events(part)
    row = one(merge(part), plan)
    assert (row["score"], row["action"]) == (40, "escalate")
    custom = replace(plan, bands=Bands(executive=45, escalate=50, watch=70))
    assert one(merge(part), custom)["action"] == "executive"


def test_churned_accounts_are_scored_without_action(plan):
    part = healthy(churn_date=days_ago(0))
    row = one(merge(part), plan)
    assert row["score"] == 100
    assert row["action"] is None
    part = healthy(churn_date=AS_OF + timedelta(days=1))
    assert one(merge(part), plan)["action"] == "healthy"


def test_accounts_starting_after_as_of_are_left_out(plan):
    ds = merge(healthy(), {"accounts": [account("future", AS_OF + timedelta(days=1))]})
    assert score(ds, plan, AS_OF).get_column("account_id").to_list() == ["h"]


def test_duplicate_events_change_nothing(plan):
    part = healthy()
    doubled = merge({**part, "events": part["events"] * 3})
    assert_frame_equal(score(doubled, plan, AS_OF), score(merge(part), plan, AS_OF))


def test_default_as_of_is_the_latest_event_date(plan):
    part = healthy()
    part["events"].append(event("h", "x", datetime(2026, 4, 3, 23, 59), "h-u1"))
    assert one(merge(part), plan, None)["age_days"] == 63


# ------------------------------------------------------------------------- score delta


def test_score_delta_7d(plan):
    """A week ago the second user and the sponsor were not active yet."""
    part = healthy(age=60)
    part["events"] += [event("h", "x", at(days_ago(20)), "h-u1")]
    row = one(merge(part), plan)
    # at as_of - 7: u1 active (day 20 ago is in the window), no sponsor -> 100 - 25 - 20 = 55
    assert row["score_delta_7d"] == 100 - 55


def test_score_delta_missing_when_not_started_a_week_ago(plan):
    ds = merge(healthy(age=6))
    assert one(ds, plan)["score_delta_7d"] is None
    ds = merge(healthy(age=7))
    assert one(ds, plan)["score_delta_7d"] == 0


def test_history_is_weekly_and_ends_at_as_of(plan):
    ds = merge(healthy(age=15))
    ctx = build_context(ds, plan, AS_OF, since=days_ago(15))
    history = history_table(ctx)
    assert history.get_column("as_of").to_list() == [days_ago(14), days_ago(7), AS_OF]
    assert history.get_column("score").to_list() == [100, 100, 100]


# ------------------------------------------------------------------------------ at-risk


def test_at_risk_order(plan):
    def risky(account_id: str, value: float | None, age: int = 40) -> dict:
        return {"accounts": [account(account_id, days_ago(age), contract_value=value)]}

    ds = merge(
        risky("c", 10.0),
        risky("a", None),
        risky("b", 10.0),
        risky("d", 99.0),
        risky("e", 5.0, age=20),  # too young to escalate
        {"touches": [touch("d", "ticket", at(days_ago(1)))]},  # score 0
        merge_users := {"users": []},
    )
    del merge_users
    table = at_risk(ds, plan, AS_OF)
    assert table.get_column("account_id").to_list() == ["d", "b", "c", "a"]
    assert table.get_column("score").to_list() == [0, 15, 15, 15]
    assert set(table.get_column("action")) == {"executive"}


def test_users_table_rows_of_other_accounts_do_not_leak(plan):
    ds = merge(healthy("p"), healthy("q"), {"users": [user("stray", "p", "exec_sponsor")]})
    assert score(ds, plan, AS_OF).get_column("score").to_list() == [100, 100]
