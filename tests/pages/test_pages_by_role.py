"""Every page opens cleanly for each role (issue 12): each member role opens every page its
navigation lists, and each kind of guest link opens its one page, on both databases, with no
exception and no error box."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import assessment as A
from core import journey as jm
from core.access import links
from core.access.roles import Role
from core.db.engine import unit_of_work
from tests.support.apptest import act_as, add_member, workspace_id_named
from ui.registry import pages_for

DEMO = "Demo workspace"


def _opens_cleanly(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    assert not app.exception, (page, app.exception)
    assert not app.error, (page, [e.value for e in app.error])


@pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR, Role.VIEWER])
def test_every_page_of_a_members_navigation_opens(app: AppTest, factory, monkeypatch, role):
    ws = workspace_id_named(factory, DEMO)
    if role is not Role.OWNER:  # the owner is the local owner the fixture runs as
        add_member(factory, ws, f"{role.value}@example.com", role.value)
        act_as(monkeypatch, f"{role.value}@example.com", role.value.title())
    for entry in pages_for(role):
        _opens_cleanly(app, entry.path)


@pytest.mark.parametrize("kind", ["participant", "viewer", "respondent"])
def test_every_kind_of_guest_link_opens_its_page(app: AppTest, factory, kind):
    ws = workspace_id_named(factory, DEMO)
    with unit_of_work(factory) as s:
        if kind == "respondent":
            target = {"round_id": A.list_rounds(s, ws)[0].id}
        else:
            target = {"map_id": jm.list_maps(s, ws)[0].id}
        token = links.create_link(s, ws, kind, **target).token
    app.query_params["round" if kind == "respondent" else "link"] = token
    app.run()
    if kind == "participant":
        app.text_input[0].input("Pat")
        app.button[0].click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title, "the guest's page drew nothing"
    assert DEMO not in " ".join(str(s.value) for s in app.sidebar.selectbox)


EDITING_KEYS = {"add_submit", "create_submit", "delete_map", "duplicate_submit"}


def _editing_controls(app: AppTest) -> set[str]:
    keys = {b.key for b in app.button} | {b.key for b in app.get("button")}
    return {k for k in keys if k in EDITING_KEYS or (k or "").startswith("set_save_")}


@pytest.mark.parametrize(("role", "may_edit"), [(Role.VIEWER, False), (Role.EDITOR, True)])
def test_a_viewer_sees_no_journey_editing_control(app, factory, monkeypatch, role, may_edit):
    """A member viewer reads the maps with no control to change them; an editor has them."""
    ws = workspace_id_named(factory, DEMO)
    add_member(factory, ws, f"{role.value}@example.com", role.value)
    act_as(monkeypatch, f"{role.value}@example.com")
    _opens_cleanly(app, "pages/journey.py")
    app.run()  # the journey page's own state settles (the map picked) on its second run
    assert bool(_editing_controls(app)) is may_edit, _editing_controls(app)
