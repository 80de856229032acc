"""The measurement plan's TOML layout: defaults, overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.model.plan import MeasurementPlan, PlanError, load_plan, plan_from_dict, plan_to_toml

EXAMPLE = """
window_days = 30
first_value_events = ["first_workflow_live"]
[penalties]
no_first_value = 40
[segments.SMB]
ttv_target_days = 14
activation_events = ["user_invited", "first_workflow_live"]
"""


def test_example_from_the_brief(tmp_path: Path):
    path = tmp_path / "plan.toml"
    path.write_text(EXAMPLE)
    plan = load_plan(path)
    assert plan.window_days == 30
    assert plan.segment_events("SMB").activation_events == ("user_invited", "first_workflow_live")
    assert (
        plan.segment_events("Enterprise").activation_events
        == MeasurementPlan().events.activation_events
    )
    assert plan.segments["Enterprise"] == MeasurementPlan().segments["Enterprise"]


def test_empty_file_is_the_default_plan():
    assert plan_from_dict({}) == MeasurementPlan()


def test_round_trip_through_toml(tmp_path: Path):
    plan = plan_from_dict(
        {
            "window_days": 21,
            "feature_events": ["a", "b"],
            "segments": {
                "Strategic Accounts": {
                    "ttv_target_days": 90,
                    "duration_target_days": 150,
                    "adoption_target": 0.7,
                    "csat_target": 4.2,
                }
            },
        }
    )
    path = tmp_path / "plan.toml"
    path.write_text(plan_to_toml(plan))
    assert load_plan(path) == plan


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"windows_days": 3}, "unknown key windows_days"),
        ({"penalties": {"no_value": 1}}, "unknown key penalties.no_value"),
        ({"segments": {"SMB": {"ttv": 1}}}, "unknown key segments.SMB.ttv"),
        ({"window_days": "30"}, "window_days must be a whole number"),
        ({"window_days": True}, "window_days must be a whole number"),
        ({"bands": {"watch": 7.5}}, "bands.watch must be a whole number"),
        ({"first_value_events": "x"}, "first_value_events must be a list"),
        (
            {"segments": {"SMB": {"adoption_target": "high"}}},
            "segments.SMB.adoption_target must be a number",
        ),
        ({"segments": {"New": {"ttv_target_days": 5}}}, "segments.New is a new segment and needs"),
        ({"penalties": 5}, "penalties must be a table"),
    ],
)
def test_bad_keys_and_types_are_named(data: dict, message: str):
    with pytest.raises(PlanError, match=message):
        plan_from_dict(data)


def test_syntax_error_names_the_file(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text("window_days = = 3")
    with pytest.raises(PlanError, match="bad.toml: not valid TOML"):
        load_plan(path)
