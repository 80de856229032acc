"""Which screens the server's watcher wakes (ui/journey/push.py: `due`), and the request it
sends for one: the same a screen's browser sends when its refresh timer fires. That a woken
screen really draws the change is tested in Chromium (tests/browser/test_browser_journey_push.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest
from streamlit.proto.ClientState_pb2 import ContextInfo

from ui.journey.live import _poll_seconds
from ui.journey.push import RETRY_SECONDS, Screen, due, wake_message, wake_verdict


def _screen(map_id: int, drawn: int, **kw: object) -> Screen:
    return Screen(map_id, drawn, "link=abc", "page-hash", fragment_id="frag", **kw)  # type: ignore[arg-type]


def test_only_screens_behind_their_maps_revision_are_woken() -> None:
    screens = {
        "behind": _screen(1, 4),
        "current": _screen(1, 5),
        "other map, behind": _screen(2, 1),
        "map deleted": _screen(3, 1),
        "refresh not seen yet": Screen(1, 4, "", "page-hash"),
    }
    assert due(screens, {1: 5, 2: 2}, now=100.0) == ["behind", "other map, behind"]


def test_a_woken_screen_is_left_alone_until_its_run_had_time_or_the_map_moved_again() -> None:
    screens = {"s": _screen(1, 4, woken_for=5, woken_at=100.0)}
    assert due(screens, {1: 5}, now=100.5) == []
    assert due(screens, {1: 6}, now=100.5) == ["s"]
    assert due(screens, {1: 5}, now=100.0 + RETRY_SECONDS) == ["s"]


def test_the_wake_is_the_browsers_own_refresh_request() -> None:
    info = ContextInfo(timezone="Europe/Lisbon", url="http://127.0.0.1/journey?link=abc")
    screen = Screen(1, 4, "link=abc", "page-hash", info.SerializeToString(), "frag")
    state = wake_message(screen).rerun_script
    assert (state.query_string, state.page_script_hash, state.fragment_id) == (
        "link=abc",
        "page-hash",
        "frag",
    )
    assert state.is_auto_rerun
    assert state.context_info == info
    assert not state.widget_states.widgets  # the session keeps the values it holds


def test_the_screens_own_poll_can_be_set_within_bounds() -> None:
    assert _poll_seconds(None) == 1.0
    assert _poll_seconds("2.5") == 2.5
    assert _poll_seconds("600") == 600.0
    for refused in ("0", "0.1", "601", "-3", "soon", "nan", ""):
        assert _poll_seconds(refused) == 1.0, refused


def test_a_refused_poll_setting_is_named_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ui.journey.live"):
        _poll_seconds("1O")  # a letter O for a zero
    assert "WAYPOINT_LIVE_POLL_SECONDS='1O'" in caplog.text
    assert "from 0.5 to 600" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ui.journey.live"):
        _poll_seconds(None)
        _poll_seconds("2")
    assert caplog.text == ""


@dataclass
class _Session:
    """The three things the watcher reads of Streamlit's AppSession before a wake."""

    page_script_hash: str = "page-hash"
    _scriptrunner: object | None = None
    fragments: set[str] = field(default_factory=lambda: {"frag"})

    def has_fragment(self, fragment_id: str) -> bool:
        return fragment_id in self.fragments


def test_a_screen_is_woken_only_idle_on_its_page_and_kept_while_its_refresh_is_away() -> None:
    screen = _screen(1, 4)
    assert wake_verdict(_Session(), screen) == "wake"
    assert wake_verdict(_Session(_scriptrunner=object()), screen) == "wait"
    # between two runs the refresh may be missing: the screen stays watched, not forgotten
    assert wake_verdict(_Session(fragments=set()), screen) == "wait"
    assert wake_verdict(_Session(page_script_hash="other page"), screen) == "gone"
    assert wake_verdict(None, screen) == "gone"
