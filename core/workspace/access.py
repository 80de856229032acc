"""Who is looking: one explicit value that every page part receives.

A page works out once, at its top, who the person is and what they reach, and passes this
value down to each part it draws; no part reads module globals or URL parameters to find out.
Use cases in core take the same value (or its actor) so that the decision of what a role may
do lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a person is to a workspace, or to the one thing a guest link reaches."""

    OWNER = "owner"
    """Runs the workspace: its data, its settings, its members; facilitates workshops."""
    PARTICIPANT = "participant"
    """A workshop guest on one map: notes, votes, and edits while the map is open."""
    GUEST_VIEWER = "guest_viewer"
    """A read-only guest of one map (an executive's link)."""

    @property
    def is_guest(self) -> bool:
        return self in (Role.PARTICIPANT, Role.GUEST_VIEWER)


@dataclass(frozen=True)
class Access:
    """The workspace being looked at, by whom, in what role, and (for a guest) which map.

    `actor` is the name that goes into history and notes; `visitor` a random token that tells
    one browser session from another (dot votes are counted per visitor).
    """

    workspace_id: int
    workspace_name: str
    role: Role
    actor: str
    visitor: str = ""
    map_id: int | None = None

    @property
    def facilitates(self) -> bool:
        """May manage maps and run the workshop controls."""
        return self.role is Role.OWNER

    @property
    def read_only(self) -> bool:
        return self.role is Role.GUEST_VIEWER

    @property
    def is_guest(self) -> bool:
        return self.role.is_guest
