"""Hand-built maps for the graph's unit tests (no database): stages with and without days,
children of every kind, and names a person might type (hostile, long, non-ASCII)."""

from __future__ import annotations

from typing import Any

from core.journey.store import MapContent, MapInfo

HOSTILE = ("<img src=x onerror=window.__xss=1>", "<script>window.__xss=1</script>")


def info(presenting: int | None = None) -> MapInfo:
    return MapInfo(
        1, 1, "Onboarding", None, None, "", "current", "", 1, False, presenting, None, 5, None
    )


def stage(i: int, name: str, start: int | None = None, end: int | None = None) -> dict[str, Any]:
    return {
        "id": i, "version": 1, "position": i, "name": name, "day_start": start,
        "day_end": end, "goal": "", "exit_criteria": "", "evidence": "assumed",
    }  # fmt: skip


def touch(i: int, name: str, stage_id: int | None, channel: str = "email") -> dict[str, Any]:
    return {
        "id": i, "version": 1, "position": i, "name": name, "stage_id": stage_id, "role": "",
        "evidence": "assumed", "channel": channel, "owner_team": "", "sla_hours": None,
        "emotion": 0, "pain_point": "", "content": "",
    }  # fmt: skip


def milestone(i: int, name: str, stage_id: int | None) -> dict[str, Any]:
    return {
        "id": i, "version": 1, "position": i, "name": name, "stage_id": stage_id, "role": "",
        "target_day": None, "event": "", "is_first_value": False, "is_activation": False,
        "evidence": "assumed",
    }  # fmt: skip


def content(stages: list[dict[str, Any]], **kinds: list[dict[str, Any]]) -> MapContent:
    return MapContent(info(), {"stage": stages, **kinds})  # type: ignore[arg-type]
