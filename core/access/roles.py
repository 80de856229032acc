"""Roles and the actions each may take: the one table of who may do what."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a person is to a workspace, or to the one thing a guest link reaches."""

    OWNER = "owner"
    """Runs the workspace: members, data import, targets and score settings, rename/delete."""
    EDITOR = "editor"
    """Journey maps and workshops, assessment rounds, risk states and notes."""
    VIEWER = "viewer"
    """Reads everything in the workspace and changes nothing (the executive)."""
    PARTICIPANT = "participant"
    """A workshop guest on one map: notes, votes, and edits while the facilitator allows."""
    GUEST_VIEWER = "guest_viewer"
    """A read-only guest of one map or one scorecard summary."""
    RESPONDENT = "respondent"
    """A guest who answers their own part of one assessment round."""
    SYSTEM = "system"
    """The first-start demo, the command line and backups: never a person in a browser."""

    @property
    def is_guest(self) -> bool:
        return self in (Role.PARTICIPANT, Role.GUEST_VIEWER, Role.RESPONDENT)

    @property
    def is_member(self) -> bool:
        return self in MEMBER_ROLES

    @property
    def label(self) -> str:
        return _LABELS[self]


MEMBER_ROLES = (Role.OWNER, Role.EDITOR, Role.VIEWER)

_LABELS = {
    Role.OWNER: "owner",
    Role.EDITOR: "editor",
    Role.VIEWER: "viewer",
    Role.PARTICIPANT: "workshop participant",
    Role.GUEST_VIEWER: "read-only guest",
    Role.RESPONDENT: "assessment respondent",
    Role.SYSTEM: "system",
}


class Action(StrEnum):
    """What a use case does, worded to finish the sentence "you cannot ..."."""

    READ = "see this workspace's data"
    MANAGE_MEMBERS = "manage the workspace's members"
    MANAGE_WORKSPACE = "rename or delete the workspace"
    IMPORT_DATA = "import data or change the active data version"
    EDIT_SETTINGS = "change segment targets, the analysis date or the health-score settings"
    EDIT_JOURNEYS = "create, change or delete journey maps or run their workshops"
    EDIT_MAP_CONTENT = "change the elements of this journey map"
    ADD_NOTES = "add sticky notes or vote"
    SHARE = "create or revoke guest links"
    EDIT_ASSESSMENTS = "open, close, reveal or delete assessment rounds"
    ANSWER = "answer an assessment"
    EDIT_RISK = "change risk states or their notes"


_EDITING = {
    Action.READ,
    Action.EDIT_JOURNEYS,
    Action.EDIT_MAP_CONTENT,
    Action.ADD_NOTES,
    Action.SHARE,
    Action.EDIT_ASSESSMENTS,
    Action.ANSWER,
    Action.EDIT_RISK,
}

ALLOWED: dict[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.EDITOR: frozenset(_EDITING),
    Role.VIEWER: frozenset({Action.READ}),
    # Guests: only inside the one map or round their link names (see guard.require).
    Role.PARTICIPANT: frozenset({Action.READ, Action.EDIT_MAP_CONTENT, Action.ADD_NOTES}),
    Role.GUEST_VIEWER: frozenset({Action.READ}),
    Role.RESPONDENT: frozenset({Action.ANSWER}),
    Role.SYSTEM: frozenset(Action),
}


def allows(role: Role, action: Action) -> bool:
    return action in ALLOWED[role]
