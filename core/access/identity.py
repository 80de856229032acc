"""The acting identity: a person (or guest, or the system) and what they reach."""

from __future__ import annotations

from dataclasses import dataclass

from core.access.roles import Action, Role, allows

__all__ = ["LOCAL_KEY", "SYSTEM", "Access", "Action", "Person", "PermissionDenied", "Role"]
from core.common.errors import UserError

LOCAL_KEY = "local"
"""The one person of local mode (no sign-in configured): owner of what it creates."""


class PermissionDenied(UserError):
    """The acting person's role does not allow what was asked; the message says which role
    and what it cannot do. Nothing was read or changed."""


@dataclass(frozen=True)
class Person:
    """Someone signed in (or the local owner): who they are across workspaces.

    `key` is what memberships and records name: the lower-case e-mail address of a signed-in
    person, `local` in local mode.
    """

    key: str
    name: str
    is_admin: bool = False

    @property
    def is_local(self) -> bool:
        return self.key == LOCAL_KEY


LOCAL_PERSON = Person(LOCAL_KEY, "Local owner", is_admin=True)


@dataclass(frozen=True)
class Access:
    """The workspace being looked at, by whom, in what role, and for a guest what one thing.

    `actor` is the name that goes into history and notes; `person` the stable key of who acts
    (an e-mail, `local`, or `guest:<id>`), to which votes and undo are bound; `visitor` tells
    one browser session from another. A guest's `map_id` or `round_id` is the one
    thing their link reaches; members have none of them.
    """

    workspace_id: int
    workspace_name: str
    role: Role
    actor: str
    visitor: str = ""
    map_id: int | None = None
    person: str = ""
    round_id: int | None = None
    link_id: int | None = None
    is_admin: bool = False

    @property
    def facilitates(self) -> bool:
        """May manage maps and run the workshop controls (owners and editors)."""
        return self.may(Action.EDIT_JOURNEYS)

    @property
    def read_only(self) -> bool:
        return self.role in (Role.VIEWER, Role.GUEST_VIEWER)

    @property
    def is_guest(self) -> bool:
        return self.role.is_guest

    @property
    def is_system(self) -> bool:
        return self.role is Role.SYSTEM

    def may(self, action: Action) -> bool:
        return allows(self.role, action)

    @property
    def voter(self) -> str:
        """What a dot vote is counted against: the person, else the browser session."""
        return self.person or self.visitor


def outside_any_workspace(person: Person) -> Access:
    """Who acts before a workspace is chosen: lists their workspaces, may create one if an
    administrator, and reaches no workspace's data."""
    return Access(0, "", Role.VIEWER, person.name, person=person.key, is_admin=person.is_admin)


SYSTEM = Access(0, "", Role.SYSTEM, "Waypoint", person="system")
"""The first-start demo, the command line, backups and tests' set-up: every workspace."""
