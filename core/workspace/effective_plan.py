"""The measurement plan every page computes with.

Targets come from the workspace's segments; the event lists (first value, activation,
milestone order) come from its journey maps where a map defines them, so a workshop that
changes a milestone's proving event changes the numbers the scorecards show. The maps'
signals with an event and a window become journey signals the engine evaluates
(docs/metrics.md, User-defined signals), shown in the reasons and not scored until a penalty
is set for them in the score builder (the plan's newest version, core/workspace/plan_versions.py).

The segment table has no column for the activation window yet, so every segment follows the
plan's defaults: the standard segments' windows (Enterprise 90, Mid-Market 45, SMB 30 days),
any other segment the top-level window.

Reading the plan needs READ in the workspace (core.access.guard).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.db.models import JourneyMap
from core.journey.measurement import apply_journey_events, journey_events
from core.journey.shapes import SignalElement
from core.journey.store import content
from core.model.plan import JourneySignal, MeasurementPlan, journey_signal_name
from core.workspace.plan_versions import penalties_by_signal, version_content, with_penalties
from core.workspace.workspaces import measurement_plan


def effective_plan(
    session: Session, workspace_id: int, content: dict[str, Any] | None = None
) -> MeasurementPlan:
    """The plan of the newest version (or of `content`: an earlier version or a file to
    preview) with the maps' event lists and signals, each signal with the penalty the version
    sets for it."""
    require(session, Action.READ, workspace_id)
    if content is None:
        content = version_content(session, workspace_id)
    base = measurement_plan(session, workspace_id, content)
    plan = apply_journey_events(base, journey_events(session, workspace_id))
    signals = map_signals(session, workspace_id, plan)
    return replace(plan, signals=with_penalties(signals, penalties_by_signal(content)))


def version_plan(session: Session, workspace_id: int, number: int) -> MeasurementPlan:
    """The plan as version `number` set it, with today's segments and maps."""
    require(session, Action.READ, workspace_id)
    return effective_plan(session, workspace_id, version_content(session, workspace_id, number))


# ------------------------------------------------------------------ signals from the maps


def _rank(journey: JourneyMap) -> tuple[bool, bool, int]:
    """The map that speaks for a segment: current state first, then the happy path."""
    return (journey.state != "current", journey.variant != "happy path", journey.id)


def rule_for(plan: MeasurementPlan, segment: str | None, event: str) -> str:
    """A milestone's event (first value, activation or journey step) is waited for
    (not_reached); any other event is expected to keep happening (inactive)."""
    lists = plan.segment_events(segment) if segment else plan.events
    milestones = {*lists.first_value_events, *lists.activation_events, *lists.milestone_events}
    return "not_reached" if event in milestones else "inactive"


def evaluable(plan: MeasurementPlan, segment: str | None, signal: SignalElement) -> bool:
    """A signal with an event and a window, whose event is not good news (an expansion event
    is the expansion list's business, not a risk)."""
    lists = plan.segment_events(segment) if segment else plan.events
    event = signal["event"].strip()
    return bool(event) and bool(signal["window_days"]) and event not in lists.expansion_events


def _definitions(
    plan: MeasurementPlan, segment: str | None, signals: list[SignalElement]
) -> list[JourneySignal]:
    found: dict[str, JourneySignal] = {}
    for s in signals:
        name, window = journey_signal_name(s["name"]), s["window_days"]
        if not name or window is None or name in found or not evaluable(plan, segment, s):
            continue
        event = s["event"].strip()
        found[name] = JourneySignal(
            name=name,
            event=event,
            window_days=window,
            rule=rule_for(plan, segment, event),
            segment=segment,
        )
    return list(found.values())


def map_signals(
    session: Session, workspace_id: int, plan: MeasurementPlan
) -> tuple[JourneySignal, ...]:
    """Per segment (and for maps without one) the signals of the map that speaks for it: the
    best-ranked map with at least one signal the engine can evaluate."""
    require(session, Action.READ, workspace_id)
    query = select(JourneyMap).where(JourneyMap.workspace_id == workspace_id)
    chosen: dict[str | None, list[JourneySignal]] = {}
    for journey in sorted(session.scalars(query), key=_rank):
        found = content(session, journey)
        segment = found.info.segment
        if segment in chosen or (segment is not None and segment not in plan.segments):
            continue
        definitions = _definitions(plan, segment, found.of("signal"))
        if definitions:
            chosen[segment] = definitions
    ordered = [chosen[None]] if None in chosen else []
    ordered += [chosen[name] for name in plan.segments if name in chosen]
    return tuple(s for group in ordered for s in group)
