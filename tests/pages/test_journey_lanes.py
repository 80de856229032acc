"""The "Lanes by role" tab through AppTest, on SQLite and PostgreSQL: one lane per role and
"All roles", a participant's hostile label escaped in the table, CSV/SVG/PNG downloads."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import journey as jm
from core.db.engine import unit_of_work
from tests.support.apptest import open_in_empty_workspace, workspace_id_named

PAGE = "pages/journey.py"
WORKSPACE = "Journey lanes"
HOSTILE = "<img src=x onerror=window.__xss=1>"


@pytest.fixture
def app(app: AppTest, factory) -> AppTest:
    open_in_empty_workspace(app, factory, WORKSPACE)
    app.switch_page(PAGE).run()
    assert not app.exception
    app.selectbox(key="create_template").set_value("six_stage")
    app.button(key="create_submit").click().run()
    assert not app.exception
    return app


def _lanes_html(app: AppTest) -> str:
    found = [e.proto.body for e in app.get("html") if "All roles" in e.proto.body]
    assert len(found) == 1, "the lanes table is drawn once"
    return found[0]


def test_lanes_tab_shows_roles_and_keeps_hostile_labels_as_text(app, factory):
    with unit_of_work(factory) as s:
        (info,) = jm.list_maps(s, workspace_id_named(factory, WORKSPACE))
        kickoff = next(st["id"] for st in jm.load(s, info.id).stages if st["name"] == "Kickoff")
        values = {"name": HOSTILE, "stage_id": kickoff, "role": "admin"}
        jm.add_element(s, info.id, "touchpoint", values, jm.Actor("Pat", facilitator=False))
        jm.add_element(
            s, info.id, "risk", {"name": "Anyone's risk", "stage_id": kickoff}, jm.Actor()
        )
    app.session_state["journey_tab"] = "Lanes by role"  # the tab opened
    app.run()
    assert not app.exception
    page = _lanes_html(app)
    assert HOSTILE not in page
    assert "&lt;img src=x onerror=window.__xss=1&gt;" in page
    for lane in ("Admin / implementer", "Champion / buyer", "End user", "Executive sponsor"):
        assert lane in page
    admin_row = page.split("Admin / implementer", 1)[1].split("</tr>", 1)[0]
    assert "&lt;img" in admin_row
    all_roles_row = page.split("All roles</th>", 1)[1].split("</tr>", 1)[0]
    assert "Anyone&#x27;s risk" in all_roles_row
    app.button(key="lanes_files_make").click().run()  # the files, made when asked for
    assert not app.exception
    keys = {b.proto.id for b in app.get("download_button")}
    assert any("lanes_csv" in k for k in keys)
    assert any("lanes_png" in k for k in keys)
