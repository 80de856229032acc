"""The real app in headless Chromium: every page opens cleanly, and a bad import changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import (
    ARTIFACTS,
    assert_no_errors,
    wait_for_app_shell,
    wait_idle,
)
from ui.registry import PAGES as REGISTRY

# /data first: a first request for a page other than Home must still go through app.py.
# Every page in the menu; a page other than Home first, because a fresh server's first
# request for a deep link must still go through app.py (see ui/app_shell.py).
PAGES = sorted(
    [("" if p.path == "pages/home.py" else p.url_path, p.title) for p in REGISTRY],
    key=lambda page: page[0] == "",
)


@pytest.mark.parametrize(("path", "title"), PAGES)
def test_every_page_opens_without_errors(server: str, page: object, path: str, title: str):
    page.goto(f"{server}/{path}")  # type: ignore[attr-defined]
    wait_idle(page)
    h1 = page.locator('[data-testid="stMainBlockContainer"] h1').first  # type: ignore[attr-defined]
    assert h1.inner_text().strip() == (title if path else "Demo workspace")
    wait_for_app_shell(page)  # raises if app.py (the workspace switcher) never ran
    assert_no_errors(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{path or 'home'}.png"), full_page=True)  # type: ignore[attr-defined]


def _metric(page: object, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text=label).first  # type: ignore[attr-defined]
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid four-table folder (the demo generator's CSV output) to upload through the page."""
    from core.data.demo import generate, write_dataset

    folder = tmp_path_factory.mktemp("upload")
    write_dataset(generate(accounts=60, seed=3), folder, fmt="csv")
    return folder


def _upload(page: object, files: list[Path]) -> None:
    page.get_by_role("tab", name="Import").click()  # type: ignore[attr-defined]
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Table files")  # type: ignore[attr-defined]
    dropzone = uploader.locator('[data-testid="stFileUploaderDropzoneInput"]')
    dropzone.set_input_files([str(f) for f in files])
    page.get_by_role("button", name="Check and load").click()  # type: ignore[attr-defined]


def test_bad_import_shows_the_row_and_changes_nothing(
    server: str, page: object, demo_folder: Path, tmp_path: Path
):
    page.goto(f"{server}/data")  # type: ignore[attr-defined]
    wait_idle(page)
    before = _metric(page, "Accounts")
    lines = (demo_folder / "events.csv").read_text().splitlines()
    bad_row = len(lines) // 2  # data row number: line 0 is the header
    parts = lines[bad_row].split(",")
    parts[-1] = "2026-13-45T09:00:00Z"
    lines[bad_row] = ",".join(parts)
    files = [demo_folder / f"{t}.csv" for t in ("accounts", "users", "touches")]
    (tmp_path / "events.csv").write_text("\n".join(lines) + "\n")
    _upload(page, [*files, tmp_path / "events.csv"])
    error = page.locator('[data-testid="stAlertContentError"]')  # type: ignore[attr-defined]
    error.wait_for(timeout=60_000)
    assert "Nothing was changed" in error.inner_text()
    first = page.locator('[data-testid="stText"]').first  # type: ignore[attr-defined]
    assert first.inner_text() == (
        f"events.csv, row {bad_row}, column timestamp, value '2026-13-45T09:00:00Z': "
        "not a date-time (expected ISO 8601, e.g. 2026-03-01T09:30:00Z)"
    )
    page.get_by_role("tab", name="Overview").click()  # type: ignore[attr-defined]
    assert _metric(page, "Accounts") == before
    page.reload()  # type: ignore[attr-defined]
    wait_idle(page)
    assert _metric(page, "Accounts") == before


def test_good_import_replaces_the_data(server: str, page: object, demo_folder: Path):
    page.goto(f"{server}/data")  # type: ignore[attr-defined]
    wait_idle(page)
    _upload(page, [demo_folder / f"{t}.csv" for t in ("accounts", "users", "events", "touches")])
    page.get_by_role("tab", name="Overview").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
            .some(m => m.innerText.includes('Accounts') && m.innerText.includes('60'))""",
        timeout=60_000,
    )
    assert _metric(page, "Accounts") == "60"
    assert_no_errors(page)
