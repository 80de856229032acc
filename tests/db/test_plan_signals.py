"""The plan the pages use carries the journey maps' signals and the per-segment activation
windows (docs/metrics.md, User-defined signals; Per-segment settings)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from core.db.engine import unit_of_work
from core.journey import Actor, create_map
from core.workspace.effective_plan import effective_plan
from core.workspace.workspaces import create_workspace

FACILITATOR = Actor("Ana")


def test_standard_segments_keep_their_activation_windows(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Acme")
        plan = effective_plan(s, ws.id)
    windows = {name: plan.activation_window(name) for name in plan.segments}
    assert windows == {"Enterprise": 90, "Mid-Market": 45, "SMB": 30}
    assert plan.signals == ()


def test_a_segment_maps_signals_become_journey_signals(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Acme")
        create_map(s, ws.id, "six_stage", FACILITATOR, segment="Mid-Market")
    with unit_of_work(factory) as s:
        plan = effective_plan(s, ws.id)
    by_name = {signal.name: signal for signal in plan.signals}
    # The expansion signal (feature_limit_hit) is good news: not a risk the score reads.
    assert set(by_name) == {
        "No project after sign-in",
        "Single-player use",
        "Went quiet after week one",
    }
    assert all(signal.segment == "Mid-Market" for signal in plan.signals)
    assert all(signal.penalty == 0 for signal in plan.signals)
    assert by_name["No project after sign-in"].rule == "not_reached"  # a milestone's event
    assert by_name["Went quiet after week one"].rule == "inactive"
    assert by_name["Went quiet after week one"].window_days == 14


def test_a_map_without_a_segment_speaks_for_every_segment(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Acme")
        create_map(s, ws.id, "five_phase", FACILITATOR)
        create_map(s, ws.id, "five_phase", FACILITATOR, name="Ideal", state="ideal")
    with unit_of_work(factory) as s:
        plan = effective_plan(s, ws.id)
    assert {signal.segment for signal in plan.signals} == {None}
    # Only the current-state map counts: the ideal one would repeat the same names.
    assert len({signal.name for signal in plan.signals}) == len(plan.signals)
