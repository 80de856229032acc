"""A small Segment export loaded through the Data page's "From other tools" tab, in Chromium."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.browser import (
    ARTIFACTS,
    assert_no_errors,
    wait_idle,
)


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


def test_a_segment_export_loads_through_the_page(server: str, page: object, tmp_path: Path):
    page.goto(f"{server}/data")  # type: ignore[attr-defined]
    wait_idle(page)
    page.get_by_role("tab", name="From other tools").click()  # type: ignore[attr-defined]
    uploader = page.locator('[data-testid="stFileUploader"]', has_text="Export files")  # type: ignore[attr-defined]
    uploader.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(_segment_export(tmp_path))
    )
    preview = page.get_by_text("events · file and row point at the export")  # type: ignore[attr-defined]
    preview.wait_for(timeout=60_000)
    assert_no_errors(page)
    page.get_by_role("button", name="Check and load").click()  # type: ignore[attr-defined]
    done = page.locator('[data-testid="stAlertContentSuccess"]', has_text="events: 3 added")  # type: ignore[attr-defined]
    done.wait_for(timeout=60_000)
    assert "1 duplicate row(s)" in page.locator('[data-testid="stMain"]').inner_text()  # type: ignore[attr-defined]
    assert_no_errors(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-data-presets.png"), full_page=True)  # type: ignore[attr-defined]
