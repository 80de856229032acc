"""Risk-state use cases on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.at_risk import risk_states
from core.at_risk.risk_states import RiskStateConflict, RiskStateError
from core.data import store
from core.db.engine import unit_of_work
from core.workspace import workspaces
from core.workspace.demo_workspace import demo_dataset


def _workspace(factory: sessionmaker[Session], name: str = "Acme") -> int:
    with unit_of_work(factory) as s:
        return workspaces.create_workspace(s, name).id


def test_set_creates_then_replaces_the_call(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        first = risk_states.set_risk_state(
            s, ws, " ACC-1 ", "open", "  call the champion ", base_version=None
        )
    assert (first.account_id, first.state, first.note) == ("ACC-1", "open", "call the champion")
    assert first.updated_at is not None
    with unit_of_work(factory) as s:
        risk_states.set_risk_state(
            s, ws, "ACC-1", "Plan in place", "QBR booked", "dana", base_version=first.version
        )
    with unit_of_work(factory) as s:
        saved = risk_states.get_risk_state(s, ws, "ACC-1")
        assert len(risk_states.list_risk_states(s, ws)) == 1
    assert saved is not None
    assert (saved.state, saved.note, saved.updated_by) == ("plan_in_place", "QBR booked", "dana")
    assert saved.label == "◐ Plan in place"


@pytest.mark.parametrize(
    ("account", "state", "note", "message"),
    [
        ("ACC-1", "rescued", "", "not a risk state"),
        ("  ", "open", "", "Choose an account"),
        ("ACC-1", "saved", "x" * 2001, "keep it under 2,000"),
    ],
)
def test_bad_input_is_refused_and_keeps_the_previous_call(
    factory: sessionmaker[Session], account: str, state: str, note: str, message: str
):
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        saved = risk_states.set_risk_state(
            s, ws, "ACC-1", "lost", "churned to a rival", base_version=None
        )
    with pytest.raises(RiskStateError, match=message), unit_of_work(factory) as s:
        risk_states.set_risk_state(s, ws, account, state, note, base_version=saved.version)
    with unit_of_work(factory) as s:
        kept = risk_states.get_risk_state(s, ws, "ACC-1")
    assert kept is not None
    assert (kept.state, kept.note) == ("lost", "churned to a rival")


def test_calls_belong_to_one_workspace(factory: sessionmaker[Session]):
    a, b = _workspace(factory, "A"), _workspace(factory, "B")
    with unit_of_work(factory) as s:
        saved = risk_states.set_risk_state(s, a, "ACC-1", "saved", base_version=None)
        risk_states.set_risk_state(s, b, "ACC-1", "lost", base_version=None)
    with unit_of_work(factory) as s:
        assert risk_states.get_risk_state(s, a, "ACC-1").state == "saved"  # type: ignore[union-attr]
        assert risk_states.get_risk_state(s, b, "ACC-1").state == "lost"  # type: ignore[union-attr]
        risk_states.clear_risk_state(s, a, "ACC-1", base_version=saved.version)
    with unit_of_work(factory) as s:
        assert risk_states.get_risk_state(s, a, "ACC-1") is None
        assert risk_states.get_risk_state(s, b, "ACC-1") is not None


def test_unknown_workspace_is_a_clear_error(factory: sessionmaker[Session]):
    with pytest.raises(RiskStateError, match="no longer exists"), unit_of_work(factory) as s:
        risk_states.set_risk_state(s, 987654, "ACC-1", "open", base_version=None)


def test_calls_survive_a_data_reload(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        store.save_dataset(s, ws, demo_dataset(20), "first import")
        risk_states.set_risk_state(
            s, ws, "ACC-00001", "plan_in_place", "exec call Friday", base_version=None
        )
    with unit_of_work(factory) as s:
        store.save_dataset(s, ws, demo_dataset(20, seed=8), "second import")
    with unit_of_work(factory) as s:
        (kept,) = risk_states.list_risk_states(s, ws)
    assert (kept.account_id, kept.state) == ("ACC-00001", "plan_in_place")


def test_states_frame_joins_on_account_id(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        risk_states.set_risk_state(s, ws, "ACC-2", "saved", "=HYPERLINK(1)", base_version=None)
        frame = risk_states.states_frame(risk_states.list_risk_states(s, ws))
    assert frame.columns == list(risk_states.STATE_SCHEMA)
    assert frame.row(0)[:3] == ("ACC-2", "✓ Saved", "=HYPERLINK(1)")
    assert risk_states.states_frame([]).is_empty()


def test_a_stale_form_is_refused_with_both_calls(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        opened = risk_states.set_risk_state(s, ws, "ACC-1", "open", "call them", base_version=None)
    with unit_of_work(factory) as s:
        risk_states.set_risk_state(
            s, ws, "ACC-1", "plan_in_place", "QBR Friday", "dana", base_version=opened.version
        )
    with pytest.raises(RiskStateConflict) as err, unit_of_work(factory) as s:
        risk_states.set_risk_state(
            s, ws, "ACC-1", "saved", "call them", base_version=opened.version
        )
    assert err.value.mine == {"state": "saved", "note": "call them"}
    assert err.value.theirs is not None
    assert (err.value.theirs.state, err.value.theirs.note) == ("plan_in_place", "QBR Friday")
    assert err.value.differences() == [
        ("state", "✓ Saved", "◐ Plan in place"),
        ("note", "call them", "QBR Friday"),
    ]
    assert "dana" in str(err.value)
    with pytest.raises(RiskStateConflict), unit_of_work(factory) as s:
        risk_states.set_risk_state(s, ws, "ACC-1", "saved", base_version=None)
    with pytest.raises(RiskStateConflict), unit_of_work(factory) as s:
        risk_states.clear_risk_state(s, ws, "ACC-1", base_version=opened.version)
    with unit_of_work(factory) as s:
        kept = risk_states.get_risk_state(s, ws, "ACC-1")
    assert kept is not None
    assert (kept.state, kept.note, kept.version) == ("plan_in_place", "QBR Friday", 2)
