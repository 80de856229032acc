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


def test_activation_window_per_segment_with_the_top_level_for_the_rest(tmp_path: Path):
    plan = MeasurementPlan()
    assert [plan.activation_window(s) for s in ("Enterprise", "Mid-Market", "SMB")] == [90, 45, 30]
    custom = plan_from_dict(
        {
            "activation_window_days": 21,
            "segments": {
                "SMB": {"activation_window_days": 14},
                "Partners": {
                    "ttv_target_days": 20,
                    "duration_target_days": 40,
                    "adoption_target": 0.5,
                    "csat_target": 4.0,
                },
            },
        }
    )
    assert custom.activation_window("SMB") == 14
    assert custom.activation_window("Enterprise") == 90
    assert custom.activation_window("Partners") == 21
    assert custom.activation_window(None) == 21
    path = tmp_path / "plan.toml"
    path.write_text(plan_to_toml(custom))
    assert load_plan(path) == custom
    smb = path.read_text().split("[segments.SMB]")[1].split("[")[0]
    assert "activation_window_days = 14" in smb


def test_journey_signals_round_trip_and_default_to_no_penalty(tmp_path: Path):
    plan = plan_from_dict(
        {
            "signals": [
                {"name": "Went quiet", "event": "login", "window_days": 14},
                {
                    "name": "Went quiet",
                    "segment": "SMB",
                    "event": "login",
                    "window_days": 7,
                    "penalty": 10,
                },
                {
                    "name": "No integration",
                    "event": "integration_connected",
                    "window_days": 21,
                    "rule": "not_reached",
                },
            ]
        }
    )
    assert [s.penalty for s in plan.signals] == [0, 10, 0]
    assert plan.signals[0].rule == "inactive"
    assert plan.signal_names()[4:] == ("Went quiet", "No integration")
    path = tmp_path / "plan.toml"
    path.write_text(plan_to_toml(plan))
    assert load_plan(path) == plan


@pytest.mark.parametrize(
    ("signal", "message"),
    [
        ({"name": "x", "event": "login"}, r"signals\[1\] needs window_days"),
        ({"name": "x", "event": "login", "window_days": 0}, "window_days must be at least 1"),
        ({"name": "x", "event": "e", "window_days": 3, "rule": "later"}, "rule must be one of"),
        ({"name": "x", "event": "e", "window_days": 3, "segment": "Nope"}, "names no segment"),
        ({"name": "single_user", "event": "e", "window_days": 3}, "built-in signal"),
        ({"name": "a;b", "event": "e", "window_days": 3}, "holds a ';'"),
        ({"name": "x", "event": "e", "window_days": 3, "colour": 1}, r"unknown key signals\[1\]"),
        ({"name": "x", "event": "e", "window_days": 3, "penalty": -1}, "must be 0 or more"),
    ],
)
def test_bad_journey_signals_are_named(signal: dict, message: str):
    with pytest.raises(PlanError, match=message):
        plan_from_dict({"signals": [signal]})


def test_a_journey_signal_defined_twice_for_one_segment_is_refused():
    twice = [{"name": "x", "event": "e", "window_days": 3}] * 2
    with pytest.raises(PlanError, match="defined twice"):
        plan_from_dict({"signals": twice})
