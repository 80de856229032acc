"""A CSM's call on an at-risk account: open, plan in place, saved or lost, with a note.

The call is keyed by workspace and account id, not by dataset, so it survives a data reload:
next month's import of the same accounts still shows what the team decided. Each function
takes an open Session inside a unit of work and raises RiskStateError with a sentence a
person can act on; values come back as frozen dataclasses, never ORM rows.

Several CSMs may look at one account at once, so a save names the version its form was opened
at (None: the form showed no saved call) and is written only if that is still the stored one,
in the same statement; otherwise RiskStateConflict carries both calls and nothing is written.
The first save of a new account is an insert that the unique (workspace, account) key decides:
two at once end as one stored call and a conflict for the other, never a database error.

Setting or clearing a call needs EDIT_RISK (owners and editors); reading them READ. A call is
saved under the signed-in person's name; only in local mode (one person, no sign-in) and for
the system (the demo, scripts) is the name given by the caller kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.identity import LOCAL_KEY, Access
from core.access.roles import Action
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
    """A plain copy of one account's risk state; `version` is what a form opened on it sends
    back with its save."""

    account_id: str
    state: str
    note: str
    updated_by: str
    updated_at: datetime | None
    version: int = 1

    @property
    def label(self) -> str:
        """The state as a symbol and a word, e.g. "◐ Plan in place"."""
        return state_label(self.state)


def state_label(state: str) -> str:
    return f"{STATE_SYMBOLS.get(state, '?')} {STATES.get(state, state)}"


class RiskStateConflict(RiskStateError):
    """Someone saved (or cleared) this account's call since this form was opened; nothing of
    this CSM's was written.

    `mine` is what this CSM tried to save ({"state", "note"}), `theirs` the call stored now
    (None: it was cleared), `started_from` the version the form was opened at (None: it showed
    no call). differences() gives (field, mine, theirs) for the fields that disagree, states
    as their labels.
    """

    def __init__(
        self,
        account_id: str,
        mine: Mapping[str, str],
        theirs: RiskStateInfo | None,
        started_from: int | None,
    ) -> None:
        self.account_id = account_id
        self.mine = dict(mine)
        self.theirs = theirs
        self.started_from = started_from
        if theirs is None:
            what = f"Someone else cleared the risk state of {account_id} while you were editing"
        else:
            by = f" ({theirs.updated_by})" if theirs.updated_by else ""
            detail = "; ".join(f"{k} is now “{t}” (yours: “{m}”)" for k, m, t in self.differences())
            what = (
                f"Someone else{by} saved the risk state of {account_id} while you were editing"
                + (f": {detail}" if detail else "")
            )
        super().__init__(f"{what}. Nothing of yours was saved; review both and save again.")

    def differences(self) -> list[tuple[str, str, str]]:
        if self.theirs is None:
            return []
        theirs = {"state": self.theirs.state, "note": self.theirs.note}
        shown = {"state": state_label}
        return [
            (k, shown.get(k, str)(v), shown.get(k, str)(theirs[k]))
            for k, v in self.mine.items()
            if theirs.get(k) != v
        ]


def _info(row: RiskState) -> RiskStateInfo:
    return RiskStateInfo(
        row.account_id, row.state, row.note, row.updated_by, row.updated_at, row.version
    )


def author_of(who: Access, typed: str) -> str:
    """The name saved with a call: the signed-in person's; in local mode and for the system,
    the name the caller gives (local mode: the local owner's when none is given)."""
    if who.is_system:
        name = typed.strip()
    elif who.person == LOCAL_KEY:
        name = typed.strip() or who.actor
    else:
        name = who.actor
    return name[:MAX_AUTHOR]


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
    query = (
        select(RiskState)
        .where(RiskState.workspace_id == workspace_id, RiskState.account_id == account_id)
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).first()


def set_risk_state(
    session: Session,
    workspace_id: int,
    account_id: str,
    state: str,
    note: str = "",
    updated_by: str = "",
    *,
    base_version: int | None,
) -> RiskStateInfo:
    """Save a CSM's call on an account; everything is checked before anything is written, so
    a refused change leaves the previous call as it was.

    `base_version` is the version of the call the CSM's form was opened at, None when it showed
    no saved call; a call saved by someone else since raises RiskStateConflict.
    `updated_by` is kept only in local mode or for the system (see author_of).
    """
    who = require(session, Action.EDIT_RISK, workspace_id)
    _check_workspace(session, workspace_id)
    account = _clean_account(account_id)
    mine = {"state": _clean_state(state), "note": _clean_note(note)}
    author = author_of(who, updated_by)
    if base_version is None:
        row = _create(session, workspace_id, account, mine, author)
    else:
        row = _replace(session, workspace_id, account, mine, author, base_version)
    return _info(row)


def _create(
    session: Session, workspace_id: int, account: str, mine: Mapping[str, str], author: str
) -> RiskState:
    """The first call on an account: the unique key decides between two first saves at once."""
    row = RiskState(workspace_id=workspace_id, account_id=account, updated_by=author, **mine)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        theirs = _find(session, workspace_id, account)
        if theirs is None:  # not the account key: the workspace went meanwhile
            raise RiskStateError(
                "The risk state could not be saved; reload and try again."
            ) from None
        raise RiskStateConflict(account, mine, _info(theirs), None) from None
    session.refresh(row)
    return row


def _replace(
    session: Session,
    workspace_id: int,
    account: str,
    mine: Mapping[str, str],
    author: str,
    base_version: int,
) -> RiskState:
    """One statement checks the version and writes: no save can land between the two."""
    statement = (
        update(RiskState)
        .where(
            RiskState.workspace_id == workspace_id,
            RiskState.account_id == account,
            RiskState.version == base_version,
        )
        .values(**mine, updated_by=author, updated_at=func.now(), version=RiskState.version + 1)
        .returning(RiskState.id)
        .execution_options(synchronize_session=False)
    )
    written = session.execute(statement).first()
    row = _find(session, workspace_id, account)
    if written is None or row is None:
        raise RiskStateConflict(account, mine, _info(row) if row else None, base_version)
    return row


def get_risk_state(session: Session, workspace_id: int, account_id: str) -> RiskStateInfo | None:
    require(session, Action.READ, workspace_id)
    row = _find(session, workspace_id, account_id.strip())
    return None if row is None else _info(row)


def list_risk_states(session: Session, workspace_id: int) -> list[RiskStateInfo]:
    """Every saved call of the workspace, by account id."""
    require(session, Action.READ, workspace_id)
    query = (
        select(RiskState)
        .where(RiskState.workspace_id == workspace_id)
        .order_by(RiskState.account_id)
    )
    return [_info(row) for row in session.scalars(query)]


def clear_risk_state(
    session: Session, workspace_id: int, account_id: str, *, base_version: int
) -> None:
    """Forget the call on an account (it shows as open again), if it is still the version the
    CSM saw; a call changed since raises RiskStateConflict. Already cleared: nothing to do."""
    require(session, Action.EDIT_RISK, workspace_id)
    account = account_id.strip()
    statement = (
        delete(RiskState)
        .where(
            RiskState.workspace_id == workspace_id,
            RiskState.account_id == account,
            RiskState.version == base_version,
        )
        .returning(RiskState.id)
        .execution_options(synchronize_session=False)
    )
    if session.execute(statement).first() is None:
        row = _find(session, workspace_id, account)
        if row is not None:
            raise RiskStateConflict(account, {"state": DEFAULT_STATE}, _info(row), base_version)


def states_frame(states: list[RiskStateInfo]) -> pl.DataFrame:
    """The calls as a frame to join onto the at-risk list (risk_state is the symbol + word)."""
    rows = [
        (s.account_id, s.label, s.note, s.updated_by, s.updated_at and _naive(s.updated_at))
        for s in states
    ]
    return pl.DataFrame(rows, schema=STATE_SCHEMA, orient="row")


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)
