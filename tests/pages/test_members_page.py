"""The Members page and what a person who is not an owner sees, through AppTest on both
databases: owners add, change and remove members; everyone else reads the list; someone who is
a member of nothing sees no workspace at all."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core.access import members
from core.access.guard import bind
from core.access.identity import Access
from core.access.roles import Role
from core.db.engine import unit_of_work
from tests.support.apptest import act_as, add_member, workspace_id_named

DEMO = "Demo workspace"


def _members(factory: sessionmaker[Session], workspace_id: int) -> dict[str, str]:
    with unit_of_work(factory) as s:
        return {m.person: m.role.value for m in members.list_members(s, workspace_id)}


def _open_members(app: AppTest) -> AppTest:
    app.switch_page("pages/members.py").run()
    assert not app.exception
    return app


def test_owner_adds_a_member_who_waits_for_first_sign_in(app: AppTest, factory):
    ws = workspace_id_named(factory, DEMO)
    _open_members(app)
    app.text_input(key="member_email").input("Erin@Example.com")
    app.selectbox(key="member_role").set_value("editor")
    app.button[0].click().run()
    assert not app.exception
    assert _members(factory, ws) == {"local": "owner", "erin@example.com": "editor"}
    table = app.dataframe[0].value
    row = table[table["Person"] == "erin@example.com"].iloc[0]
    assert row["Status"] == "waiting for first sign-in"
    assert app.text_input(key="member_email").value == ""


def test_a_bad_address_is_refused_naming_the_field(app: AppTest, factory):
    ws = workspace_id_named(factory, DEMO)
    _open_members(app)
    app.text_input(key="member_email").input("<script>alert(1)</script>")
    app.button[0].click().run()
    assert "E-mail address" in app.error[0].value
    assert _members(factory, ws) == {"local": "owner"}
    # What was typed stays, to be corrected.
    assert app.text_input(key="member_email").value == "<script>alert(1)</script>"


def test_the_last_owner_cannot_step_down(app: AppTest, factory):
    ws = workspace_id_named(factory, DEMO)
    _open_members(app)
    app.selectbox(key="change_person").set_value("local")
    app.selectbox(key="change_role").set_value("viewer")
    app.button[1].click().run()
    assert "at least one owner" in app.error[0].value
    assert _members(factory, ws) == {"local": "owner"}


def test_remove_asks_first(app: AppTest, factory):
    ws = workspace_id_named(factory, DEMO)
    add_member(factory, ws, "gone@example.com", "viewer")
    _open_members(app)
    app.selectbox(key="change_person").set_value("gone@example.com")
    app.button[2].click().run()
    assert _members(factory, ws)["gone@example.com"] == "viewer"  # not yet
    app.button(key="remove_confirm").click().run()
    assert not app.exception
    assert "gone@example.com" not in _members(factory, ws)


def test_a_viewer_reads_the_list_and_changes_nothing(app: AppTest, factory, monkeypatch):
    ws = workspace_id_named(factory, DEMO)
    add_member(factory, ws, "vera@example.com", "viewer")
    act_as(monkeypatch, "vera@example.com", "Vera")
    _open_members(app)
    assert "vera@example.com" in set(app.dataframe[0].value["Person"])
    assert any("Only the workspace's owners" in i.value for i in app.info)
    with pytest.raises(KeyError):
        app.text_input(key="member_email")
    assert any("viewer here" in c.value for c in app.sidebar.caption)
    with pytest.raises(KeyError):
        app.sidebar.text_input(key="rename_workspace_name")


def test_someone_in_no_workspace_sees_none(app: AppTest, factory, monkeypatch):
    act_as(monkeypatch, "stranger@example.com", "Stranger")
    app.switch_page("pages/home.py").run()
    assert not app.exception
    assert any("not a member of any workspace" in i.value for i in app.info)
    shown = " ".join(str(e.value) for e in [*app.title, *app.markdown, *app.sidebar.selectbox])
    assert DEMO not in shown
    assert not app.metric


def test_a_forged_member_change_is_refused_in_core(factory):
    """Hiding the form is not the check: core refuses a viewer's call."""
    from core.access.identity import PermissionDenied
    from core.workspace.workspaces import create_workspace

    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Forged").id
    with unit_of_work(factory) as s:
        members.add_member(s, ws, "vera@example.com", "viewer")
    with unit_of_work(factory) as s:
        bind(s, Access(ws, "Forged", Role.VIEWER, "Vera", person="vera@example.com"))
        with pytest.raises(PermissionDenied, match="viewer"):
            members.add_member(s, ws, "mallory@example.com", "owner")
    assert "mallory@example.com" not in _members(factory, ws)


def test_signing_in_costs_one_read_per_rerun(app: AppTest, factory, monkeypatch):
    """Who is looking (memberships, roles, the chosen workspace) is one read of the member
    table per rerun, whatever the page; recording a first sign-in happens once a session."""
    from sqlalchemy import event

    from ui.state import _engine

    ws = workspace_id_named(factory, DEMO)
    add_member(factory, ws, "vera@example.com", "viewer")
    act_as(monkeypatch, "vera@example.com", "Vera")
    app.run()  # the first run as Vera records her first sign-in
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if "member" in statement.lower():
            seen.append(statement)

    engine = _engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for page in ("pages/home.py", "pages/scorecards.py", "pages/members.py"):
            seen.clear()
            app.switch_page(page).run()
            assert not app.exception
            reads = [s for s in seen if "JOIN member" in s or "FROM member" in s]
            expected = 2 if page == "pages/members.py" else 1  # the Members page lists them
            assert len(reads) == expected, (page, reads)
    finally:
        event.remove(engine, "before_cursor_execute", count)
