"""The table of who may do what (issue 12), written out here on its own, and the guard that
applies it to the identity a session carries."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from core.access import guard
from core.access.identity import SYSTEM, Access, PermissionDenied
from core.access.roles import ALLOWED, Action, Role

A = Action
OWNER_ONLY = {A.MANAGE_MEMBERS, A.IMPORT_DATA, A.EDIT_SETTINGS, A.MANAGE_WORKSPACE}
EDITING = {
    A.READ,
    A.EDIT_JOURNEYS,  # journey maps and their workshops
    A.EDIT_MAP_CONTENT,
    A.ADD_NOTES,
    A.SHARE,  # guest links to a map's workshop or a round
    A.EDIT_ASSESSMENTS,  # assessment rounds
    A.ANSWER,
    A.EDIT_RISK,  # risk states and their notes
}
EXPECTED: dict[Role, set[Action]] = {
    Role.OWNER: OWNER_ONLY | EDITING,
    Role.EDITOR: EDITING,
    Role.VIEWER: {A.READ},
    Role.PARTICIPANT: {A.READ, A.EDIT_MAP_CONTENT, A.ADD_NOTES},
    Role.GUEST_VIEWER: {A.READ},
    Role.RESPONDENT: {A.ANSWER},
    Role.SYSTEM: set(Action),
}
WS = 7


def test_the_owner_may_everything_and_only_the_owner_runs_the_workspace():
    assert EXPECTED[Role.OWNER] == set(Action)
    for role in Role:
        if role not in (Role.OWNER, Role.SYSTEM):
            assert not OWNER_ONLY & ALLOWED[role], role


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_exactly_what_the_issue_says(role: Role):
    assert set(ALLOWED[role]) == EXPECTED[role]
    for action in Action:
        assert Access(WS, "W", role, "Someone").may(action) == (action in EXPECTED[role])


def test_viewers_change_nothing_and_guests_are_guests():
    for role in (Role.VIEWER, Role.GUEST_VIEWER):
        assert ALLOWED[role] == {A.READ}
        assert Access(WS, "W", role, "V").read_only
    assert {r for r in Role if r.is_guest} == {Role.PARTICIPANT, Role.GUEST_VIEWER, Role.RESPONDENT}
    assert {r for r in Role if r.is_member} == {Role.OWNER, Role.EDITOR, Role.VIEWER}
    assert Access(WS, "W", Role.EDITOR, "E").facilitates
    assert not Access(WS, "W", Role.VIEWER, "V").facilitates
    assert not Access(WS, "W", Role.PARTICIPANT, "P", map_id=1).facilitates


def _session(access: Access | None) -> Session:
    session = Session()
    if access is not None:
        guard.bind(session, access)
    return session


def test_a_session_with_nobody_bound_is_refused():
    with pytest.raises(PermissionDenied, match="Nobody is signed in"):
        guard.require(_session(None), A.READ, WS)
    with pytest.raises(PermissionDenied, match="Nobody is signed in"):
        guard.acting(_session(None))
    session = _session(None)
    session.info["waypoint_acting"] = "owner"  # anything but an Access is nobody
    with pytest.raises(PermissionDenied):
        guard.require(session, A.READ, WS)


def test_another_workspace_is_refused_even_to_its_owner_elsewhere():
    owner = Access(WS, "Acme", Role.OWNER, "Olga", person="olga@x.com")
    session = _session(owner)
    assert guard.require(session, A.MANAGE_MEMBERS, WS) is owner
    with pytest.raises(PermissionDenied, match="not one of yours"):
        guard.require(session, A.READ, WS + 1)


@pytest.mark.parametrize(
    ("role", "action", "words"),
    [
        (Role.VIEWER, A.EDIT_RISK, "As a viewer of “Acme” you cannot change risk states"),
        (Role.EDITOR, A.IMPORT_DATA, "As an editor of “Acme” you cannot import data"),
        (Role.EDITOR, A.MANAGE_MEMBERS, "you cannot manage the workspace's members"),
        (Role.EDITOR, A.EDIT_SETTINGS, "you cannot change segment targets"),
        (Role.EDITOR, A.MANAGE_WORKSPACE, "you cannot rename or delete"),
        (Role.VIEWER, A.EDIT_JOURNEYS, "you cannot create, change or delete journey maps"),
        (Role.VIEWER, A.EDIT_ASSESSMENTS, "you cannot open, close, reveal or delete"),
        (Role.VIEWER, A.ADD_NOTES, "you cannot add sticky notes"),
        (Role.VIEWER, A.SHARE, "you cannot create or revoke guest links"),
    ],
)
def test_a_missing_action_is_refused_naming_role_and_action(role: Role, action: Action, words: str):
    session = _session(Access(WS, "Acme", role, "Someone", person="s@x.com"))
    with pytest.raises(PermissionDenied) as refused:
        guard.require(session, action, WS)
    assert words in str(refused.value)
    assert "ask one of its owners" in str(refused.value)


def test_members_are_not_bound_to_one_map_or_round():
    session = _session(Access(WS, "Acme", Role.EDITOR, "Ed", person="ed@x.com"))
    guard.require(session, A.EDIT_MAP_CONTENT, WS, map_id=3)
    guard.require(session, A.EDIT_ASSESSMENTS, WS, round_id=4)
    guard.require(session, A.EDIT_JOURNEYS, WS)


def test_a_participant_reaches_only_its_map():
    guest = Access(WS, "Acme", Role.PARTICIPANT, "Gus", map_id=3, person="guest:1", link_id=1)
    session = _session(guest)
    assert guard.require(session, A.ADD_NOTES, WS, map_id=3) is guest
    guard.require(session, A.EDIT_MAP_CONTENT, WS, map_id=3)
    for elsewhere in ({"map_id": 4}, {}, {"round_id": 3}, {"map_id": None, "round_id": None}):
        with pytest.raises(PermissionDenied, match="one thing only"):
            guard.require(session, A.READ, WS, **elsewhere)
    with pytest.raises(PermissionDenied, match="cannot create or revoke guest links"):
        guard.require(session, A.SHARE, WS, map_id=3)
    with pytest.raises(PermissionDenied, match="not one of yours"):
        guard.require(session, A.READ, WS + 1, map_id=3)


def test_a_read_only_guest_reads_its_map_and_changes_nothing():
    session = _session(Access(WS, "Acme", Role.GUEST_VIEWER, "Guest", map_id=3, link_id=2))
    guard.require(session, A.READ, WS, map_id=3)
    for action in set(Action) - {A.READ}:
        with pytest.raises(PermissionDenied):
            guard.require(session, action, WS, map_id=3)
    with pytest.raises(PermissionDenied, match="one thing only"):
        guard.require(session, A.READ, WS, map_id=5)


def test_a_respondent_answers_only_its_round():
    session = _session(Access(WS, "Acme", Role.RESPONDENT, "Rita", round_id=9, link_id=3))
    guard.require(session, A.ANSWER, WS, round_id=9)
    for elsewhere in ({"round_id": 10}, {}, {"map_id": 9}):
        with pytest.raises(PermissionDenied, match="one thing only"):
            guard.require(session, A.ANSWER, WS, **elsewhere)
    with pytest.raises(PermissionDenied, match="cannot open, close, reveal"):
        guard.require(session, A.EDIT_ASSESSMENTS, WS, round_id=9)
    with pytest.raises(PermissionDenied, match="cannot see this workspace's data"):
        guard.require(session, A.READ, WS, round_id=9)


@pytest.mark.parametrize("action", list(Action))
def test_the_system_passes_every_check_in_every_workspace(action: Action):
    session = _session(SYSTEM)
    for workspace_id, scope in ((WS, {}), (WS + 1, {"map_id": 3}), (0, {"round_id": 9})):
        assert guard.require(session, action, workspace_id, **scope) is SYSTEM


def test_binding_replaces_who_acts():
    session = _session(SYSTEM)
    guard.bind(session, Access(WS, "Acme", Role.VIEWER, "Vera", person="vera@x.com"))
    with pytest.raises(PermissionDenied):
        guard.require(session, A.EDIT_RISK, WS)
    assert guard.acting(session).actor == "Vera"
