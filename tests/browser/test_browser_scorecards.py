"""Scorecards and the at-risk list in headless Chromium: the executive's and the CSM's flows."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, Position, expect

from tests.support.browser import (
    ARTIFACTS,
    expect_no_errors,
    keyed,
    main_heading,
    metric_value,
    open_page,
)

ACCOUNT = re.compile(r"^ACC-")


def _choose(page: Page, key: str, option: str) -> None:
    """Open a keyed selectbox or multiselect and click one option; the caller waits for its
    effect."""
    page.locator(f".st-key-{key} input[role='combobox']").click()
    page.get_by_role("option", name=option).first.click()
    page.keyboard.press("Escape")


def _count(value: Locator) -> int:
    return int(value.inner_text().replace(",", ""))


def test_scorecards_segment_what_if_and_summary(server: str, page: Page, tmp_path: Path) -> None:
    open_page(page, f"{server}/scorecards", "Scorecards")
    page.get_by_test_id("stVegaLiteChart").first.wait_for()
    expect_no_errors(page)

    _choose(page, "sc_segment", "SMB")
    cards = page.get_by_test_id("stMainBlockContainer").locator("h4")
    expect(cards).to_have_text(["SMB"])  # one card, and no other segment's left over
    expect_no_errors(page)

    extra = metric_value(page, "Extra accounts at first value")
    before = extra.inner_text()
    thumb = page.locator(".st-key-sc_whatif_percent input[type='range']")
    thumb.focus()
    thumb.press("Home")
    expect(extra).not_to_have_text(before)  # waits while the metric is being redrawn
    expect_no_errors(page)

    with page.expect_download() as png:
        keyed(page, "funnel_png").get_by_role("button").click()
    assert png.value.suggested_filename == "journey-funnel.png"
    png.value.save_as(tmp_path / "funnel.png")
    assert (tmp_path / "funnel.png").read_bytes().startswith(b"\x89PNG")

    with page.expect_download() as download:
        keyed(page, "sc_summary_md").get_by_role("button", name="Summary (Markdown)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text()
    assert saved.name == "scorecard-summary.md"
    assert text.startswith("# Onboarding scorecard")
    assert "segment SMB" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-scorecards.png"), full_page=True)


def _open_first_account(page: Page) -> Locator:
    """Pick the first account the current run offers in "Open an account"; returns the box
    once it shows the account (its value reads "ACC-… · name")."""
    box = keyed(page, "ar_account").locator("input[role='combobox']")
    box.click()
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value(ACCOUNT)
    return box


def test_at_risk_filter_open_account_and_keep_the_state(server: str, page: Page) -> None:
    open_page(page, f"{server}/at_risk", "At-risk accounts")
    expect_no_errors(page)
    at_risk = metric_value(page, "Accounts at risk")
    total = _count(at_risk)

    # In the demo data half the accounts at risk have tickets as their main channel, so the
    # filter visibly narrows the list (15 of 30).
    _choose(page, "ar_f_signal", "Tickets as main channel")
    expect(at_risk).not_to_have_text(f"{total:,}")
    filtered = _count(at_risk)
    assert 0 < filtered < total

    box = _open_first_account(page)
    account = box.input_value().split(" · ")[0].strip()
    expect(page.get_by_role("tab", name="Milestones")).to_be_visible()
    expect_no_errors(page)

    page.locator(".st-key-ar_state").get_by_text("Saved", exact=False).click()
    page.locator(".st-key-ar_note textarea").fill("Rescued after the exec call")
    page.get_by_role("button", name="Save risk state").click()
    expect(page.get_by_text(re.compile(r"^Last saved \d{4}-"))).to_be_visible()
    expect_no_errors(page)

    page.reload()
    expect(main_heading(page)).to_have_text("At-risk accounts")
    _choose(page, "ar_f_state", "✓ Saved")
    expect(at_risk).to_have_text("2")  # this call and the demo workspace's own saved one
    box = keyed(page, "ar_account").locator("input[role='combobox']")
    box.click()
    box.press_sequentially(account)
    page.get_by_role("option", name=re.compile(f"^{re.escape(account)} · ")).click()
    expect(box).to_have_value(re.compile(f"^{re.escape(account)} · "))
    note = page.locator(".st-key-ar_note textarea")
    expect(note).to_have_value("Rescued after the exec call")
    checked = page.locator(".st-key-ar_state label").filter(
        has=page.locator("input[type='radio']:checked")
    )
    expect(checked).to_have_count(1)
    expect(checked).to_contain_text("Saved")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-at-risk.png"), full_page=True)


def test_clicking_a_row_opens_the_account(server: str, page: Page) -> None:
    """The list is a canvas grid: click the selection box of the first data row."""
    open_page(page, f"{server}/at_risk", "At-risk accounts")
    table = keyed(page, "ar_table")
    table.get_by_test_id("data-grid-canvas").wait_for()
    # Below a 35 px header, the first row's middle; its selection box is the first column.
    # (The grid's scroller lies over its canvas and takes the pointer.)
    first_row: Position = {"x": 18, "y": 35 + 17}
    table.hover(position=first_row)
    table.click(position=first_row)
    box = page.locator(".st-key-ar_account input[role='combobox']")
    expect(box).to_have_value(ACCOUNT)
    name = box.input_value().split(" · ", 1)[1]
    heading = page.get_by_test_id("stMainBlockContainer").locator("h3").first
    expect(heading).to_have_text(name)
    expect_no_errors(page)
