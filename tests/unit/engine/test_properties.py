"""Property-based checks on random small books of accounts."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.engine import at_risk_table, attribution_table, build_context, funnel_table, score_table
from core.engine.attribution import MODELS, activation_times
from core.engine.signals import AT_RISK_ACTIONS
from core.model.plan import MeasurementPlan
from tests.support.builders import AS_OF, account, dataset, event, touch, user

NAMES = (
    "kickoff_completed",
    "integration_connected",
    "user_invited",
    "data_imported",
    "users_trained",
    "first_workflow_live",
    "qbr_completed",
    "login",
    "feature_limit_hit",
)
CHANNELS = ("email", "ticket", "call", "in_app")
SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
BASE = datetime.combine(AS_OF, datetime.min.time())


@st.composite
def books(draw: st.DrawFn):
    n = draw(st.integers(1, 6))
    accounts, users, events, touches = [], [], [], []
    for i in range(n):
        aid = f"a{i}"
        accounts.append(
            account(
                aid,
                AS_OF - timedelta(days=draw(st.integers(-5, 150))),
                segment=draw(st.sampled_from(SEGMENTS)),
                contract_value=draw(st.none() | st.sampled_from([1000.0, 5000.0, 90000.0])),
                licensed_seats=draw(st.none() | st.integers(1, 4)),
            )
        )
        for j in range(draw(st.integers(0, 3))):
            users.append(
                user(f"{aid}-u{j}", aid, draw(st.sampled_from(["end_user", "exec_sponsor"])))
            )
        hours = st.integers(-160 * 24, 5 * 24)
        for _ in range(draw(st.integers(0, 12))):
            uid = draw(st.none() | st.sampled_from([f"{aid}-u0", f"{aid}-u1", f"{aid}-u2"]))
            ts = BASE + timedelta(hours=draw(hours))
            events.append(event(aid, draw(st.sampled_from(NAMES)), ts, uid))
        for _ in range(draw(st.integers(0, 4))):
            ts = BASE + timedelta(hours=draw(hours))
            touches.append(touch(aid, draw(st.sampled_from(CHANNELS)), ts))
    return dataset(accounts, events, users, touches)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PLAN = MeasurementPlan()


@SETTINGS
@given(books())
def test_scores_in_range_and_at_risk_ordered(ds):
    ctx = build_context(ds, PLAN, AS_OF)
    scores = score_table(ctx)
    assert scores.get_column("score").is_between(0, 100).all()
    deltas = scores.get_column("score_delta_7d").drop_nulls()
    assert deltas.is_between(-100, 100).all()
    risk = at_risk_table(scores)
    assert risk.get_column("action").is_in(AT_RISK_ACTIONS).all()
    keys = list(
        zip(
            risk.get_column("score"),
            [-(v if v is not None else float("-inf")) for v in risk.get_column("contract_value")],
            risk.get_column("account_id"),
            strict=True,
        )
    )
    assert keys == sorted(keys)
    expected = scores.filter(pl.col("action").is_in(AT_RISK_ACTIONS)).height
    assert risk.height == expected


@SETTINGS
@given(books())
def test_funnel_is_monotone(ds):
    table = funnel_table(build_context(ds, PLAN, AS_OF))
    reached = table.get_column("reached").to_list()
    assert all(a >= b for a, b in zip(reached, reached[1:], strict=False))
    assert (table.get_column("dropoff") >= 0).all()
    conv = table.get_column("step_conversion").drop_nulls()
    assert conv.is_between(0.0, 1.0).all()


@SETTINGS
@given(books())
def test_attribution_credits_sum_to_activated_accounts(ds):
    ctx = build_context(ds, PLAN, AS_OF)
    table = attribution_table(ctx)
    activated = activation_times(ctx).collect().height
    for model in MODELS:
        assert table.get_column(model).sum() == pytest.approx(activated)
