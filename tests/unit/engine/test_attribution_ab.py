"""Attribution models, A/B comparison, backtest, expansion and CSM load."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from core.engine import (
    ab_test,
    attribution,
    backtest,
    build_context,
    csm_load_table,
    expansion_table,
)
from core.engine.abtest import TOO_SMALL
from core.engine.attribution import MODELS, NO_TOUCH
from tests.support.builders import AS_OF, account, at, dataset, days_ago, event, touch, user

ACTIVATION = ("integration_connected", "user_invited", "first_workflow_live")


def activated(account_id: str, start, day: int = 10) -> list[dict]:
    return [event(account_id, e, at(start + timedelta(days=day))) for e in ACTIVATION]


def test_attribution_models_by_hand(plan):
    start = days_ago(60)
    act = start + timedelta(days=10)  # activation at noon on day 10
    touches = [
        touch("a", "email", at(act - timedelta(days=31))),  # outside the 30 days: ignored
        touch("a", "email", at(act - timedelta(days=14)), touchpoint="Welcome"),
        touch("a", "call", at(act - timedelta(days=7))),
        touch("a", "training", at(act)),
        touch("b", "call", at(act - timedelta(days=2))),
        touch("d", "email", at(start + timedelta(days=5)), touchpoint="Welcome"),
    ]
    events = activated("a", start) + activated("b", start) + activated("c", start)
    accounts = [account(x, start) for x in "abcd"]  # d never activates
    table = attribution(dataset(accounts, events, touches=touches), plan, AS_OF)
    credits = {r["touchpoint"]: r for r in table.to_dicts()}
    assert set(credits) == {"Welcome", "call", "training", NO_TOUCH}
    for model in MODELS:
        assert table.get_column(model).sum() == pytest.approx(3.0)  # a, b, c activated
    assert credits[NO_TOUCH]["linear"] == 1.0  # c
    assert credits["Welcome"]["first_touch"] == 1.0
    assert credits["call"]["first_touch"] == 1.0  # b's only touch
    assert credits["training"]["last_touch"] == 1.0
    assert credits["call"]["linear"] == pytest.approx(1 / 3 + 1)
    assert credits["Welcome"]["position_based"] == pytest.approx(0.4)
    assert credits["call"]["position_based"] == pytest.approx(0.2 + 1)
    # time decay for a: weights 2^-2, 2^-1, 1 -> 1/7, 2/7, 4/7
    assert credits["training"]["time_decay"] == pytest.approx(4 / 7)
    assert credits["call"]["time_decay"] == pytest.approx(2 / 7 + 1)
    # Markov: paths Welcome>call>training>conv, call>conv, Welcome>null (d)
    assert credits["Welcome"]["markov"] > 0
    assert credits[NO_TOUCH]["markov"] == 1.0


def test_attribution_without_touches_or_activations(plan):
    ds = dataset([account("a", days_ago(60))])
    table = attribution(ds, plan, AS_OF)
    assert table.is_empty()
    ds = dataset([account("a", days_ago(60))], activated("a", days_ago(60)))
    assert attribution(ds, plan, AS_OF).rows() == [(NO_TOUCH, *[1.0] * len(MODELS))]


def test_ab_comparison(plan):
    start = days_ago(60)
    accounts, events = [], []
    for variant, n, wins in (("guided", 40, 30), ("self_serve", 40, 10), ("tiny", 3, 1)):
        for i in range(n):
            aid = f"{variant}-{i}"
            accounts.append(account(aid, start, journey_variant=variant))
            if i < wins:
                events += activated(aid, start)
    table = ab_test(dataset(accounts, events), plan, AS_OF)
    act = {r["variant"]: r for r in table.filter(pl.col("metric") == "activation_rate").to_dicts()}
    assert act["guided"]["rate"] == 0.75
    assert act["guided"]["difference"] is None  # the baseline
    assert act["self_serve"]["difference"] == pytest.approx(-0.5)
    # pooled p = 0.5, se = sqrt(0.25 * 2 / 40) = 0.1118, z = 4.47 -> p ~ 7.7e-6
    assert act["self_serve"]["p_value"] == pytest.approx(7.74e-6, rel=1e-2)
    assert act["self_serve"]["warning"] is None
    assert act["tiny"]["warning"] == TOO_SMALL
    assert act["guided"]["ci_low"] < 0.75 < act["guided"]["ci_high"]
    # Wilson interval for 30/40
    assert act["guided"]["ci_low"] == pytest.approx(0.5980, abs=1e-3)


def test_backtest_precision_recall(plan):
    """as_of - 90 is the only date with started accounts: 'bad' is flagged and churns,
    'quiet' is flagged and stays, 'fine' is not flagged and churns."""
    start = AS_OF - timedelta(days=90 + 40)
    good = dict(churn_date=AS_OF - timedelta(days=10))
    accounts = [
        account("bad", start, **good),
        account("quiet", start),
        account("fine", start, **good),
    ]
    events = [event("fine", "first_workflow_live", at(start + timedelta(days=2)))]
    users = [user("f1", "fine"), user("f2", "fine"), user("fs", "fine", "exec_sponsor")]
    d0 = AS_OF - timedelta(days=90)
    events += [event("fine", "x", at(d0 - timedelta(days=1)), u) for u in ("f1", "f2", "fs")]
    result = backtest(dataset(accounts, events, users), plan, AS_OF)
    assert result.dates == [d0 - timedelta(days=30), d0]
    row = result.by_segment.filter(pl.col("segment") == "All").to_dicts()[0]
    # d0 - 30 (age 10): nobody flagged, nobody churns within 90 days (churn at d0 + 60)
    # d0 (age 40): bad + quiet flagged; bad + fine churn
    assert (row["accounts"], row["flagged"], row["churned"], row["flagged_churned"]) == (6, 2, 2, 1)
    assert row["precision"] == 0.5
    assert row["recall"] == 0.5
    assert row["base_rate"] == pytest.approx(2 / 6)
    assert row["lift"] == pytest.approx(1.5)
    signals = {r["signal"]: r for r in result.signals.to_dicts()}
    assert signals["no_first_value"]["fired"] == 2
    assert signals["no_first_value"]["fired_churn_rate"] == 0.5


def test_expansion_and_csm_load(plan):
    start = days_ago(60)
    accounts = [
        account("seats", start, licensed_seats=2, csm="kim", contract_value=5.0),
        account("event", start, csm="kim", contract_value=9.0),
        account("teams", start, csm=None),
        account("none", start, csm="kim"),
    ]
    users = [user("t1", "teams", team="ops"), user("t2", "teams", team="it")]
    events = [
        event("seats", "x", at(days_ago(1)), "s1"),
        event("seats", "x", at(days_ago(1)), "s2"),
        event("event", "feature_limit_hit", at(days_ago(3))),
        event("teams", "x", at(days_ago(2)), "t1"),
        event("teams", "x", at(days_ago(2)), "t2"),
    ]
    ctx = build_context(dataset(accounts, events, users), plan, AS_OF)
    table = expansion_table(ctx)
    assert table.select("account_id", "signals").rows() == [
        ("event", "expansion_event"),
        ("seats", "seat_limit"),
        ("teams", "multi_team"),
    ]
    load = csm_load_table(ctx)
    assert load.select("csm", "accounts", "status").rows() == [
        ("(unassigned)", 1, "under"),
        ("kim", 3, "under"),
    ]
