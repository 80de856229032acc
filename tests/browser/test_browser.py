"""The real app in headless Chromium: every page opens cleanly, and a bad import changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    ARTIFACTS,
    expect_no_errors,
    metric_value,
    open_page,
)
from ui.registry import PAGES as REGISTRY

# Every page in the menu; a page other than Home first, because a fresh server's first
# request for a deep link must still go through app.py (see ui/app_shell.py).
PAGES = sorted(
    [("" if p.path == "pages/home.py" else p.url_path, p.title) for p in REGISTRY],
    key=lambda page: page[0] == "",
)


@pytest.mark.parametrize(("path", "title"), PAGES)
def test_every_page_opens_without_errors(server: str, page: Page, path: str, title: str) -> None:
    # open_page fails if app.py (the workspace switcher) never ran.
    open_page(page, f"{server}/{path}", title if path else "Demo workspace")
    expect_no_errors(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{path or 'home'}.png"), full_page=True)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid four-table folder (the demo generator's CSV output) to upload through the page."""
    from core.data.demo import generate, write_dataset

    folder = tmp_path_factory.mktemp("upload")
    write_dataset(generate(accounts=60, seed=3), folder, fmt="csv")
    return folder


def _accounts(page: Page) -> str:
    """The Accounts count on the Overview tab, once the current run has drawn it."""
    value = metric_value(page, "Accounts")
    value.wait_for()
    return value.inner_text()


def _upload(page: Page, files: list[Path]) -> None:
    page.get_by_role("tab", name="Import").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Table files")
    dropzone = uploader.locator('[data-testid="stFileUploaderDropzoneInput"]')
    dropzone.set_input_files([str(f) for f in files])
    page.get_by_role("button", name="Check and load").click()


def test_bad_import_shows_the_row_and_changes_nothing(
    server: str, page: Page, demo_folder: Path, tmp_path: Path
) -> None:
    open_page(page, f"{server}/data", "Data")
    before = _accounts(page)
    lines = (demo_folder / "events.csv").read_text().splitlines()
    bad_row = len(lines) // 2  # data row number: line 0 is the header
    parts = lines[bad_row].split(",")
    parts[-1] = "2026-13-45T09:00:00Z"
    lines[bad_row] = ",".join(parts)
    files = [demo_folder / f"{t}.csv" for t in ("accounts", "users", "touches")]
    (tmp_path / "events.csv").write_text("\n".join(lines) + "\n")
    _upload(page, [*files, tmp_path / "events.csv"])
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("Nothing was changed")
    expect(page.get_by_test_id("stText").first).to_have_text(
        f"events.csv, row {bad_row}, column timestamp, value '2026-13-45T09:00:00Z': "
        "not a date-time (expected ISO 8601, e.g. 2026-03-01T09:30:00Z)"
    )
    # The refusal is drawn by the import's run, after the Overview tab: its count is that run's.
    page.get_by_role("tab", name="Overview").click()
    assert _accounts(page) == before
    page.reload()
    assert _accounts(page) == before


def test_good_import_replaces_the_data(server: str, page: Page, demo_folder: Path) -> None:
    open_page(page, f"{server}/data", "Data")
    _upload(page, [demo_folder / f"{t}.csv" for t in ("accounts", "users", "events", "touches")])
    page.get_by_role("tab", name="Overview").click()
    expect(metric_value(page, "Accounts")).to_have_text("60")
    expect_no_errors(page)
