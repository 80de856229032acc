"""Odd values in the URL parameters the app reads end in a message naming the parameter.

Issue 13, item 4: a non-ASCII passcode (hmac.compare_digest raised TypeError), a map id of
20 digits (SQLite's driver raised OverflowError), a NUL byte (PostgreSQL's driver refuses it
in a string parameter) and their kind ended in an uncaught exception. Since issue 12 the
parameters are the guest link's key (`link=`, `view=`, `round=`) and the guest's personal key
(`me=`). Each run here goes through the whole app in AppTest, on SQLite and PostgreSQL, and
must show an error box that names the parameter and nothing else.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core import assessment as A
from core import journey as jm
from core.access import links
from core.access.links import LinkRefused
from core.common.link_params import MAX_ID, LinkError, link_id, link_token
from core.db.engine import unit_of_work
from tests.support.apptest import open_in_empty_workspace

JOURNEY, ASSESSMENT = "pages/journey.py", "pages/assessment.py"
WORKSPACE = "Link tests"
NUL = "\x00"

BAD_MAP_IDS = [
    "12345678901234567890",  # 20 digits: more than any 64-bit id
    str(2**63),
    str(MAX_ID + 1),  # fits 64 bits; PostgreSQL's integer id column raised on it
    "0",
    "-5",
    "1e3",
    "１２",  # full-width digits: int() would take them
    f"1{NUL}",
    "abc",
    "9" * 5000,
]
BAD_TOKENS = [
    "pässwörd",  # non-ASCII: hmac.compare_digest raises TypeError on it
    "密码",
    f"12{NUL}34",
    NUL,
    "a b",
    "x" * 129,
    "\u202e123",  # a right-to-left override
]


def _names_the_parameter(app: AppTest, what: str, param: str) -> None:
    """No exception, one error box naming the parameter, no traceback text in it."""
    assert not app.exception, app.exception
    messages = [e.value for e in app.error]
    assert len(messages) == 1, messages
    assert "This link is not valid" in messages[0]
    assert f"{what} ({param}=…)" in messages[0]
    assert "Traceback" not in messages[0]
    assert "/" not in messages[0].split("…")[0]


def _nothing_of_the_workspace(app: AppTest) -> None:
    assert not [b for b in app.button if b.key == "add_submit"]
    assert not [t for t in app.text_input if t.key == "assess_join_name"]
    assert WORKSPACE not in " ".join(str(t.value) for t in [*app.title, *app.markdown])


@pytest.fixture
def map_links(app: AppTest, factory: sessionmaker[Session]) -> tuple[str, str]:
    """A participant link and a read-only link of a map in an empty workspace."""
    ws_id = open_in_empty_workspace(app, factory, WORKSPACE)
    with unit_of_work(factory) as s:
        info = jm.create_map(s, ws_id, "six_stage", jm.Actor())
        participant = links.create_link(s, ws_id, "participant", map_id=info.id).token
        viewer = links.create_link(s, ws_id, "viewer", map_id=info.id).token
    return participant, viewer


@pytest.mark.parametrize("param", ["link", "view", "round"])
def test_odd_link_keys_are_refused_naming_them(app, map_links, param):
    app.switch_page(JOURNEY)
    for raw in BAD_TOKENS:
        app.query_params.clear()
        app.query_params[param] = raw
        app.run()
        _names_the_parameter(app, "link key", param)
        _nothing_of_the_workspace(app)


def test_odd_personal_keys_are_refused_naming_the_personal_key(app, map_links):
    participant, _ = map_links
    app.query_params["link"] = participant
    app.switch_page(JOURNEY)
    for raw in BAD_TOKENS:
        app.query_params["me"] = raw
        app.run()
        _names_the_parameter(app, "personal key", "me")
        _nothing_of_the_workspace(app)


def test_the_right_links_still_open_the_map(app, map_links):
    participant, viewer = map_links
    app.query_params["link"] = f" {participant} "  # a careless paste
    app.switch_page(JOURNEY).run()
    assert not app.exception
    app.text_input[0].input("Ana")
    app.button[0].click().run()
    assert not app.exception
    assert not app.error
    assert app.title[0].value == "Journey map · workshop"
    app.query_params.clear()
    app.query_params["view"] = viewer  # a read-only link from before sign-in used `view=`
    app.run()
    assert not app.exception
    assert app.title[0].value == "Journey map (read only)"


@pytest.fixture
def round_link(app: AppTest, factory: sessionmaker[Session]) -> tuple[A.RoundInfo, str]:
    ws_id = open_in_empty_workspace(app, factory, WORKSPACE)
    with unit_of_work(factory) as s:
        info = A.open_round(s, ws_id, "2026 Q4")
        token = links.create_link(s, ws_id, "respondent", round_id=info.id).token
    return info, token


def test_odd_respondent_keys_are_refused_naming_the_personal_key(app, round_link, factory):
    info, token = round_link
    with unit_of_work(factory) as s:
        me = A.join_round(s, info.id, "Ana")
    app.query_params["round"] = token
    app.switch_page(ASSESSMENT)
    for raw in BAD_TOKENS:
        app.query_params["me"] = raw
        app.run()
        _names_the_parameter(app, "personal key", "me")
    app.query_params["me"] = me.token
    app.run()
    assert not app.exception
    assert not app.error
    assert any("Ana" in m.value for m in app.markdown)


@pytest.mark.parametrize("param", ["link", "round"])
def test_an_unknown_key_of_the_right_shape_says_so(app, round_link, param):
    app.query_params[param] = "x" * 128
    app.switch_page(ASSESSMENT).run()
    assert not app.exception
    assert "does not open anything" in app.error[0].value
    _nothing_of_the_workspace(app)


def test_core_checks_without_a_page():
    """The checks themselves: what passes, what each refusal names."""
    assert link_id(" 42 ", what="map number", param="map") == 42
    assert link_id(MAX_ID, what="map number", param="map") == MAX_ID
    assert link_token(" 123456 ", what="passcode", param="code") == "123456"
    assert link_token(None, what="passcode", param="code") == ""
    for raw in BAD_MAP_IDS + [None, "", True and "1.0"]:
        with pytest.raises(LinkError, match=r"map number \(map=…\)"):
            link_id(raw, what="map number", param="map")
    for raw in BAD_TOKENS:
        with pytest.raises(LinkError, match=r"passcode \(code=…\)"):
            link_token(raw, what="passcode", param="code")


def test_opening_a_link_is_safe_for_any_key(factory):
    """core.access.links.open_link refuses any odd key with its message, never a driver
    error: only the key's hash reaches the database."""
    with unit_of_work(factory) as s:
        for raw in [*BAD_TOKENS, "x" * 10_000, ""]:
            with pytest.raises(LinkRefused, match="does not open anything"):
                links.open_link(s, raw, guest_token=raw)
