"""Members of a workspace on a real database (SQLite and PostgreSQL): who may add, change and
remove them, what is refused, whose workspaces each person sees, who creates workspaces, and
the hand-over from the local owner to the first administrator."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.access import members
from core.access.guard import bind
from core.access.identity import LOCAL_KEY, Access, PermissionDenied, Person, outside_any_workspace
from core.access.members import MemberError
from core.access.roles import Role
from core.db.engine import unit_of_work
from core.db.models import Member
from core.workspace import workspaces

OLGA = Person("olga@x.com", "Olga Owner")
EDDIE = Person("eddie@x.com", "Eddie Editor")
VERA = Person("vera@x.com", "Vera Viewer")
ADA = Person("ada@x.com", "Ada Admin", is_admin=True)


@contextmanager
def acting_as(factory: sessionmaker[Session], access: Access) -> Iterator[Session]:
    with unit_of_work(factory) as s:
        bind(s, access)
        yield s


def as_member(workspace_id: int, person: Person, role: Role) -> Access:
    return Access(workspace_id, "Acme", role, person.name, person=person.key)


def _roles(factory: sessionmaker[Session], workspace_id: int) -> dict[str, str]:
    with unit_of_work(factory) as s:
        rows = s.scalars(select(Member).where(Member.workspace_id == workspace_id))
        return {r.person: r.role for r in rows}


@pytest.fixture
def acme(factory: sessionmaker[Session]) -> int:
    """A workspace (made by the system, so owned by `local`) with Olga owner, Eddie editor
    and Vera viewer."""
    with unit_of_work(factory) as s:
        ws = workspaces.create_workspace(s, "Acme").id
        members.add_member(s, ws, OLGA.key, "owner")
        members.add_member(s, ws, EDDIE.key, "editor")
        members.add_member(s, ws, VERA.key, "viewer")
    return ws


def test_an_owner_adds_changes_and_removes_members(factory: sessionmaker[Session], acme: int):
    olga = as_member(acme, OLGA, Role.OWNER)
    with acting_as(factory, olga) as s:
        added = members.add_member(s, acme, "  Nina@Example.COM ", "editor")
    assert (added.person, added.role, added.added_by) == (
        "nina@example.com",
        Role.EDITOR,
        OLGA.name,
    )
    assert added.pending
    assert _roles(factory, acme)["nina@example.com"] == "editor"
    with acting_as(factory, olga) as s:
        members.change_role(s, acme, "NINA@example.com", "viewer")
    assert _roles(factory, acme)["nina@example.com"] == "viewer"
    with acting_as(factory, olga) as s:
        members.remove_member(s, acme, "nina@example.com")
    assert "nina@example.com" not in _roles(factory, acme)
    with acting_as(factory, olga) as s:
        listed = members.list_members(s, acme)
    assert [(m.person, m.role) for m in listed] == [
        ("eddie@x.com", Role.EDITOR),
        (LOCAL_KEY, Role.OWNER),
        ("olga@x.com", Role.OWNER),
        ("vera@x.com", Role.VIEWER),
    ]
    assert not [m for m in listed if m.person == LOCAL_KEY][0].pending


@pytest.mark.parametrize(("person", "role"), [(EDDIE, Role.EDITOR), (VERA, Role.VIEWER)])
def test_editors_and_viewers_cannot_touch_members(
    factory: sessionmaker[Session], acme: int, person: Person, role: Role
):
    before = _roles(factory, acme)
    attempts = [
        lambda s: members.add_member(s, acme, "new@x.com", "viewer"),
        lambda s: members.add_member(s, acme, "self@x.com", "owner"),
        lambda s: members.change_role(s, acme, person.key, "owner"),
        lambda s: members.change_role(s, acme, OLGA.key, "viewer"),
        lambda s: members.remove_member(s, acme, OLGA.key),
    ]
    for attempt in attempts:
        with (
            pytest.raises(PermissionDenied, match="manage the workspace's members"),
            acting_as(factory, as_member(acme, person, role)) as s,
        ):
            attempt(s)
    assert _roles(factory, acme) == before


def test_an_owner_of_another_workspace_cannot_touch_these_members(
    factory: sessionmaker[Session], acme: int
):
    with unit_of_work(factory) as s:
        other = workspaces.create_workspace(s, "Other").id
    before = _roles(factory, acme)
    with (
        pytest.raises(PermissionDenied, match="not one of yours"),
        acting_as(factory, as_member(other, OLGA, Role.OWNER)) as s,
    ):
        members.add_member(s, acme, "new@x.com", "owner")
    with (
        pytest.raises(PermissionDenied, match="not one of yours"),
        acting_as(factory, as_member(other, OLGA, Role.OWNER)) as s,
    ):
        members.list_members(s, acme)
    assert _roles(factory, acme) == before


@pytest.mark.parametrize(
    "email",
    ["", "   ", "nina", "nina@", "@x.com", "nina@x", "ni na@x.com", "a@b@x.com", "n<a>@x.com"],
)
def test_a_bad_email_is_refused_naming_the_field(
    factory: sessionmaker[Session], acme: int, email: str
):
    before = _roles(factory, acme)
    with (
        pytest.raises(MemberError, match="(?i)e-mail address") as refused,
        acting_as(factory, as_member(acme, OLGA, Role.OWNER)) as s,
    ):
        members.add_member(s, acme, email, "editor")
    assert "Traceback" not in str(refused.value)
    assert _roles(factory, acme) == before
    too_long = "n" * 60 + "@" + "x" * 200 + ".com"
    with (
        pytest.raises(MemberError, match="E-mail address"),
        acting_as(factory, as_member(acme, OLGA, Role.OWNER)) as s,
    ):
        members.add_member(s, acme, too_long, "editor")


@pytest.mark.parametrize("role", ["system", "participant", "admin", ""])
def test_only_member_roles_can_be_given(factory: sessionmaker[Session], acme: int, role: str):
    with (
        pytest.raises(MemberError, match="Role: choose owner, editor or viewer"),
        acting_as(factory, as_member(acme, OLGA, Role.OWNER)) as s,
    ):
        members.add_member(s, acme, "nina@x.com", role)
    with (
        pytest.raises(MemberError, match="Role: choose"),
        acting_as(factory, as_member(acme, OLGA, Role.OWNER)) as s,
    ):
        members.change_role(s, acme, VERA.key, role)
    assert _roles(factory, acme)[VERA.key] == "viewer"
    assert "nina@x.com" not in _roles(factory, acme)


def test_a_member_cannot_be_added_twice(factory: sessionmaker[Session], acme: int):
    with (
        pytest.raises(MemberError, match="already a member"),
        acting_as(factory, as_member(acme, OLGA, Role.OWNER)) as s,
    ):
        members.add_member(s, acme, "VERA@x.com", "owner")
    assert _roles(factory, acme)[VERA.key] == "viewer"
    with (
        pytest.raises(MemberError, match="not a member"),
        acting_as(factory, as_member(acme, OLGA, Role.OWNER)) as s,
    ):
        members.change_role(s, acme, "nobody@x.com", "viewer")


def test_the_last_owner_cannot_be_removed_or_demoted(factory: sessionmaker[Session]):
    with acting_as(factory, outside_any_workspace(ADA)) as s:
        ws = workspaces.create_workspace(s, "Solo").id
    assert _roles(factory, ws) == {ADA.key: "owner"}
    ada = as_member(ws, ADA, Role.OWNER)
    for attempt in (
        lambda s: members.remove_member(s, ws, ADA.key),
        lambda s: members.change_role(s, ws, ADA.key, "editor"),
        lambda s: members.change_role(s, ws, ADA.key, "viewer"),
    ):
        with (
            pytest.raises(MemberError, match="at least one owner"),
            acting_as(factory, ada) as s,
        ):
            attempt(s)
    assert _roles(factory, ws) == {ADA.key: "owner"}
    with acting_as(factory, ada) as s:
        members.change_role(s, ws, ADA.key, "owner")  # staying owner is fine
        members.add_member(s, ws, OLGA.key, "owner")
    with acting_as(factory, ada) as s:
        members.change_role(s, ws, ADA.key, "editor")  # another owner is left
    with acting_as(factory, as_member(ws, OLGA, Role.OWNER)) as s:
        members.remove_member(s, ws, ADA.key)
    assert _roles(factory, ws) == {OLGA.key: "owner"}
    with (
        pytest.raises(MemberError, match="at least one owner"),
        acting_as(factory, as_member(ws, OLGA, Role.OWNER)) as s,
    ):
        members.remove_member(s, ws, OLGA.key)


def test_memberships_and_workspace_lists_are_one_s_own(factory: sessionmaker[Session], acme: int):
    with unit_of_work(factory) as s:
        beta = workspaces.create_workspace(s, "Beta").id
        workspaces.create_workspace(s, "Gamma")
        members.add_member(s, beta, VERA.key, "editor")
        members.add_member(s, beta, "someone@else.com", "owner")
    with unit_of_work(factory) as s:
        assert members.memberships(s, VERA.key) == {acme: Role.VIEWER, beta: Role.EDITOR}
        assert members.memberships(s, EDDIE.key) == {acme: Role.EDITOR}
        assert members.memberships(s, "stranger@x.com") == {}
        assert members.role_in(s, VERA, beta) is Role.EDITOR
        assert members.role_in(s, EDDIE, beta) is None
    for person, expected in (
        (VERA, ["Acme", "Beta"]),
        (EDDIE, ["Acme"]),
        (Person("stranger@x.com", "Stranger"), []),
    ):
        with acting_as(factory, outside_any_workspace(person)) as s:
            assert [w.name for w in workspaces.list_workspaces(s)] == expected, person
    with acting_as(factory, as_member(acme, VERA, Role.VIEWER)) as s:
        assert [w.name for w in workspaces.list_workspaces(s)] == ["Acme", "Beta"]
    with unit_of_work(factory) as s:  # the system sees all
        assert [w.name for w in workspaces.list_workspaces(s)] == ["Acme", "Beta", "Gamma"]


def test_only_administrators_create_workspaces_and_own_them(factory: sessionmaker[Session]):
    not_admin = Person("olga@x.com", "Olga Owner")
    with (
        pytest.raises(PermissionDenied, match="Only administrators can create workspaces"),
        acting_as(factory, outside_any_workspace(not_admin)) as s,
    ):
        workspaces.create_workspace(s, "Mine")
    with unit_of_work(factory) as s:
        assert workspaces.list_workspaces(s) == []
    with acting_as(factory, outside_any_workspace(ADA)) as s:
        made = workspaces.create_workspace(s, "Ada's")
    with unit_of_work(factory) as s:
        (row,) = s.scalars(select(Member).where(Member.workspace_id == made.id))
    assert (row.person, row.role, row.name, row.added_by) == (ADA.key, "owner", ADA.name, ADA.name)
    assert row.first_seen_at is not None
    with acting_as(factory, outside_any_workspace(ADA)) as s:
        assert [w.name for w in workspaces.list_workspaces(s)] == ["Ada's"]
    with unit_of_work(factory) as s:  # the system's workspaces are the local owner's
        by_system = workspaces.create_workspace(s, "By the system").id
    assert _roles(factory, by_system) == {LOCAL_KEY: "owner"}


def test_signing_in_records_the_first_time_and_the_name(factory: sessionmaker[Session], acme: int):
    with unit_of_work(factory) as s:
        beta = workspaces.create_workspace(s, "Beta").id
        members.add_member(s, beta, VERA.key, "owner")
    with unit_of_work(factory) as s:
        assert all(m.pending for m in members.list_members(s, acme) if m.person == VERA.key)
    with unit_of_work(factory) as s:
        members.signed_in(s, VERA)
    with unit_of_work(factory) as s:
        rows = s.scalars(select(Member).where(Member.person == VERA.key)).all()
        first = {r.workspace_id: r.first_seen_at for r in rows}
        assert set(first) == {acme, beta}
        assert all(at is not None for at in first.values())
        assert {r.name for r in rows} == {VERA.name}
        eddie = s.scalars(select(Member).where(Member.person == EDDIE.key)).one()
        assert eddie.first_seen_at is None  # nobody else's
    with unit_of_work(factory) as s:
        members.signed_in(s, Person(VERA.key, "Vera V."))
    with unit_of_work(factory) as s:
        rows = s.scalars(select(Member).where(Member.person == VERA.key)).all()
        assert {r.workspace_id: r.first_seen_at for r in rows} == first  # the first, kept
        assert {r.name for r in rows} == {"Vera V."}
        assert not any(m.pending for m in members.list_members(s, acme) if m.person == VERA.key)


def test_the_first_administrator_adopts_workspaces_only_local_owns(
    factory: sessionmaker[Session], acme: int
):
    with unit_of_work(factory) as s:
        alone = workspaces.create_workspace(s, "Local only").id
        viewed = workspaces.create_workspace(s, "Local, Ada views").id
        members.add_member(s, viewed, ADA.key, "viewer")
    with acting_as(factory, outside_any_workspace(ADA)) as s:
        theirs = workspaces.create_workspace(s, "Ada's own").id
    # Acme has Olga as owner beside local: not adopted.
    with unit_of_work(factory) as s:
        assert members.adopt_local_workspaces(s, "") == 0
        assert members.adopt_local_workspaces(s, LOCAL_KEY) == 0
        assert members.adopt_local_workspaces(s, ADA.key) == 2
    assert _roles(factory, alone) == {LOCAL_KEY: "owner", ADA.key: "owner"}
    assert _roles(factory, viewed) == {LOCAL_KEY: "owner", ADA.key: "owner"}
    assert ADA.key not in _roles(factory, acme)
    assert _roles(factory, theirs) == {ADA.key: "owner"}
    with unit_of_work(factory) as s:
        assert members.adopt_local_workspaces(s, " ADA@x.com ") == 0  # idempotent
        assert members.adopt_local_workspaces(s, "second@x.com") == 0  # only the first
    with unit_of_work(factory) as s:
        rows = s.scalars(select(Member).where(Member.person == ADA.key)).all()
    assert len(rows) == 3
    with acting_as(factory, outside_any_workspace(ADA)) as s:
        names = [w.name for w in workspaces.list_workspaces(s)]
    assert names == ["Local only", "Local, Ada views", "Ada's own"]


@pytest.mark.parametrize("second_step", ["demote", "remove"])
def test_two_owners_taking_each_other_out_at_once_leave_one(
    factory: sessionmaker[Session], second_step: str
):
    """Olga demotes Ada while Ada, at the same moment, demotes or removes Olga: each saw
    two owners. The second waits for the first and is refused; one owner is left."""
    with acting_as(factory, outside_any_workspace(ADA)) as s:
        ws = workspaces.create_workspace(s, "Pair").id
    with acting_as(factory, as_member(ws, ADA, Role.OWNER)) as s:
        members.add_member(s, ws, OLGA.key, "owner")
    outcome: dict[str, str] = {}

    def ada_at_once() -> None:
        try:
            with acting_as(factory, as_member(ws, ADA, Role.OWNER)) as s:
                if second_step == "demote":
                    members.change_role(s, ws, OLGA.key, "viewer")
                else:
                    members.remove_member(s, ws, OLGA.key)
            outcome["ada"] = "done"
        except MemberError as exc:
            outcome["ada"] = str(exc)

    with acting_as(factory, as_member(ws, OLGA, Role.OWNER)) as first:
        members.change_role(first, ws, ADA.key, "editor")
        first.flush()  # Olga's change is written, not yet committed
        second = threading.Thread(target=ada_at_once)
        second.start()
        second.join(timeout=1.5)  # Ada's request runs meanwhile
    second.join(timeout=30)
    assert not second.is_alive()
    assert "at least one owner" in outcome["ada"]
    assert _roles(factory, ws) == {OLGA.key: "owner", ADA.key: "editor"}


def test_the_same_person_added_by_two_owners_at_once_is_added_once(
    factory: sessionmaker[Session], acme: int
):
    """Both saw no such member; the second is told the person is already a member (it was
    a database error) and the first's addition stands."""
    outcome: dict[str, str] = {}

    def another_tab_at_once() -> None:
        try:
            with acting_as(factory, as_member(acme, OLGA, Role.OWNER)) as s:
                members.add_member(s, acme, "nina@x.com", "viewer")
            outcome["second"] = "done"
        except MemberError as exc:
            outcome["second"] = str(exc)

    with acting_as(factory, as_member(acme, OLGA, Role.OWNER)) as first:
        members.add_member(first, acme, "nina@x.com", "editor")  # written, not committed
        second = threading.Thread(target=another_tab_at_once)
        second.start()
        second.join(timeout=1.5)
    second.join(timeout=30)
    assert not second.is_alive()
    assert "nina@x.com is already a member" in outcome["second"]
    assert _roles(factory, acme)["nina@x.com"] == "editor"


def test_an_addition_is_undone_with_the_rest_of_its_unit_of_work(
    factory: sessionmaker[Session], acme: int
):
    def add_then_fail() -> None:
        with acting_as(factory, as_member(acme, OLGA, Role.OWNER)) as s:
            members.add_member(s, acme, "nina@x.com", "editor")
            raise RuntimeError("something after it failed")

    with pytest.raises(RuntimeError):
        add_then_fail()
    assert "nina@x.com" not in _roles(factory, acme)
