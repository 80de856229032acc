"""Members of a workspace and their roles: added by e-mail, in effect from first sign-in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.access.guard import acting, require
from core.access.identity import LOCAL_KEY, Access, PermissionDenied, Person
from core.access.roles import MEMBER_ROLES, Action, Role
from core.common.errors import UserError
from core.db.models import Member

MAX_EMAIL = 254
_EMAIL = re.compile(r"[^@\s<>\"'`;,()\[\]\\]{1,64}@[^@\s<>\"'`;,()\[\]\\]+\.[a-z]{2,63}")


class MemberError(UserError):
    """A change to the members that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class MemberInfo:
    person: str
    role: Role
    name: str
    added_by: str
    added_at: datetime
    first_seen_at: datetime | None

    @property
    def pending(self) -> bool:
        """Added, but has not signed in yet."""
        return self.first_seen_at is None and self.person != LOCAL_KEY


def clean_email(raw: str) -> str:
    """An e-mail address as memberships store it (lower case), or a message naming the field."""
    email = (raw or "").strip().lower()
    if not email:
        raise MemberError("Type the new member's e-mail address.")
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise MemberError(
            "E-mail address: this does not look like one (name@company.com); nobody was added."
        )
    return email


def member_role(role: str) -> Role:
    try:
        found = Role(role)
    except ValueError:
        found = Role.SYSTEM
    if found not in MEMBER_ROLES:
        raise MemberError("Role: choose owner, editor or viewer.")
    return found


def memberships(session: Session, person: str) -> dict[int, Role]:
    """The workspaces a person (by key) is a member of, with their role in each."""
    rows = session.execute(select(Member.workspace_id, Member.role).where(Member.person == person))
    return {workspace_id: Role(role) for workspace_id, role in rows}


def role_in(session: Session, person: Person, workspace_id: int) -> Role | None:
    return memberships(session, person.key).get(workspace_id)


def signed_in(session: Session, person: Person) -> None:
    """Record a person's first sign-in (their access starts here) and their current name."""
    rows = session.scalars(select(Member).where(Member.person == person.key))
    for row in rows:
        if row.first_seen_at is None:
            row.first_seen_at = _now()
        if person.name and row.name != person.name:
            row.name = person.name[:200]


def list_members(session: Session, workspace_id: int) -> list[MemberInfo]:
    require(session, Action.READ, workspace_id)
    rows = session.scalars(
        select(Member).where(Member.workspace_id == workspace_id).order_by(Member.person)
    )
    return [
        MemberInfo(r.person, Role(r.role), r.name, r.added_by, r.added_at, r.first_seen_at)
        for r in rows
    ]


def add_member(session: Session, workspace_id: int, email: str, role: str) -> MemberInfo:
    access = require(session, Action.MANAGE_MEMBERS, workspace_id)
    person, chosen = clean_email(email), member_role(role)
    if _row(session, workspace_id, person) is not None:
        raise MemberError(f"{person} is already a member; change their role instead.")
    row = Member(
        workspace_id=workspace_id, person=person, role=chosen.value, added_by=access.actor, name=""
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # the same person added by another owner a moment ago
        if "unique" not in str(exc.orig).lower():
            raise
        # No savepoint: on SQLite one opened before the first write commits on release.
        # The unit of work rolls back on this error, as on any other.
        raise MemberError(f"{person} is already a member; change their role instead.") from None
    return MemberInfo(person, chosen, "", access.actor, row.added_at, None)


def change_role(session: Session, workspace_id: int, person: str, role: str) -> None:
    require(session, Action.MANAGE_MEMBERS, workspace_id)
    row, chosen = _existing(session, workspace_id, person), member_role(role)
    if row.role == Role.OWNER and chosen is not Role.OWNER:
        _keep_an_owner(session, workspace_id)
    row.role = chosen.value


def remove_member(session: Session, workspace_id: int, person: str) -> None:
    require(session, Action.MANAGE_MEMBERS, workspace_id)
    row = _existing(session, workspace_id, person)
    if row.role == Role.OWNER:
        _keep_an_owner(session, workspace_id)
    session.delete(row)


def require_creator(session: Session) -> Access:
    """Only administrators (named in the app's secrets) and the system create workspaces."""
    access = acting(session)
    if not (access.is_system or access.is_admin):
        raise PermissionDenied(
            "Only administrators can create workspaces; ask whoever runs Waypoint."
        )
    return access


def add_owner(session: Session, workspace_id: int) -> None:
    """Make whoever creates a workspace its owner (the local owner for the system)."""
    access = require_creator(session)
    person = LOCAL_KEY if access.is_system else access.person
    name = "Local owner" if access.is_system else access.actor
    session.add(
        Member(
            workspace_id=workspace_id,
            person=person,
            role=Role.OWNER.value,
            name=name,
            added_by=name,
            first_seen_at=_now(),
        )
    )


def adopt_local_workspaces(session: Session, admin: str) -> int:
    """With sign-in configured, the first administrator becomes an owner of every workspace
    whose only owner is the local owner (created before sign-in, or by the first start)."""
    admin = (admin or "").strip().lower()  # as sign-in names them (ui.identity)
    if not admin or admin == LOCAL_KEY:
        return 0
    owned = select(Member.workspace_id).where(
        Member.role == Role.OWNER.value, Member.person != LOCAL_KEY
    )
    orphans = session.scalars(
        select(Member.workspace_id).where(
            Member.person == LOCAL_KEY,
            Member.role == Role.OWNER.value,
            Member.workspace_id.not_in(owned),
        )
    ).all()
    for workspace_id in orphans:
        row = _row(session, workspace_id, admin)
        if row is None:
            row = Member(workspace_id=workspace_id, person=admin, name="", added_by="start-up")
            session.add(row)
        row.role = Role.OWNER.value
    return len(orphans)


def _row(session: Session, workspace_id: int, person: str) -> Member | None:
    return session.scalars(
        select(Member).where(Member.workspace_id == workspace_id, Member.person == person)
    ).first()


def _existing(session: Session, workspace_id: int, person: str) -> Member:
    row = _row(session, workspace_id, (person or "").strip().lower())
    if row is None:
        raise MemberError("That person is not a member of this workspace any more.")
    return row


def _keep_an_owner(session: Session, workspace_id: int) -> None:
    """Refuse to take away the workspace's last owner. The owners' rows are written (to
    themselves) before they are counted: PostgreSQL then locks them and SQLite takes its write
    lock, so two owners taking each other out at once cannot both count two owners; the
    second waits for the first and counts what it left."""
    session.execute(
        update(Member)
        .where(Member.workspace_id == workspace_id, Member.role == Role.OWNER.value)
        .values(role=Member.role)
        .execution_options(synchronize_session=False)
    )
    owners = session.scalar(
        select(func.count())
        .select_from(Member)
        .where(Member.workspace_id == workspace_id, Member.role == Role.OWNER.value)
    )
    if (owners or 0) <= 1:
        raise MemberError("A workspace needs at least one owner; make someone else owner first.")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
