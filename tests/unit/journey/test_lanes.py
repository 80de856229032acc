"""Lanes by role (core/journey/lanes.py): pure, from a hand-built MapContent."""

from __future__ import annotations

from typing import Any

from core.common.downloads import csv_bytes
from core.journey import views
from core.journey.lanes import ALL_ROLES_LABEL, lanes
from core.journey.store import MapContent, MapInfo

HOSTILE = "<img src=x onerror=window.__xss=1>"


def _info() -> MapInfo:
    return MapInfo(1, 1, "Onboarding", None, None, "", "current", "", 1, False, None, None, 5, None)


def _stage(i: int, name: str) -> dict[str, Any]:
    return {
        "id": i, "version": 1, "position": i, "name": name, "day_start": None, "day_end": None,
        "goal": "", "exit_criteria": "", "evidence": "assumed",
    }  # fmt: skip


def _child(i: int, name: str, stage: int | None, role: str, **more: Any) -> dict[str, Any]:
    return {
        "id": i, "version": 1, "position": i, "name": name, "stage_id": stage, "role": role,
        "evidence": "assumed", **more,
    }  # fmt: skip


def _touch(i: int, name: str, stage: int | None, role: str, channel: str = "email") -> dict:
    return _child(
        i, name, stage, role, channel=channel, owner_team="", sla_hours=None, emotion=0,
        pain_point="", content="",
    )  # fmt: skip


def _map() -> MapContent:
    # stages listed in stage order: Setup (position 0) before Kickoff (position 1)
    stages = [_stage(2, "Setup"), _stage(1, "Kickoff")]
    touch = [
        _touch(10, "Admin console tour", 1, "admin"),
        _touch(11, "Welcome mail", 2, "", channel="email"),
        _touch(12, HOSTILE, 2, "end_user", channel="in_app"),
        _touch(13, "Loose", None, "champion"),
    ]
    risks = [_child(20, "Sponsor gone", 1, "exec_sponsor", signal="", trigger="")]
    milestones = [_child(30, "Two roles", 2, "admin, end_user")]
    return MapContent(
        _info(),
        {"stage": stages, "touchpoint": touch, "risk": risks, "milestone": milestones},  # type: ignore[dict-item]
    )


def _names(found, lane: str, column: str) -> list[str]:
    r = found.labels.index(lane)
    c = found.columns.index(column)
    return [i.name for i in found.cells[r][c]]


def test_one_lane_per_role_then_all_roles_and_stages_in_order():
    found = lanes(_map())
    assert found.labels == [
        "Admin / implementer",
        "Champion / buyer",
        "End user",
        "Executive sponsor",
        ALL_ROLES_LABEL,
    ]
    assert found.columns == ["Setup", "Kickoff", views.UNPLACED]
    assert _names(found, "Admin / implementer", "Kickoff") == ["Admin console tour"]
    assert _names(found, "Executive sponsor", "Kickoff") == ["Sponsor gone"]
    assert _names(found, "End user", "Setup") == ["Two roles", HOSTILE]  # kind order
    assert _names(found, "Champion / buyer", views.UNPLACED) == ["Loose"]


def test_element_without_role_goes_to_all_roles_lane_only():
    found = lanes(_map())
    assert _names(found, ALL_ROLES_LABEL, "Setup") == ["Welcome mail"]
    for lane in found.labels[:-1]:
        assert "Welcome mail" not in _names(found, lane, "Setup")


def test_element_with_several_roles_is_in_each_of_their_lanes():
    found = lanes(_map())
    assert "Two roles" in _names(found, "Admin / implementer", "Setup")
    assert "Two roles" in _names(found, "End user", "Setup")
    assert "Two roles" not in _names(found, ALL_ROLES_LABEL, "Setup")


def test_filters_keep_chosen_lanes_and_channels():
    found = lanes(_map(), roles=["admin", ""], channels=["email"])
    assert found.labels == ["Admin / implementer", ALL_ROLES_LABEL]
    every = [i.name for lane in found.cells for cell in lane for i in cell]
    assert HOSTILE not in every  # in_app touchpoint filtered out, and its lane too
    assert "Welcome mail" in every


def test_hostile_label_is_escaped_in_html_and_svg_and_csv_keeps_it_as_text():
    found = lanes(_map())
    page = views.grid_html(found.to_grid())
    assert "<img" not in page
    assert "&lt;img src=x onerror=window.__xss=1&gt;" in page
    svg = views.grid_svg(found.to_grid(), "Lanes")
    assert "<img" not in svg
    csv = csv_bytes(found.to_frame()).decode()
    assert HOSTILE in csv
    assert "Lane,Stage,Kind,Element" in csv.splitlines()[0]


def test_map_without_stages_or_elements_has_no_columns():
    found = lanes(MapContent(_info(), {}))
    assert found.columns == []
    assert found.empty
