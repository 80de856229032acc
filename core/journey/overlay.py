"""Map meets data: how many accounts reached each milestone, and how fast.

Uses the engine's journey calculator (core.engine.funnel) with the map's own milestone events
in journey order, for the map's segment; a stage counts as reached when its last milestone is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from core.engine.funnel import funnel
from core.engine.tables import Tables
from core.journey.measurement import ordered_milestones
from core.journey.store import MapContent
from core.model.plan import MeasurementPlan


@dataclass(frozen=True)
class Reach:
    """Share of accounts that reached a step (None when no account is in scope)."""

    share: float | None
    reached: int
    median_days: float | None
    step: int


@dataclass(frozen=True)
class Overlay:
    accounts_note: str
    milestones: dict[int, Reach]
    stages: dict[int, Reach]
    events: tuple[str, ...]


def overlay(
    m: MapContent, data: Tables, plan: MeasurementPlan, as_of: date | None = None
) -> Overlay:
    """Reach per milestone (by id) and per stage (by id); milestones without events are absent."""
    ordered = [e for e in ordered_milestones(m) if e["event"]]
    events = tuple(dict.fromkeys(e["event"] for e in ordered))
    if not events:
        return Overlay("No milestone has a proving event yet.", {}, {}, ())
    segment = m.info.segment if m.info.segment in plan.segments else None
    lists = replace(plan.events, milestone_events=events)
    seg_plan = plan.segments
    if segment is not None:
        seg_plan = {
            **plan.segments,
            segment: replace(plan.segments[segment], milestone_events=events),
        }
    table = funnel(data, replace(plan, events=lists, segments=seg_plan), as_of, segment)
    by_event: dict[str, Reach] = {}
    for row in table.iter_rows(named=True):
        by_event.setdefault(
            row["event"],
            Reach(
                row["overall_conversion"],
                row["reached"],
                row["median_days_from_start"],
                row["step"],
            ),
        )
    milestones = {e["id"]: by_event[e["event"]] for e in ordered if e["event"] in by_event}
    stages: dict[int, Reach] = {}
    for e in ordered:
        if e["stage_id"] is not None and e["id"] in milestones:
            stages[e["stage_id"]] = milestones[e["id"]]
    scope = f"segment {segment}" if segment else "all segments"
    return Overlay(f"Accounts of {scope}, milestones in journey order.", milestones, stages, events)
