"""Local mode (no `[auth]` in the secrets): one local owner, on loopback only.

Served on an address other machines can reach, with no sign-in configured, the app refuses
(everyone who reached it would own every workspace) and shows no workspace; the loud override
WAYPOINT_UNSAFE_PUBLIC_WITHOUT_SIGN_IN=yes serves it anyway with a warning in the sidebar; on
127.0.0.1 (.streamlit/config.toml's default) it says it runs in local mode. Each server gets
an empty secrets file, so a .streamlit/secrets.toml on the machine cannot configure sign-in.
The servers listen on every interface but are only ever opened through loopback.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    expect_no_errors,
    main_heading,
    start_server,
    wait_for_app_shell,
    wait_for_run_to_end,
)

OVERRIDE = "WAYPOINT_UNSAFE_PUBLIC_WITHOUT_SIGN_IN"
LOCAL_MODE = "Local mode: no sign-in"
WARNING = "No sign-in, reachable from other machines"
SCREEN_TEXT = """() => [
    document.title,
    document.body.innerText,
    ...Array.from(document.querySelectorAll('input, textarea'), e => e.value),
].join('\\n')"""


def _environment(**env: str) -> dict[str, str]:
    """The servers' environment with the override set only where a test sets it."""
    return {OVERRIDE: "", **env}


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_server(tmp_path_factory, secrets="", address="0.0.0.0", **_environment())


@pytest.fixture(scope="module")
def public_with_override(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = _environment(**{OVERRIDE: "yes"})
    yield from start_server(tmp_path_factory, secrets="", address="0.0.0.0", **env)


@pytest.fixture(scope="module")
def loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Started as people start it: the address is the one .streamlit/config.toml sets."""
    yield from start_server(tmp_path_factory, secrets="", address=None, **_environment())


def _sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def _switcher(page: Page):
    return _sidebar(page).get_by_test_id("stSelectbox").filter(has_text="Workspace")


@pytest.mark.parametrize("path", ["", "/scorecards", "/data", "/journey", "/members"])
def test_a_public_address_without_sign_in_is_refused(public: str, page: Page, path: str) -> None:
    page.goto(f"{public}{path}")
    expect(main_heading(page)).to_have_text("Sign-in is not configured")
    expect(page.get_by_test_id("stMain")).to_contain_text("0.0.0.0")
    expect(page.get_by_test_id("stMain")).to_contain_text(OVERRIDE)
    wait_for_run_to_end(page)
    expect(_switcher(page)).to_have_count(0)
    text = page.evaluate(SCREEN_TEXT)
    for absent in ("Demo workspace", LOCAL_MODE, "Accounts at risk", "Journey map"):
        assert absent not in text, f"the refusal on {path or '/'} showed {absent!r}"


def test_the_override_serves_it_with_a_warning(public_with_override: str, page: Page) -> None:
    page.goto(public_with_override)
    wait_for_app_shell(page)
    expect(main_heading(page)).to_have_text("Demo workspace")
    expect(_sidebar(page)).to_contain_text(LOCAL_MODE)
    expect(_sidebar(page).get_by_test_id("stAlertContentError")).to_contain_text(WARNING)
    assert "Sign-in is not configured" not in page.evaluate(SCREEN_TEXT)


def test_loopback_is_local_mode_without_a_warning(loopback: str, page: Page) -> None:
    page.goto(loopback)
    wait_for_app_shell(page)
    expect(main_heading(page)).to_have_text("Demo workspace")
    expect(_sidebar(page)).to_contain_text(LOCAL_MODE)
    expect_no_errors(page)  # no warning box, no refusal
    assert WARNING not in page.evaluate(SCREEN_TEXT)
    expect(_sidebar(page).get_by_role("button", name="Sign out")).to_have_count(0)
