"""A CSM's call on an at-risk account: open, plan in place, saved or lost, with a note.

The call is keyed by workspace and account id, not by dataset, so it survives a data reload:
next month's import of the same accounts still shows what the team decided. Each function
takes an open Session inside a unit of work and raises RiskStateError with a sentence a
person can act on; values come back as frozen dataclasses, never ORM rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.common.errors import UserError
from core.db.models import RiskState, Workspace

STATES: dict[str, str] = {
    "open": "Open",
    "plan_in_place": "Plan in place",
    "saved": "Saved",
    "lost": "Lost",
}
# A symbol beside each word: the state reads the same without colour.
STATE_SYMBOLS: dict[str, str] = {
    "open": "○",
    "plan_in_place": "◐",
    "saved": "✓",
    "lost": "✗",
}
DEFAULT_STATE = "open"
MAX_NOTE = 2000
MAX_ACCOUNT_ID = 200
MAX_AUTHOR = 200
STATE_SCHEMA = pl.Schema(
    {
        "account_id": pl.String(),
        "risk_state": pl.String(),
        "note": pl.String(),
        "updated_by": pl.String(),
        "updated_at": pl.Datetime("us"),
    }
)


class RiskStateError(UserError):
    """A risk-state change that cannot be saved as asked; the message says why."""


@dataclass(frozen=True)
class RiskStateInfo:
    """A plain copy of one account's risk state."""

    account_id: str
    state: str
    note: str
    updated_by: str
    updated_at: datetime | None

    @property
    def label(self) -> str:
        """The state as a symbol and a word, e.g. "◐ Plan in place"."""
        return state_label(self.state)


def state_label(state: str) -> str:
    return f"{STATE_SYMBOLS.get(state, '?')} {STATES.get(state, state)}"


def _info(row: RiskState) -> RiskStateInfo:
    return RiskStateInfo(row.account_id, row.state, row.note, row.updated_by, row.updated_at)


def _check_workspace(session: Session, workspace_id: int) -> None:
    if session.get(Workspace, workspace_id) is None:
        raise RiskStateError("That workspace no longer exists; it may have been deleted.")


def _clean_state(state: str) -> str:
    key = state.strip().lower().replace(" ", "_")
    if key not in STATES:
        known = ", ".join(STATES.values())
        raise RiskStateError(f"“{state}” is not a risk state; choose one of: {known}.")
    return key


def _clean_account(account_id: str) -> str:
    cleaned = account_id.strip()
    if not cleaned:
        raise RiskStateError("Choose an account before saving its risk state.")
    if len(cleaned) > MAX_ACCOUNT_ID:
        raise RiskStateError(f"Account ids longer than {MAX_ACCOUNT_ID} characters are not kept.")
    return cleaned


def _clean_note(note: str) -> str:
    cleaned = note.strip()
    if len(cleaned) > MAX_NOTE:
        raise RiskStateError(
            f"The note has {len(cleaned):,} characters; keep it under {MAX_NOTE:,} "
            "(link to a longer plan instead)."
        )
    return cleaned


def _find(session: Session, workspace_id: int, account_id: str) -> RiskState | None:
    query = select(RiskState).where(
        RiskState.workspace_id == workspace_id, RiskState.account_id == account_id
    )
    return session.scalars(query).first()


def set_risk_state(
    session: Session,
    workspace_id: int,
    account_id: str,
    state: str,
    note: str = "",
    updated_by: str = "",
) -> RiskStateInfo:
    """Save a CSM's call on an account (creating or replacing it); everything is checked
    before anything is written, so a refused change leaves the previous call as it was."""
    _check_workspace(session, workspace_id)
    account = _clean_account(account_id)
    key = _clean_state(state)
    text = _clean_note(note)
    author = updated_by.strip()[:MAX_AUTHOR]
    row = _find(session, workspace_id, account)
    if row is None:
        row = RiskState(workspace_id=workspace_id, account_id=account)
        session.add(row)
    row.state, row.note, row.updated_by = key, text, author
    session.flush()
    session.refresh(row)
    return _info(row)


def get_risk_state(session: Session, workspace_id: int, account_id: str) -> RiskStateInfo | None:
    row = _find(session, workspace_id, account_id.strip())
    return None if row is None else _info(row)


def list_risk_states(session: Session, workspace_id: int) -> list[RiskStateInfo]:
    """Every saved call of the workspace, by account id."""
    query = (
        select(RiskState)
        .where(RiskState.workspace_id == workspace_id)
        .order_by(RiskState.account_id)
    )
    return [_info(row) for row in session.scalars(query)]


def clear_risk_state(session: Session, workspace_id: int, account_id: str) -> None:
    """Forget the call on an account (it shows as open again)."""
    row = _find(session, workspace_id, account_id.strip())
    if row is not None:
        session.delete(row)


def states_frame(states: list[RiskStateInfo]) -> pl.DataFrame:
    """The calls as a frame to join onto the at-risk list (risk_state is the symbol + word)."""
    rows = [
        (s.account_id, s.label, s.note, s.updated_by, s.updated_at and _naive(s.updated_at))
        for s in states
    ]
    return pl.DataFrame(rows, schema=STATE_SCHEMA, orient="row")


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)
