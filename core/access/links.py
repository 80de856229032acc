"""Guest links: a random token that reaches one map's workshop or read-only view, or one
assessment round, and nothing else.

Tokens carry 192 random bits and only their SHA-256 is stored, so a copy of the database opens
nothing. Links expire (14 days unless the sharer chooses), can be revoked, and may carry a
passcode on top, which locks the link after MAX_ATTEMPTS wrong tries. Whoever joins through a
link gets a personal guest identity, its own token kept in their URL, so a reload keeps their
votes and their undo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.identity import Access
from core.access.roles import Action, Role
from core.common.errors import UserError
from core.db.models import AssessmentRound, Guest, GuestLink, JourneyMap, Workspace

DEFAULT_DAYS = 14
MAX_DAYS = 90
MAX_ATTEMPTS = 5
MAX_PASSCODE = 64
MAX_GUEST_NAME = 60
TOKEN_BYTES = 24  # 192 bits

KINDS: dict[str, Role] = {
    "participant": Role.PARTICIPANT,
    "viewer": Role.GUEST_VIEWER,
    "respondent": Role.RESPONDENT,
}
KIND_WORDS = {
    "participant": "Workshop participant",
    "viewer": "Read only",
    "respondent": "Assessment respondent",
}


class LinkRefused(UserError):
    """A guest link that does not open: unknown, revoked, expired, locked or a wrong passcode."""


class PasscodeNeeded(LinkRefused):
    """The link is fine but wants its passcode (none was given, or a wrong one)."""


@dataclass(frozen=True)
class LinkInfo:
    id: int
    workspace_id: int
    kind: str
    map_id: int | None
    round_id: int | None
    label: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    has_passcode: bool
    failed_attempts: int
    workspace_name: str = ""

    @property
    def role(self) -> Role:
        return KINDS[self.kind]

    @property
    def locked(self) -> bool:
        return self.has_passcode and self.failed_attempts >= MAX_ATTEMPTS

    def live(self, at: datetime | None = None) -> bool:
        return self.revoked_at is None and not self.locked and (at or now()) < self.expires_at


@dataclass(frozen=True)
class NewLink:
    """A link just made: the token is shown once, here, and never stored."""

    info: LinkInfo
    token: str


@dataclass(frozen=True)
class GuestInfo:
    id: int
    link_id: int
    name: str


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def create_link(
    session: Session,
    workspace_id: int,
    kind: str,
    *,
    map_id: int | None = None,
    round_id: int | None = None,
    days: int = DEFAULT_DAYS,
    passcode: str = "",
    label: str = "",
) -> NewLink:
    """A new link to one map (participant or viewer) or one round (respondent)."""
    if kind not in KINDS:
        raise LinkRefused("Choose what the link lets a guest do.")
    action = Action.EDIT_ASSESSMENTS if kind == "respondent" else Action.SHARE
    access = require(session, action, workspace_id)
    # A link reaches one thing: a map for a map link, a round for a respondent link.
    if kind == "respondent":
        map_id = None
    else:
        round_id = None
    _check_target(session, workspace_id, kind, map_id, round_id)
    if not 1 <= days <= MAX_DAYS:
        raise LinkRefused(f"Valid for: choose between 1 and {MAX_DAYS} days.")
    token = new_token()
    row = GuestLink(
        workspace_id=workspace_id,
        kind=kind,
        map_id=map_id,
        round_id=round_id,
        token_hash=hash_token(token),
        passcode_hash=_hash_passcode(passcode) if passcode else "",
        failed_attempts=0,
        label=" ".join((label or "").split())[:80],
        created_by=access.actor,
        created_at=now(),
        expires_at=now() + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    return NewLink(_info(row), token)


def live_links(
    session: Session, workspace_id: int, *, map_id: int | None = None, round_id: int | None = None
) -> list[LinkInfo]:
    """The links of a map or round that still open, newest first."""
    require(session, Action.SHARE, workspace_id)
    query = select(GuestLink).where(
        GuestLink.workspace_id == workspace_id, GuestLink.revoked_at.is_(None)
    )
    if map_id is not None:
        query = query.where(GuestLink.map_id == map_id)
    if round_id is not None:
        query = query.where(GuestLink.round_id == round_id)
    rows = session.scalars(query.order_by(GuestLink.created_at.desc(), GuestLink.id.desc()))
    return [info for info in map(_info, rows) if info.live()]


def revoke_link(session: Session, workspace_id: int, link_id: int) -> None:
    require(session, Action.SHARE, workspace_id)
    row = session.get(GuestLink, link_id)
    if row is None or row.workspace_id != workspace_id:
        raise LinkRefused("That link no longer exists.")
    if row.revoked_at is None:
        row.revoked_at = now()


def open_link(
    session: Session, token: str, *, passcode: str = "", guest_token: str = ""
) -> tuple[LinkInfo, GuestInfo | None]:
    """The link a token opens and the guest a personal token names, or LinkRefused saying why
    not. A guest who joined (passcode and all) comes back with their token, no passcode.

    A wrong passcode is counted in a transaction of its own, committed before the refusal is
    raised: the caller's unit of work rolls back on the error (a count that rolled back would
    allow endless tries) and is neither committed nor ended by the count. Call it in a unit of
    work that has written nothing yet (on SQLite the count waits for any writer).
    """
    found = session.execute(  # the link and its workspace's name in one read (every rerun)
        select(GuestLink, Workspace.name)
        .join(Workspace, Workspace.id == GuestLink.workspace_id)
        .where(GuestLink.token_hash == hash_token(token or ""))
    ).first()
    if found is None:
        raise LinkRefused(
            "This link does not open anything: it may be mistyped or from an old invitation. "
            "Ask whoever shared it for a new one."
        )
    row, workspace_name = found
    info = _info(row)
    if info.revoked_at is not None:
        raise LinkRefused("This link was revoked. Ask whoever shared it for a new one.")
    if now() >= info.expires_at:
        raise LinkRefused(
            f"This link expired on {info.expires_at:%d %b %Y}. Ask whoever shared it for a new one."
        )
    if info.locked:
        raise LinkRefused(_LOCKED)
    guest = returning(session, info, guest_token) if guest_token else None
    if row.passcode_hash and guest is None:
        _check_passcode(session, row, passcode)
    return replace(info, workspace_name=workspace_name), guest


_LOCKED = (
    "This link is locked after too many wrong passcodes. Ask whoever shared it for a new link."
)


def _check_passcode(session: Session, row: GuestLink, passcode: str) -> None:
    if not passcode:
        raise PasscodeNeeded("This link needs its passcode: type it to join.")
    if _passcode_matches(row.passcode_hash, passcode):
        # Wrong tries made meanwhile by others (committed apart) may have locked it.
        counted = session.scalar(select(GuestLink.failed_attempts).where(GuestLink.id == row.id))
        if (counted or 0) >= MAX_ATTEMPTS:
            raise LinkRefused(_LOCKED)
        return
    left = MAX_ATTEMPTS - _count_wrong_try(session, row.id)
    if left <= 0:
        raise LinkRefused(_LOCKED)
    raise PasscodeNeeded(f"Wrong passcode: {left} {'try' if left == 1 else 'tries'} left.")


def _count_wrong_try(session: Session, link_id: int) -> int:
    """Add one wrong try in a short transaction of its own and return the count. The update
    adds in the database, so tries made at the same moment are each counted (a count read,
    raised and written back would lose all but one of them)."""
    statement = (
        update(GuestLink)
        .where(GuestLink.id == link_id)
        .values(failed_attempts=GuestLink.failed_attempts + 1)
        .returning(GuestLink.failed_attempts)
    )
    with session.get_bind().engine.begin() as conn:
        return int(conn.execute(statement).scalar_one())


def join(session: Session, link: LinkInfo, name: str) -> tuple[GuestInfo, str]:
    """Give someone who opened a link their own identity; the token goes into their URL."""
    cleaned = " ".join((name or "").split())[:MAX_GUEST_NAME] or "Guest"
    token = new_token()
    row = Guest(link_id=link.id, token_hash=hash_token(token), name=cleaned, joined_at=now())
    session.add(row)
    session.flush()
    return GuestInfo(row.id, link.id, cleaned), token


def returning(session: Session, link: LinkInfo, guest_token: str) -> GuestInfo | None:
    """The guest a personal token names, if it belongs to this link."""
    row = session.scalars(
        select(Guest).where(Guest.token_hash == hash_token(guest_token or ""))
    ).first()
    if row is None or row.link_id != link.id:
        return None
    return GuestInfo(row.id, row.link_id, row.name)


def guest_access(link: LinkInfo, guest: GuestInfo | None) -> Access:
    """What a guest may do: their link's role, inside the one map or round it names."""
    key = f"guest:{guest.id}" if guest else f"link:{link.id}"
    return Access(
        link.workspace_id,
        link.workspace_name,
        link.role,
        guest.name if guest else "Guest",
        visitor=key,
        map_id=link.map_id,
        person=key,
        round_id=link.round_id,
        link_id=link.id,
    )


def _check_target(
    session: Session, workspace_id: int, kind: str, map_id: int | None, round_id: int | None
) -> None:
    target: AssessmentRound | JourneyMap | None = None
    if kind == "respondent" and round_id:
        target = session.get(AssessmentRound, round_id)
    elif kind != "respondent" and map_id:
        target = session.get(JourneyMap, map_id)
    if target is None or target.workspace_id != workspace_id:
        raise LinkRefused("That map or round is not in this workspace.")


def _info(row: GuestLink) -> LinkInfo:
    return LinkInfo(
        row.id,
        row.workspace_id,
        row.kind,
        row.map_id,
        row.round_id,
        row.label,
        row.created_by,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        bool(row.passcode_hash),
        row.failed_attempts,
    )


def _hash_passcode(passcode: str) -> str:
    if len(passcode) > MAX_PASSCODE:
        raise LinkRefused(f"Passcode: keep it under {MAX_PASSCODE} characters.")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(passcode.encode("utf-8"), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _passcode_matches(stored: str, passcode: str) -> bool:
    _, salt, digest = stored.split("$")
    found = hashlib.scrypt(
        passcode[:MAX_PASSCODE].encode("utf-8"), salt=bytes.fromhex(salt), n=2**14, r=8, p=1
    )
    return hmac.compare_digest(found.hex(), digest)
