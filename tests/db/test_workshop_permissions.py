"""Who may do what in a workshop, decided by who acts (the identity bound to the session), on
SQLite and PostgreSQL: viewers and read-only guests add no notes and no dots, a participant
reaches only the map of their link and none of the facilitator's controls, and a dot counts
once per person, however many tabs or reloads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core import journey as jm
from core.access import links
from core.access.guard import bind
from core.access.identity import Access, PermissionDenied, Role
from core.db.engine import unit_of_work
from core.db.models import JourneyMap, NoteVote, StickyNote
from core.journey import workshop
from core.workspace.workspaces import create_workspace

HOST = jm.Actor("Host")
# What a page hands the journey core: the name, and "facilitator" when the page thinks so.
# The checks must follow the identity bound to the session, not this flag.
CLAIMS_TO_FACILITATE = jm.Actor("Someone", facilitator=True)


@dataclass(frozen=True)
class Room:
    workspace_id: int
    map_a: int
    map_b: int
    note_a: int
    note_b: int
    stage_a: int


@pytest.fixture
def room(factory: sessionmaker[Session]) -> Room:
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Workshop rights").id
        a = jm.create_map(s, ws, "six_stage", HOST, name="Map A").id
        b = jm.create_map(s, ws, "six_stage", HOST, name="Map B").id
        stage_a = jm.load(s, a).stages[0]["id"]
        note_a = workshop.add_note(s, a, stage_a, "idea", "Note on A", HOST)
        note_b = workshop.add_note(s, b, None, "pain", "Note on B", HOST)
    return Room(ws, a, b, note_a, note_b, stage_a)


@contextmanager
def acting_as(factory: sessionmaker[Session], access: Access) -> Iterator[Session]:
    """One unit of work on behalf of `access` (as a page's transaction() binds it)."""
    with unit_of_work(factory) as s:
        bind(s, access)
        yield s


def _guest(factory: sessionmaker[Session], room: Room, kind: str, map_id: int, name: str) -> Access:
    """A guest who came in through a real link: created, opened, joined (participants)."""
    with unit_of_work(factory) as s:
        made = links.create_link(s, room.workspace_id, kind, map_id=map_id)
    with unit_of_work(factory) as s:
        link, _ = links.open_link(s, made.token)
        guest = links.join(s, link, name)[0] if kind == "participant" else None
    return links.guest_access(link, guest)


def _participant(
    factory: sessionmaker[Session], room: Room, map_id: int, name: str = "Pat"
) -> tuple[Access, str, str]:
    """A participant's Access, the link token and their personal token (their `me=`)."""
    with unit_of_work(factory) as s:
        made = links.create_link(s, room.workspace_id, "participant", map_id=map_id)
    with unit_of_work(factory) as s:
        link, _ = links.open_link(s, made.token)
        guest, me = links.join(s, link, name)
    return links.guest_access(link, guest), made.token, me


def _member(room: Room, role: Role, name: str) -> Access:
    email = f"{name.lower()}@example.com"
    return Access(room.workspace_id, "Workshop rights", role, name, visitor=email, person=email)


def _counts(factory: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(factory) as s:
        notes = s.scalar(select(func.count()).select_from(StickyNote))
        votes = s.scalar(select(func.count()).select_from(NoteVote))
    return int(notes or 0), int(votes or 0)


def _controls(factory: sessionmaker[Session], map_id: int) -> tuple[object, ...]:
    with unit_of_work(factory) as s:
        m = s.get(JourneyMap, map_id)
        assert m is not None
        return (m.locked, m.presenting_stage_id, m.timer_started_at, m.timer_minutes, m.version)


def _refused_to_note_and_vote(
    factory: sessionmaker[Session], access: Access, map_id: int, note_id: int
) -> None:
    before = _counts(factory)
    with pytest.raises(PermissionDenied), acting_as(factory, access) as s:
        workshop.add_note(s, map_id, None, "idea", "Should not be stored", jm.Actor(access.actor))
    with pytest.raises(PermissionDenied), acting_as(factory, access) as s:
        workshop.set_vote(s, map_id, note_id, on=True)
    with pytest.raises(PermissionDenied), acting_as(factory, access) as s:
        workshop.toggle_vote(s, map_id, note_id)
    assert _counts(factory) == before


def test_viewers_and_read_only_guests_add_no_notes_and_no_dots(factory, room):
    vera = _member(room, Role.VIEWER, "Vera")
    gus = _guest(factory, room, "viewer", room.map_a, "")
    for access in (vera, gus):
        _refused_to_note_and_vote(factory, access, room.map_a, room.note_a)
        with acting_as(factory, access) as s:  # they still read the notes
            assert [n.text for n in workshop.list_notes(s, room.map_a)] == ["Note on A"]


def test_a_participant_of_one_map_reaches_no_other(factory, room):
    pat, _, _ = _participant(factory, room, room.map_a)
    _refused_to_note_and_vote(factory, pat, room.map_b, room.note_b)
    with pytest.raises(PermissionDenied), acting_as(factory, pat) as s:
        workshop.list_notes(s, room.map_b)
    with acting_as(factory, pat) as s:  # on the map of the link: notes and dots
        workshop.add_note(s, room.map_a, room.stage_a, "pain", "Kickoff too long", jm.Actor("Pat"))
        assert workshop.set_vote(s, room.map_a, room.note_a, on=True)
    with acting_as(factory, pat) as s:
        shown = {n.text: n for n in workshop.list_notes(s, room.map_a)}
    assert shown["Kickoff too long"].author == "Pat"
    assert shown["Note on A"].votes == 1
    assert shown["Note on A"].mine


def test_a_member_of_another_workspace_is_refused(factory, room):
    with unit_of_work(factory) as s:
        other = create_workspace(s, "Elsewhere").id
    olga = Access(other, "Elsewhere", Role.OWNER, "Olga", person="olga@example.com")
    _refused_to_note_and_vote(factory, olga, room.map_a, room.note_a)
    before = _controls(factory, room.map_a)
    with pytest.raises(PermissionDenied), acting_as(factory, olga) as s:
        workshop.set_locked(s, room.map_a, CLAIMS_TO_FACILITATE, locked=True)
    assert _controls(factory, room.map_a) == before


def test_a_participant_runs_none_of_the_facilitators_controls(factory, room):
    pat, _, _ = _participant(factory, room, room.map_a)
    with unit_of_work(factory) as s:
        other_stage = jm.load(s, room.map_a).stages[2]["id"]
    before = _controls(factory, room.map_a)
    attempts = [
        lambda s: workshop.set_locked(s, room.map_a, CLAIMS_TO_FACILITATE, locked=True),
        lambda s: workshop.present_stage(s, room.map_a, other_stage, CLAIMS_TO_FACILITATE),
        lambda s: workshop.start_timer(s, room.map_a, 10, CLAIMS_TO_FACILITATE),
        lambda s: workshop.stop_timer(s, room.map_a, CLAIMS_TO_FACILITATE),
        lambda s: workshop.convert_note(s, room.map_a, room.note_a, "risk", CLAIMS_TO_FACILITATE),
        lambda s: workshop.delete_note(s, room.map_a, room.note_a, CLAIMS_TO_FACILITATE),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied), acting_as(factory, pat) as s:
            attempt(s)
    assert _controls(factory, room.map_a) == before
    with acting_as(factory, _member(room, Role.OWNER, "Olive")) as s:
        (note,) = workshop.list_notes(s, room.map_a)
    assert note.converted_to == ""
    assert _counts(factory) == (2, 0)


def test_a_read_only_member_runs_none_of_them_and_an_editor_runs_all(factory, room):
    vera, eddie = _member(room, Role.VIEWER, "Vera"), _member(room, Role.EDITOR, "Eddie")
    before = _controls(factory, room.map_a)
    with pytest.raises(PermissionDenied), acting_as(factory, vera) as s:
        workshop.set_locked(s, room.map_a, CLAIMS_TO_FACILITATE, locked=True)
    with pytest.raises(PermissionDenied), acting_as(factory, vera) as s:
        workshop.start_timer(s, room.map_a, 5, CLAIMS_TO_FACILITATE)
    assert _controls(factory, room.map_a) == before
    editor = jm.Actor("Eddie", facilitator=True)
    with acting_as(factory, eddie) as s:
        workshop.set_locked(s, room.map_a, editor, locked=True)
        workshop.present_stage(s, room.map_a, room.stage_a, editor)
        workshop.start_timer(s, room.map_a, 5, editor)
        element = workshop.convert_note(s, room.map_a, room.note_a, "risk", editor)
        workshop.delete_note(s, room.map_b, room.note_b, editor)
    locked, presenting, started, minutes, _ = _controls(factory, room.map_a)
    assert (locked, presenting, minutes) == (True, room.stage_a, 5)
    assert started is not None
    assert element["name"] == "Note on A"
    assert _counts(factory) == (1, 0)


def test_a_second_dot_from_the_same_person_does_not_count(factory, room):
    pat, _, _ = _participant(factory, room, room.map_a)
    with acting_as(factory, pat) as s:  # first tab
        assert workshop.set_vote(s, room.map_a, room.note_a, on=True)
    with acting_as(factory, pat) as s:  # a second tab of the same person asks the same
        assert not workshop.set_vote(s, room.map_a, room.note_a, on=True)
    with acting_as(factory, pat) as s:
        (note,) = workshop.list_notes(s, room.map_a)
    assert (note.votes, note.mine) == (1, True)
    with acting_as(factory, pat) as s:  # a toggle from a tab that showed no dot takes it back
        assert workshop.toggle_vote(s, room.map_a, room.note_a) is False
    assert _counts(factory) == (2, 0)


def test_dots_are_bound_to_the_person_and_survive_a_return(factory, room):
    pat, token, me = _participant(factory, room, room.map_a, "Pat")
    with unit_of_work(factory) as s:
        link, _ = links.open_link(s, token)
        quinn = links.guest_access(link, links.join(s, link, "Quinn")[0])
    with acting_as(factory, pat) as s:
        workshop.set_vote(s, room.map_a, room.note_a, on=True)
    with acting_as(factory, quinn) as s:
        workshop.set_vote(s, room.map_a, room.note_a, on=True)
    # Pat reloads: the link and their personal token bring back the same person.
    with unit_of_work(factory) as s:
        link, guest = links.open_link(s, token, guest_token=me)
    again = links.guest_access(link, guest)
    assert again.voter == pat.voter
    with acting_as(factory, again) as s:
        (note,) = workshop.list_notes(s, room.map_a)
        assert (note.votes, note.mine) == (2, True)
        assert not workshop.set_vote(s, room.map_a, room.note_a, on=True)
        assert workshop.set_vote(s, room.map_a, room.note_a, on=False)
    with acting_as(factory, quinn) as s:
        (note,) = workshop.list_notes(s, room.map_a)
    assert (note.votes, note.mine) == (1, True)
    # A member's dot is theirs across sessions too: the same e-mail, the same dot.
    ana = _member(room, Role.EDITOR, "Ana")
    with acting_as(factory, ana) as s:
        workshop.set_vote(s, room.map_a, room.note_a, on=True)
    with acting_as(factory, _member(room, Role.EDITOR, "Ana")) as s:
        (note,) = workshop.list_notes(s, room.map_a)
        assert (note.votes, note.mine) == (2, True)
        assert not workshop.set_vote(s, room.map_a, room.note_a, on=True)


def test_a_long_member_key_votes_once(factory, room):
    """The vote column holds 64 characters; a longer e-mail must still be one voter."""
    long = "a" * 70 + "@example.com"
    ana = Access(room.workspace_id, "Workshop rights", Role.EDITOR, "Ana", person=long)
    for _ in range(2):
        with acting_as(factory, ana) as s:
            workshop.set_vote(s, room.map_a, room.note_a, on=True)
    with acting_as(factory, ana) as s:
        (note,) = workshop.list_notes(s, room.map_a)
    assert (note.votes, note.mine) == (1, True)


def test_each_person_has_a_limited_number_of_dots(factory, room):
    """Dot voting gives each person DOTS_PER_PERSON dots per map (one per note): the next is
    refused with a message, taking one back frees it, and another person has their own."""
    budget = workshop.DOTS_PER_PERSON
    with unit_of_work(factory) as s:
        notes = [
            workshop.add_note(s, room.map_a, None, "idea", f"Idea {n}", HOST)
            for n in range(budget + 1)
        ]
    pat, _, _ = _participant(factory, room, room.map_a)
    for note in notes[:budget]:
        with acting_as(factory, pat) as s:
            assert workshop.set_vote(s, room.map_a, note, on=True)
    with acting_as(factory, pat) as s:
        assert workshop.dots_used(s, room.map_a) == budget
        with pytest.raises(jm.JourneyError, match=f"all {budget} of your dots"):
            workshop.set_vote(s, room.map_a, notes[budget], on=True)
    with acting_as(factory, pat) as s:
        workshop.set_vote(s, room.map_a, notes[0], on=False)
    with acting_as(factory, pat) as s:
        assert workshop.set_vote(s, room.map_a, notes[budget], on=True)
    kim, _, _ = _participant(factory, room, room.map_a, "Kim")
    with acting_as(factory, kim) as s:
        assert workshop.set_vote(s, room.map_a, notes[0], on=True)
        assert workshop.dots_used(s, room.map_a) == 1
    with acting_as(factory, pat) as s:  # a dot on another map is not counted here
        assert workshop.dots_used(s, room.map_a) == budget
