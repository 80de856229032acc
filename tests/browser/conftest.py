"""The browser lane: the real server (`streamlit run app.py`) driven in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import TIMEOUT, launch_browser, new_page, start_server

# `expect(...)` retries until its condition holds; its own default (5 s) is far too short for
# a rerun on a machine whose cores are busy, so every assertion in this lane allows TIMEOUT.
expect.set_options(timeout=TIMEOUT)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a free port and its own SQLite file."""
    yield from start_server(tmp_path_factory)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium through Playwright, shared by every browser test."""
    yield from launch_browser()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page for one test."""
    yield from new_page(browser)
