"""The measurement plan's event lists, read from a workspace's journey maps.

A milestone names the event that proves it and says whether it marks first value or
activation, so the maps define what "first value", "activation" and "milestone order" mean.
Per segment the map used is the segment's current-state map, preferring the happy path; maps
without a segment feed the global lists. Lists a map does not define keep the plan's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.db.models import JourneyMap
from core.journey.shapes import MilestoneElement
from core.journey.store import MapContent, content
from core.model.plan import MeasurementPlan


class EventOverrides(TypedDict, total=False):
    """The event lists a map defines, by the plan field each one replaces."""

    first_value_events: tuple[str, ...]
    activation_events: tuple[str, ...]
    milestone_events: tuple[str, ...]


@dataclass(frozen=True)
class JourneyEvents:
    """Event lists one map defines; an empty tuple means "not defined here"."""

    map_id: int
    map_name: str
    segment: str | None
    first_value_events: tuple[str, ...]
    activation_events: tuple[str, ...]
    milestone_events: tuple[str, ...]

    def overrides(self) -> EventOverrides:
        found: EventOverrides = {}
        if self.first_value_events:
            found["first_value_events"] = self.first_value_events
        if self.activation_events:
            found["activation_events"] = self.activation_events
        if self.milestone_events:
            found["milestone_events"] = self.milestone_events
        return found


def _distinct(events: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e for e in events if e))


def ordered_milestones(m: MapContent) -> list[MilestoneElement]:
    """Milestones in journey order: by stage order, then their own order; unplaced last."""
    stage_rank: dict[int | None, int] = {s["id"]: i for i, s in enumerate(m.stages)}
    return sorted(
        m.of("milestone"),
        key=lambda e: (stage_rank.get(e["stage_id"], len(stage_rank)), e["position"], e["id"]),
    )


def map_events(m: MapContent) -> JourneyEvents:
    ordered = ordered_milestones(m)
    return JourneyEvents(
        map_id=m.info.id,
        map_name=m.info.name,
        segment=m.info.segment,
        first_value_events=_distinct([e["event"] for e in ordered if e["is_first_value"]]),
        activation_events=_distinct([e["event"] for e in ordered if e["is_activation"]]),
        milestone_events=_distinct([e["event"] for e in ordered]),
    )


def _rank(journey: JourneyMap) -> tuple[int, int, int]:
    return (journey.state != "current", journey.variant != "happy path", journey.id)


def journey_events(session: Session, workspace_id: int) -> dict[str | None, JourneyEvents]:
    """The defining map's event lists per segment name (None: maps without a segment).
    Reads every map of the workspace: members only (a guest reaches one map)."""
    require(session, Action.READ, workspace_id)
    query = select(JourneyMap).where(JourneyMap.workspace_id == workspace_id)
    chosen: dict[str | None, JourneyEvents] = {}
    for journey in sorted(session.scalars(query), key=_rank):
        events = map_events(content(session, journey))
        if events.segment not in chosen and events.overrides():
            chosen[events.segment] = events
    return chosen


def apply_journey_events(
    plan: MeasurementPlan, events: dict[str | None, JourneyEvents]
) -> MeasurementPlan:
    """The plan with the maps' lists: global ones from unsegmented maps, per segment the
    segment's map (only for segments the plan knows)."""
    result = plan
    if None in events:
        result = replace(result, events=replace(result.events, **events[None].overrides()))
    segments = dict(result.segments)
    for name, found in events.items():
        if name is not None and name in segments:
            segments[name] = replace(segments[name], **found.overrides())
    return replace(result, segments=segments)
