"""A small Segment export loaded through the Data page's "From other tools" tab, in Chromium."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support.browser import ARTIFACTS, expect_no_errors, open_page


def _segment_export(folder: Path) -> Path:
    """Track calls for two demo accounts; one is a retried delivery (same messageId)."""
    calls = [
        {
            "type": "track",
            "event": "browser_preset_event",
            "userId": f"browser-user-{i}",
            "messageId": f"browser-{i}",
            "timestamp": f"2026-03-0{i + 1}T10:00:00+02:00",
            "properties": {"plan": "pro", "nested": {"depth": i}},
            "context": {"groupId": f"ACC-0000{i % 2 + 1}"},
        }
        for i in range(3)
    ]
    calls.append(dict(calls[2]))
    path = folder / "segment-export.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in calls) + "\n")
    return path


def test_a_segment_export_loads_through_the_page(server: str, page: Page, tmp_path: Path) -> None:
    open_page(page, f"{server}/data", "Data")
    page.get_by_role("tab", name="From other tools").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Export files")
    uploader.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(_segment_export(tmp_path))
    )
    expect(page.get_by_text("events · file and row point at the export")).to_be_visible()
    expect_no_errors(page)
    page.get_by_role("button", name="Check and load").click()
    done = page.get_by_test_id("stAlertContentSuccess").filter(has_text="events: 3 added")
    expect(done).to_be_visible()
    expect(page.get_by_test_id("stMain")).to_contain_text("1 duplicate row(s)")
    expect_no_errors(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-data-presets.png"), full_page=True)
