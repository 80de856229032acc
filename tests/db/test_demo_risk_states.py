"""The demo workspace holds the CSMs' calls, with notes, on the top of its At-risk list, so
the list shows them on first start (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.at_risk import risk_states
from core.data.store import active_info, load_dataset
from core.db.engine import unit_of_work
from core.engine import at_risk
from core.workspace.demo_workspace import DEMO_CALLS, DEMO_NAME, ensure_demo_workspace
from core.workspace.effective_plan import effective_plan
from core.workspace.workspaces import list_workspaces


@pytest.fixture
def demo_id(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("WAYPOINT_DEMO_ACCOUNTS", "150")
    ensure_demo_workspace(factory)
    with unit_of_work(factory) as s:
        return next(w.id for w in list_workspaces(s) if w.name == DEMO_NAME)


def test_the_top_of_the_at_risk_list_has_calls_with_notes(factory, demo_id):
    with unit_of_work(factory) as s:
        calls = risk_states.list_risk_states(s, demo_id)
        info = active_info(s, demo_id)
        assert info is not None
        data = load_dataset(s, info.id)
        listed = at_risk(data, effective_plan(s, demo_id)).head(len(DEMO_CALLS))
    by_account = {c.account_id: c for c in calls}
    assert list(by_account) == sorted(listed["account_id"])
    csms = dict(listed.select("account_id", "csm").rows())
    for account_id, (state, note) in zip(listed["account_id"], DEMO_CALLS, strict=True):
        call = by_account[account_id]
        assert (call.state, call.note) == (state, note)
        assert call.updated_by == csms[account_id]
        assert call.version == 1
    assert {c.state for c in calls} == set(risk_states.STATES)


def test_a_second_start_adds_no_calls(factory, demo_id):
    ensure_demo_workspace(factory)
    with unit_of_work(factory) as s:
        assert len(list_workspaces(s)) == 1
        assert len(risk_states.list_risk_states(s, demo_id)) == len(DEMO_CALLS)
