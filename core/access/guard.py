"""The check every use case makes: is the identity bound to this session allowed this action,
in this workspace, on this map or round?

The pages bind who is looking to each unit of work (`bind`); scripts bind `SYSTEM`. A session
with nobody bound is refused: forgetting to say who acts must fail loudly, never fall back to
an all-powerful default.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.access.identity import SYSTEM, Access, PermissionDenied
from core.access.roles import Action
from core.db.engine import session_factory

_KEY = "waypoint_acting"
NOT_YOURS = "That workspace is not one of yours, or it no longer exists."


def bind(session: Session, access: Access) -> None:
    session.info[_KEY] = access


def system_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that act as the system: the first-start demo, scripts and backups."""
    return session_factory(engine, info={_KEY: SYSTEM})


def acting(session: Session) -> Access:
    """The identity this unit of work acts for; refused when nobody was bound."""
    found = session.info.get(_KEY)
    if not isinstance(found, Access):
        raise PermissionDenied("Nobody is signed in for this action, so nothing was done.")
    return found


def require(
    session: Session,
    action: Action,
    workspace_id: int,
    *,
    map_id: int | None = None,
    round_id: int | None = None,
) -> Access:
    """Refuse unless the bound identity may `action` in `workspace_id` (and, for a guest,
    on the one map or round its link reaches). Returns the identity for the caller's records."""
    access = acting(session)
    if access.is_system:
        return access
    if access.workspace_id != workspace_id:
        raise PermissionDenied(NOT_YOURS)
    if not access.may(action):
        raise PermissionDenied(
            f"As {_article(access.role.label)} of “{access.workspace_name}” you cannot "
            f"{action.value}; ask one of its owners."
        )
    _within_guest_scope(access, map_id, round_id)
    return access


def _within_guest_scope(access: Access, map_id: int | None, round_id: int | None) -> None:
    if not access.is_guest:
        return
    if access.map_id is not None and map_id == access.map_id:
        return
    if access.round_id is not None and round_id == access.round_id:
        return
    raise PermissionDenied("Your link opens one thing only; this is outside it.")


def _article(label: str) -> str:
    return ("an " if label[0] in "aeiou" else "a ") + label
