"""The at-risk list's core: reasons in words, plays from journey-map risk points, filters,
totals, and the account detail."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from core.at_risk import account_detail, listing
from core.at_risk.listing import NO_PLAY, ListFilters
from core.at_risk.risk_states import STATE_SCHEMA, state_label
from core.engine import at_risk_table, build_context, score_table
from core.model.plan import MeasurementPlan
from tests.support.builders import AS_OF, account, at, dataset, days_ago, event, merge, touch, user

PLAN = MeasurementPlan()


def _risky(account_id: str, segment: str = "SMB", value: float = 10_000.0) -> dict:
    """No first value after 60 days, one user, no sponsor, tickets only: score 0."""
    start = days_ago(60)
    u = f"{account_id}-u"
    return {
        "accounts": [account(account_id, start, segment=segment, contract_value=value, csm="Kim")],
        "users": [user(u, account_id, "champion")],
        "events": [event(account_id, "kickoff_completed", at(start + timedelta(days=2)), u)],
        "touches": [touch(account_id, "ticket", at(days_ago(3)), user_id=u)],
    }


@pytest.fixture
def data():
    return merge(_risky("a", "SMB"), _risky("b", "Enterprise", 200_000.0), _risky("c"))


def _list(data, plays=None, states=None) -> pl.DataFrame:
    ctx = build_context(data, PLAN, AS_OF)
    risk = at_risk_table(score_table(ctx))
    plays = plays if plays is not None else pl.DataFrame(schema=listing.PLAY_SCHEMA)
    states = states if states is not None else pl.DataFrame(schema=STATE_SCHEMA)
    return listing.build_list(risk, PLAN, plays, states)


def test_reasons_are_sentences_with_penalties(data):
    listed = _list(data)
    row = listed.filter(pl.col("account_id") == "a").row(0, named=True)
    assert row["reasons"].startswith("No first value 46 days after the 14-day target (−40)")
    assert "One active user or none in the last 30 days (−25)" in row["reasons"]
    assert (
        row["signals"] == "No first value, Single user, Sponsor disengaged, Tickets as main channel"
    )
    assert row["action"] == "■ Executive"
    assert row["risk_state"] == state_label("open")


def test_plays_come_from_the_segment_map_then_the_common_map(data):
    plays = pl.DataFrame(
        [
            ("SMB", "no_first_value", "Book a setup call", "Onboarding team", "SMB map"),
            ("SMB", "no_first_value", "Second choice", "Nobody", "SMB map"),
            (None, "single_user", "In-app invite prompt", "Growth", "All map"),
        ],
        schema=listing.PLAY_SCHEMA,
        orient="row",
    )
    listed = _list(data, plays)
    smb = listed.filter(pl.col("account_id") == "a").row(0, named=True)
    assert smb["play"] == ("No first value: Book a setup call | Single user: In-app invite prompt")
    assert smb["play_owner"] == "Onboarding team, Growth"
    ent = listed.filter(pl.col("account_id") == "b").row(0, named=True)
    assert ent["play"] == "Single user: In-app invite prompt"  # the common map fills in


def test_without_plays_the_list_says_what_to_do(data):
    listed = _list(data)
    assert set(listed.get_column("play")) == {NO_PLAY}
    assert "add a risk point on the journey map" in NO_PLAY


def test_filters_sort_and_totals(data):
    states = pl.DataFrame(
        [("c", state_label("saved"), "done", "", None)], schema=STATE_SCHEMA, orient="row"
    )
    listed = _list(data, states=states)
    # b (Enterprise) is not yet past its 60-day first-value target: 40, escalate
    assert listed.get_column("account_id").to_list() == ["a", "c", "b"]
    smb = listing.apply_filters(listed, ListFilters(segments=("SMB",)))
    assert smb.get_column("account_id").to_list() == ["a", "c"]
    saved = listing.apply_filters(listed, ListFilters(states=(state_label("saved"),)))
    assert saved.get_column("note").to_list() == ["done"]
    signal = listing.apply_filters(listed, ListFilters(signals=("ticket_primary",)))
    assert signal.height == 3
    escalate = listing.apply_filters(listed, ListFilters(actions=("escalate",)))
    assert escalate.get_column("account_id").to_list() == ["b"]
    by_value = listing.sort_list(listed, "contract_value", descending=True)
    assert by_value.get_column("account_id").to_list() == ["b", "a", "c"]
    t = listing.totals(listed)
    assert (t.accounts, t.contract_value, t.executive, t.escalate) == (3, 220_000.0, 2, 1)


def test_account_detail(data):
    detail = account_detail.account_detail(data, PLAN, AS_OF, "a", {"kickoff_completed": 1})
    assert detail is not None
    assert detail.profile["age_days"] == 60
    steps = detail.milestones.select("milestone", "target_day", "target_from", "status").rows()
    assert steps[0] == ("kickoff_completed", 1, "journey map", "▲ Reached 1 days late")
    fv = next(r for r in steps if r[0] == "first_workflow_live")
    assert fv == ("first_workflow_live", 14, "measurement plan", "✗ Missed (46 days overdue)")
    assert detail.history.get_column("score").to_list()[-1] == 0
    assert detail.history.get_column("as_of").max() == AS_OF
    kinds = detail.timeline.get_column("kind").to_list()
    assert kinds == ["touch", "event"]
    assert detail.users.get_column("active").to_list() == [False]
    assert detail.sponsor_summary == "No executive sponsor is named among the users."
    assert detail.weekly.get_column("Touches").sum() == 1
    assert account_detail.account_detail(data, PLAN, AS_OF, "nobody") is None


def test_sponsor_activity_is_summarised():
    start = days_ago(90)
    d = dataset(
        [account("s", start)],
        events=[event("s", "login", at(days_ago(40)), "boss")],
        users=[user("boss", "s", "exec_sponsor")],
        touches=[touch("s", "meeting", at(days_ago(5)), user_id="boss", touchpoint="EBR")],
    )
    detail = account_detail.account_detail(d, PLAN, AS_OF, "s")
    assert detail is not None
    assert detail.sponsor.get_column("what").to_list() == ["meeting: EBR", "login"]
    assert detail.sponsor_summary.startswith(f"Last sponsor activity {days_ago(5)} (5 days")
    assert detail.sponsor_summary.endswith("1 in the last 30 days.")
    assert date(2026, 1, 1) < AS_OF
