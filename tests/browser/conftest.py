"""The browser lane: the real server (`streamlit run app.py`) driven in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import launch_browser, new_page, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a free port and its own SQLite file."""
    yield from start_server(tmp_path_factory)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium through Playwright, shared by every browser test."""
    yield from launch_browser()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context and page for one test."""
    yield from new_page(browser)
