"""Guest links on a real database (SQLite and PostgreSQL): only a hash is stored, tokens are
long, links expire and can be revoked, a passcode locks after five wrong tries (counted even
when the caller rolls back), joined guests come back by their own token, and only those who
may share make or revoke links, each for a map or round of their own workspace."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from core import journey
from core.access import links
from core.access.guard import bind, require
from core.access.identity import Access, PermissionDenied
from core.access.links import LinkRefused, PasscodeNeeded
from core.access.roles import Action, Role
from core.assessment.rounds import open_round
from core.db.engine import unit_of_work
from core.db.models import Guest, GuestLink
from core.workspace.workspaces import create_workspace

HEX64 = re.compile(r"[0-9a-f]{64}")
HOST = journey.Actor("Host", facilitator=True)


@contextmanager
def acting_as(factory: sessionmaker[Session], access: Access) -> Iterator[Session]:
    with unit_of_work(factory) as s:
        bind(s, access)
        yield s


class Place:
    """A workspace with a map and a round, and a second workspace with a map of its own."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        with unit_of_work(factory) as s:
            self.ws = create_workspace(s, "Acme").id
            self.map_id = journey.create_map(s, self.ws, "blank", HOST, name="Onboarding").id
            self.round_id = open_round(s, self.ws, "2026 Q4").id
            self.other_ws = create_workspace(s, "Other").id
            self.other_map = journey.create_map(s, self.other_ws, "blank", HOST, name="X").id

    def member(self, role: Role, workspace_id: int | None = None) -> Access:
        return Access(workspace_id or self.ws, "Acme", role, f"An {role}", person=f"{role}@x.com")


@pytest.fixture
def place(factory: sessionmaker[Session]) -> Place:
    return Place(factory)


def _make(factory: sessionmaker[Session], place: Place, kind: str = "participant", **kw: Any):
    target = {"round_id": place.round_id} if kind == "respondent" else {"map_id": place.map_id}
    with unit_of_work(factory) as s:
        return links.create_link(s, place.ws, kind, **target, **kw)


def _row(factory: sessionmaker[Session], link_id: int) -> GuestLink:
    with unit_of_work(factory) as s:
        row = s.get(GuestLink, link_id)
        assert row is not None
        return row


def _open(factory: sessionmaker[Session], token: str, **kw: str):
    with unit_of_work(factory) as s:
        return links.open_link(s, token, **kw)


def _move(factory: sessionmaker[Session], link_id: int, **values: Any) -> None:
    with unit_of_work(factory) as s:
        s.execute(update(GuestLink).where(GuestLink.id == link_id).values(**values))


def test_only_a_hash_of_a_long_token_is_stored(factory: sessionmaker[Session], place: Place):
    made = _make(factory, place, "viewer", passcode="tulip-42", label="  For   the board ")
    assert len(made.token) >= len(secrets.token_urlsafe(24))  # 192 bits, at least 128
    assert re.fullmatch(r"[A-Za-z0-9_-]+", made.token)
    assert made.token != _make(factory, place, "viewer").token
    row = _row(factory, made.info.id)
    assert HEX64.fullmatch(row.token_hash)
    assert row.token_hash == links.hash_token(made.token)
    assert (row.label, row.kind, row.map_id, row.round_id) == (
        "For the board",
        "viewer",
        place.map_id,
        None,
    )
    for column in GuestLink.__table__.columns:
        value = str(getattr(row, column.key))
        assert made.token not in value, column.key
        assert "tulip-42" not in value, column.key
    link, guest = _open(factory, made.token, passcode="tulip-42")
    assert (link.id, link.role, link.workspace_name, guest) == (
        made.info.id,
        Role.GUEST_VIEWER,
        "Acme",
        None,
    )
    with unit_of_work(factory) as s:
        guest_info, personal = links.join(s, link, "  Gina   Guest ")
    assert guest_info.name == "Gina Guest"
    assert len(personal) >= len(secrets.token_urlsafe(24))
    with unit_of_work(factory) as s:
        stored = s.get(Guest, guest_info.id)
        assert stored is not None
        assert stored.token_hash == links.hash_token(personal)
        assert personal not in (stored.token_hash, stored.name)


def test_links_expire_after_14_days_unless_told_and_within_1_to_90(
    factory: sessionmaker[Session], place: Place
):
    before = links.now()
    made = _make(factory, place)
    after = links.now()
    assert before + timedelta(days=14) <= made.info.expires_at <= after + timedelta(days=14)
    assert made.info.live()
    for days in (1, 90):
        info = _make(factory, place, days=days).info
        assert abs(info.expires_at - links.now() - timedelta(days=days)) < timedelta(minutes=1)
    for days in (0, -3, 91, 365):
        with pytest.raises(LinkRefused, match="between 1 and 90 days"):
            _make(factory, place, days=days)
    with unit_of_work(factory) as s:
        assert len(links.live_links(s, place.ws, map_id=place.map_id)) == 3


def test_expired_revoked_and_unknown_links_are_refused_each_with_its_reason(
    factory: sessionmaker[Session], place: Place
):
    expired, revoked = _make(factory, place), _make(factory, place, "respondent")
    _move(factory, expired.info.id, expires_at=links.now() - timedelta(seconds=1))
    with unit_of_work(factory) as s:
        links.revoke_link(s, place.ws, revoked.info.id)
    messages = {}
    for name, token in (
        ("expired", expired.token),
        ("revoked", revoked.token),
        ("unknown", secrets.token_urlsafe(24)),
        ("empty", ""),
    ):
        with pytest.raises(LinkRefused) as refused:
            _open(factory, token)
        messages[name] = str(refused.value)
        assert "Ask whoever shared it for a new one" in messages[name]
    assert "expired on" in messages["expired"]
    assert "revoked" in messages["revoked"]
    assert "does not open anything" in messages["unknown"]
    assert messages["empty"] == messages["unknown"]
    assert len({messages["expired"], messages["revoked"], messages["unknown"]}) == 3


def test_a_wrong_passcode_is_counted_even_when_the_caller_rolls_back(
    factory: sessionmaker[Session], place: Place
):
    made = _make(factory, place, passcode="tulip-42")
    with pytest.raises(PasscodeNeeded, match="needs its passcode"):
        _open(factory, made.token)
    assert _row(factory, made.info.id).failed_attempts == 0  # no passcode typed: no try
    for tries in range(1, 5):
        with pytest.raises(PasscodeNeeded, match=f"Wrong passcode: {5 - tries} tr"):
            _open(factory, made.token, passcode="wrong")  # the unit of work rolls back
        assert _row(factory, made.info.id).failed_attempts == tries
    link, _ = _open(factory, made.token, passcode="tulip-42")  # right, before the lockout
    assert link.id == made.info.id
    assert _row(factory, made.info.id).failed_attempts == 4  # a right one is no try
    with pytest.raises(LinkRefused, match="locked") as refused:
        _open(factory, made.token, passcode="wrong again")
    assert not isinstance(refused.value, PasscodeNeeded)
    assert _row(factory, made.info.id).failed_attempts == 5
    for passcode in ("tulip-42", "wrong", ""):
        with pytest.raises(LinkRefused, match="locked"):
            _open(factory, made.token, passcode=passcode)  # the right one no longer opens it
    assert _row(factory, made.info.id).failed_attempts == 5
    with unit_of_work(factory) as s:
        assert links.live_links(s, place.ws, map_id=place.map_id) == []


def test_a_count_is_kept_however_the_caller_ends(factory: sessionmaker[Session], place: Place):
    """Inside a caller's unit of work that catches the refusal and goes on, too."""
    made = _make(factory, place, passcode="tulip-42")
    with unit_of_work(factory) as s:
        for _ in range(2):
            with pytest.raises(PasscodeNeeded):
                links.open_link(s, made.token, passcode="nope")
    assert _row(factory, made.info.id).failed_attempts == 2


def test_tries_made_at_the_same_time_are_each_counted(factory: sessionmaker[Session], place: Place):
    """Two people on one link: one has read the link when the other's wrong try is counted.
    Both tries count, and once others have locked the link a right passcode no longer opens
    it (a count read, raised and written back lost the other's try)."""
    made = _make(factory, place, passcode="tulip-42")
    with unit_of_work(factory) as early:
        seen = early.scalars(select(GuestLink)).one()  # this person's request has read it
        with pytest.raises(PasscodeNeeded, match="4 tries left"):
            _open(factory, made.token, passcode="wrong")  # someone else, a moment before
        with pytest.raises(PasscodeNeeded, match="3 tries left"):
            links.open_link(early, made.token, passcode="also wrong")
        assert seen.id == made.info.id
    assert _row(factory, made.info.id).failed_attempts == 2
    _move(factory, made.info.id, failed_attempts=4)
    with unit_of_work(factory) as early:
        seen = early.scalars(select(GuestLink)).one()  # read while one try was left
        with pytest.raises(LinkRefused, match="locked"):
            _open(factory, made.token, passcode="wrong")  # someone else uses it up
        with pytest.raises(LinkRefused, match="locked"):
            links.open_link(early, made.token, passcode="tulip-42")
        assert seen.failed_attempts == 4  # what this request had read
    assert _row(factory, made.info.id).failed_attempts == 5


def test_a_joined_guest_comes_back_without_the_passcode(
    factory: sessionmaker[Session], place: Place
):
    made = _make(factory, place, passcode="tulip-42")
    link, _ = _open(factory, made.token, passcode="tulip-42")
    with unit_of_work(factory) as s:
        guest, personal = links.join(s, link, "Gus")
    again, back = _open(factory, made.token, guest_token=personal)
    assert back == guest
    access = links.guest_access(again, back)
    assert (access.role, access.map_id, access.round_id, access.actor) == (
        Role.PARTICIPANT,
        place.map_id,
        None,
        "Gus",
    )
    assert access.person == f"guest:{guest.id}"
    with unit_of_work(factory) as s:  # what the guest reaches: its map, nothing else
        bind(s, access)
        require(s, Action.ADD_NOTES, place.ws, map_id=place.map_id)
        with pytest.raises(PermissionDenied):
            require(s, Action.READ, place.ws, map_id=place.other_map)
        with pytest.raises(PermissionDenied):
            require(s, Action.SHARE, place.ws, map_id=place.map_id)

    other = _make(factory, place, passcode="other-code")
    other_link, _ = _open(factory, other.token, passcode="other-code")
    with unit_of_work(factory) as s:
        _, other_personal = links.join(s, other_link, "Olive")
    with pytest.raises(PasscodeNeeded):  # a guest of another link is nobody here
        _open(factory, made.token, guest_token=other_personal)
    link, nobody = _open(factory, made.token, guest_token=other_personal, passcode="tulip-42")
    assert nobody is None
    with unit_of_work(factory) as s:
        assert links.returning(s, link, other_personal) is None
        assert links.returning(s, link, personal) == guest
    no_code = _make(factory, place)
    no_code_link, nobody = _open(factory, no_code.token, guest_token=personal)
    assert nobody is None
    assert links.guest_access(no_code_link, None).person == f"link:{no_code.info.id}"


@pytest.mark.parametrize(
    "role", [Role.VIEWER, Role.PARTICIPANT, Role.GUEST_VIEWER, Role.RESPONDENT]
)
def test_viewers_and_guests_cannot_create_or_revoke_links(
    factory: sessionmaker[Session], place: Place, role: Role
):
    made = _make(factory, place)
    who = place.member(role)
    if role.is_guest:
        who = Access(place.ws, "Acme", role, "Guest", map_id=place.map_id, round_id=None)
    for kind, target in (
        ("participant", {"map_id": place.map_id}),
        ("viewer", {"map_id": place.map_id}),
        ("respondent", {"round_id": place.round_id}),
    ):
        with pytest.raises(PermissionDenied), acting_as(factory, who) as s:
            links.create_link(s, place.ws, kind, **target)
    with pytest.raises(PermissionDenied), acting_as(factory, who) as s:
        links.revoke_link(s, place.ws, made.info.id)
    with pytest.raises(PermissionDenied), acting_as(factory, who) as s:
        links.live_links(s, place.ws, map_id=place.map_id)
    with unit_of_work(factory) as s:
        assert [i.id for i in links.live_links(s, place.ws)] == [made.info.id]


def test_editors_share_and_owners_revoke_in_their_own_workspace_only(
    factory: sessionmaker[Session], place: Place
):
    with acting_as(factory, place.member(Role.EDITOR)) as s:
        made = links.create_link(s, place.ws, "participant", map_id=place.map_id)
        asked = links.create_link(s, place.ws, "respondent", round_id=place.round_id)
    assert made.info.created_by == "An editor"
    assert (asked.info.round_id, asked.info.map_id, asked.info.role) == (
        place.round_id,
        None,
        Role.RESPONDENT,
    )
    with acting_as(factory, place.member(Role.OWNER)) as s:
        links.revoke_link(s, place.ws, made.info.id)
    with (
        pytest.raises(PermissionDenied, match="not one of yours"),
        acting_as(factory, place.member(Role.OWNER, place.other_ws)) as s,
    ):
        links.revoke_link(s, place.ws, asked.info.id)
    with (
        pytest.raises(LinkRefused, match="no longer exists"),
        acting_as(factory, place.member(Role.OWNER, place.other_ws)) as s,
    ):
        links.revoke_link(s, place.other_ws, asked.info.id)  # not that workspace's link
    assert _row(factory, asked.info.id).revoked_at is None


def test_a_link_reaches_only_a_map_or_round_of_its_workspace(
    factory: sessionmaker[Session], place: Place
):
    owner = place.member(Role.OWNER)
    refusals = [
        ("participant", {"map_id": place.other_map}),
        ("viewer", {"map_id": place.other_map}),
        ("participant", {}),
        ("viewer", {"round_id": place.round_id}),
        ("respondent", {"map_id": place.map_id}),
        ("respondent", {"round_id": place.round_id + 999}),
        ("participant", {"map_id": place.map_id + 999}),
    ]
    for kind, target in refusals:
        with (
            pytest.raises(LinkRefused, match="not in this workspace"),
            acting_as(factory, owner) as s,
        ):
            links.create_link(s, place.ws, kind, **target)
    with pytest.raises(PermissionDenied, match="not one of yours"), acting_as(factory, owner) as s:
        links.create_link(s, place.other_ws, "participant", map_id=place.other_map)
    with pytest.raises(LinkRefused, match="Choose what the link"), acting_as(factory, owner) as s:
        links.create_link(s, place.ws, "owner", map_id=place.map_id)
    with unit_of_work(factory) as s:
        assert s.scalars(select(GuestLink)).all() == []


def test_a_map_link_carries_its_map_alone(factory: sessionmaker[Session], place: Place):
    """A round passed beside a map (or a map beside a round) is not reached by the link."""
    with unit_of_work(factory) as s:
        to_map = links.create_link(
            s, place.ws, "participant", map_id=place.map_id, round_id=place.round_id
        )
        to_round = links.create_link(
            s, place.ws, "respondent", map_id=place.map_id, round_id=place.round_id
        )
    assert (to_map.info.map_id, to_map.info.round_id) == (place.map_id, None)
    assert (to_round.info.map_id, to_round.info.round_id) == (None, place.round_id)
    link, _ = _open(factory, to_map.token)
    with unit_of_work(factory) as s:
        bind(s, links.guest_access(link, None))
        with pytest.raises(PermissionDenied, match="one thing only"):
            require(s, Action.READ, place.ws, round_id=place.round_id)


def test_live_links_lists_only_live_ones_and_revoke_is_idempotent(
    factory: sessionmaker[Session], place: Place
):
    first, second = _make(factory, place), _make(factory, place, "viewer")
    gone, old = _make(factory, place), _make(factory, place)
    locked = _make(factory, place, passcode="x")
    asked = _make(factory, place, "respondent")
    _move(factory, old.info.id, expires_at=links.now() - timedelta(minutes=1))
    _move(factory, locked.info.id, failed_attempts=links.MAX_ATTEMPTS)
    for _ in range(2):
        with unit_of_work(factory) as s:
            links.revoke_link(s, place.ws, gone.info.id)
    revoked_at = _row(factory, gone.info.id).revoked_at
    assert revoked_at is not None
    with unit_of_work(factory) as s:
        links.revoke_link(s, place.ws, gone.info.id)
    assert _row(factory, gone.info.id).revoked_at == revoked_at  # the first time is kept
    with unit_of_work(factory) as s:
        on_map = links.live_links(s, place.ws, map_id=place.map_id)
        on_round = links.live_links(s, place.ws, round_id=place.round_id)
        everything = links.live_links(s, place.ws)
        assert links.live_links(s, place.other_ws) == []
    assert [i.id for i in on_map] == [second.info.id, first.info.id]  # newest first
    assert [i.id for i in on_round] == [asked.info.id]
    assert {i.id for i in everything} == {first.info.id, second.info.id, asked.info.id}
    with pytest.raises(LinkRefused, match="no longer exists"), unit_of_work(factory) as s:
        links.revoke_link(s, place.ws, 10**6)


def test_a_passcode_too_long_or_a_long_label(factory: sessionmaker[Session], place: Place):
    with pytest.raises(LinkRefused, match="Passcode: keep it under 64 characters"):
        _make(factory, place, passcode="x" * 65)
    with unit_of_work(factory) as s:
        assert s.scalars(select(GuestLink)).all() == []
    made = _make(factory, place, passcode="p" * 64, label="Board " * 40)
    assert len(made.info.label) == 80
    assert made.info.has_passcode
    link, _ = _open(factory, made.token, passcode="p" * 64)
    assert link.id == made.info.id
