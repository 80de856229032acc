"""Odd values in the URL parameters the app reads end in a message naming the parameter.

Issue 13, item 4: a non-ASCII passcode (hmac.compare_digest raised TypeError), a map id of
20 digits (SQLite's driver raised OverflowError), a NUL byte (PostgreSQL's driver refuses it
in a string parameter) and their kind ended in an uncaught exception. Each run here goes
through the whole app in AppTest, on SQLite and PostgreSQL, and must show an error box that
names the parameter and nothing else.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core import assessment as A
from core import journey as jm
from core.common.link_params import MAX_ID, LinkError, link_id, link_token
from core.db.engine import unit_of_work
from core.journey import workshop
from tests.support.apptest import open_in_empty_workspace

JOURNEY, ASSESSMENT = "pages/journey.py", "pages/assessment.py"
WORKSPACE = "Link tests"
NUL = "\x00"

# (parameter value, the words the message must hold); the map's own passcode goes in `code`.
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


@pytest.fixture
def journey_map(app: AppTest, factory: sessionmaker[Session]) -> tuple[int, workshop.Links]:
    """A map with links, in an empty workspace the AppTest looks at."""
    ws_id = open_in_empty_workspace(app, factory, WORKSPACE)
    with unit_of_work(factory) as s:
        info = jm.create_map(s, ws_id, "six_stage", jm.Actor())
        links = workshop.ensure_links(s, info.id, jm.Actor())
    return info.id, links


def test_odd_map_ids_are_refused_naming_the_map_number(app, journey_map):
    _, links = journey_map
    app.query_params["code"] = links.passcode
    app.switch_page(JOURNEY)
    for raw in BAD_MAP_IDS:
        app.query_params["map"] = raw
        app.run()
        _names_the_parameter(app, "map number", "map")
        assert app.title[0].value == "Journey maps"
        assert not [b for b in app.button if b.key == "add_submit"]


def test_the_largest_map_id_is_looked_up_and_not_found(app, journey_map):
    """Up to the id column's range (32 bits on PostgreSQL) the id reaches the database."""
    _, links = journey_map
    app.query_params["code"] = links.passcode
    app.switch_page(JOURNEY)
    for raw in (str(MAX_ID), f" {MAX_ID - 1} ", "0002000000000"):
        app.query_params["map"] = raw
        app.run()
        assert not app.exception, app.exception
        assert "no longer exists" in app.error[0].value


@pytest.mark.parametrize(("param", "what"), [("code", "passcode"), ("view", "read-only key")])
def test_odd_passcodes_and_keys_are_refused_naming_them(app, journey_map, param, what):
    map_id, _ = journey_map
    app.query_params["map"] = str(map_id)
    app.switch_page(JOURNEY)
    for raw in BAD_TOKENS:
        app.query_params[param] = raw
        app.run()
        _names_the_parameter(app, what, param)
        assert not [b for b in app.button if b.key == "add_submit"]


def test_the_right_links_still_open_the_map(app, journey_map):
    map_id, links = journey_map
    app.query_params["map"] = f" {map_id}"
    app.query_params["code"] = f"{links.passcode} "  # a careless paste
    app.switch_page(JOURNEY).run()
    assert not app.exception
    assert not app.error
    assert app.title[0].value == "Journey map · workshop"
    del app.query_params["code"]
    app.query_params["view"] = links.readonly_token
    app.run()
    assert not app.exception
    assert app.title[0].value == "Journey map (read only)"


@pytest.fixture
def round_info(app: AppTest, factory: sessionmaker[Session]) -> A.RoundInfo:
    ws_id = open_in_empty_workspace(app, factory, WORKSPACE)
    with unit_of_work(factory) as s:
        return A.open_round(s, ws_id, "2026 Q4")


def test_odd_round_keys_are_refused_naming_the_round_key(app, round_info):
    app.switch_page(ASSESSMENT)
    for raw in BAD_TOKENS:
        app.query_params["round"] = raw
        app.run()
        _names_the_parameter(app, "round key", "round")
        assert not [t for t in app.text_input if t.key == "assess_join_name"]
        assert not [t for t in app.text_input if t.key == "assess_round_name"]


def test_odd_personal_keys_are_refused_naming_the_personal_key(app, round_info, factory):
    with unit_of_work(factory) as s:
        me = A.join_round(s, round_info.token, "Ana")
    app.query_params["round"] = round_info.token
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


def test_an_unknown_round_key_of_the_right_shape_says_so(app, round_info):
    app.query_params["round"] = "x" * 128
    app.switch_page(ASSESSMENT).run()
    assert not app.exception
    assert "assessment link is not valid" in app.error[0].value


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


def test_workshop_access_checks_the_shape_itself(factory):
    """core.journey.workshop.access is safe for any caller, not only the page."""
    with unit_of_work(factory) as s:
        for code in BAD_TOKENS:
            with pytest.raises(LinkError, match="passcode"):
                workshop.access(s, 1, code=code)
        with pytest.raises(LinkError, match="map number"):
            workshop.access(s, 10**20, code="123456")  # type: ignore[arg-type]
