"""Scorecards and the at-risk list in headless Chromium: the executive's and the CSM's flows."""

from __future__ import annotations

from pathlib import Path

from tests.support.browser import (
    ARTIFACTS,
    assert_no_errors,
    wait_idle,
)

TIMEOUT = 60_000


def _settle(page: object) -> None:
    page.wait_for_timeout(600)  # type: ignore[attr-defined]
    wait_idle(page)


def _open(page: object, url: str) -> None:
    """Go to a page; a deep link on a fresh server must land without a "Page not found" notice."""
    page.goto(url)  # type: ignore[attr-defined]
    wait_idle(page)
    dialog = page.get_by_role("dialog").filter(has_text="Page not found")  # type: ignore[attr-defined]
    assert dialog.count() == 0, "a deep link showed 'Page not found'"


def _metric(page: object, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text=label).first  # type: ignore[attr-defined]
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def _choose(page: object, key: str, option: str) -> None:
    """Open a keyed selectbox or multiselect and click one option."""
    page.locator(f".st-key-{key} input[role='combobox']").click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=option).first.click()  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    _settle(page)


def test_scorecards_segment_what_if_and_summary(server: str, page: object, tmp_path: Path):
    _open(page, f"{server}/scorecards")
    h1 = page.locator('[data-testid="stMainBlockContainer"] h1').first  # type: ignore[attr-defined]
    assert h1.inner_text().strip() == "Scorecards"
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=TIMEOUT)  # type: ignore[attr-defined]
    assert_no_errors(page)

    _choose(page, "sc_segment", "SMB")
    cards = page.locator('[data-testid="stMainBlockContainer"] h4')  # type: ignore[attr-defined]
    assert [c.inner_text().strip() for c in cards.all()] == ["SMB"]
    assert_no_errors(page)

    before = _metric(page, "Extra accounts at first value")
    thumb = page.locator(".st-key-sc_whatif_percent input[type='range']")  # type: ignore[attr-defined]
    thumb.focus()
    thumb.press("Home")
    _settle(page)
    assert _metric(page, "Extra accounts at first value") != before
    assert_no_errors(page)

    with page.expect_download(timeout=TIMEOUT) as png:  # type: ignore[attr-defined]
        page.locator(".st-key-funnel_png button").click()  # type: ignore[attr-defined]
    assert png.value.suggested_filename == "journey-funnel.png"
    png.value.save_as(tmp_path / "funnel.png")
    assert (tmp_path / "funnel.png").read_bytes().startswith(b"\x89PNG")

    with page.expect_download(timeout=TIMEOUT) as download:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Summary (Markdown)").click()  # type: ignore[attr-defined]
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text()
    assert saved.name == "scorecard-summary.md"
    assert text.startswith("# Onboarding scorecard")
    assert "segment SMB" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-scorecards.png"), full_page=True)  # type: ignore[attr-defined]


def test_at_risk_filter_open_account_and_keep_the_state(server: str, page: object):
    _open(page, f"{server}/at_risk")
    assert_no_errors(page)
    total = int(_metric(page, "Accounts at risk").replace(",", ""))

    _choose(page, "ar_f_signal", "Tickets as main channel")
    filtered = int(_metric(page, "Accounts at risk").replace(",", ""))
    assert 0 < filtered <= total

    box = page.locator(".st-key-ar_account input[role='combobox']")  # type: ignore[attr-defined]
    box.click()
    box.press("ArrowDown")
    box.press("Enter")
    _settle(page)
    account = box.input_value().split(" · ")[0].strip()
    assert account.startswith("ACC-")
    page.get_by_role("tab", name="Milestones").wait_for(timeout=TIMEOUT)  # type: ignore[attr-defined]
    assert_no_errors(page)

    page.locator(".st-key-ar_state").get_by_text("Saved", exact=False).click()  # type: ignore[attr-defined]
    page.locator(".st-key-ar_note textarea").fill("Rescued after the exec call")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Save risk state").click()  # type: ignore[attr-defined]
    _settle(page)
    assert_no_errors(page)

    page.reload()  # type: ignore[attr-defined]
    wait_idle(page)
    _choose(page, "ar_f_state", "✓ Saved")
    assert _metric(page, "Accounts at risk") == "1"
    box = page.locator(".st-key-ar_account input[role='combobox']")  # type: ignore[attr-defined]
    box.click()
    box.press("ArrowDown")
    box.press("Enter")
    _settle(page)
    assert box.input_value().startswith(account)
    note = page.locator(".st-key-ar_note textarea")  # type: ignore[attr-defined]
    assert note.input_value() == "Rescued after the exec call"
    checked = page.locator(".st-key-ar_state input[type='radio']:checked")  # type: ignore[attr-defined]
    assert checked.count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-at-risk.png"), full_page=True)  # type: ignore[attr-defined]


def test_clicking_a_row_opens_the_account(server: str, page: object):
    """The list is a canvas grid: click the selection box of the first data row."""
    _open(page, f"{server}/at_risk")
    table = page.locator(".st-key-ar_table")  # type: ignore[attr-defined]
    table.locator("canvas").first.wait_for(timeout=TIMEOUT)
    box = page.locator(".st-key-ar_account input[role='combobox']")  # type: ignore[attr-defined]
    for _ in range(3):  # the grid may still be laying out right after the first paint
        grid = table.bounding_box()
        page.mouse.move(grid["x"] + 18, grid["y"] + 35 + 17)  # type: ignore[attr-defined]
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        page.mouse.click(grid["x"] + 18, grid["y"] + 35 + 17)  # type: ignore[attr-defined]
        _settle(page)
        if box.input_value():
            break
    assert box.input_value().startswith("ACC-")
    name = box.input_value().split(" · ", 1)[1]
    heading = page.locator('[data-testid="stMainBlockContainer"] h3').first  # type: ignore[attr-defined]
    assert heading.inner_text().strip() == name
    assert_no_errors(page)
