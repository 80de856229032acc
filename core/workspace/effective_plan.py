"""The measurement plan every page computes with.

Targets come from the workspace's segments; the event lists (first value, activation,
milestone order) come from its journey maps where a map defines them, so a workshop that
changes a milestone's proving event changes the numbers the scorecards show.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.journey.measurement import apply_journey_events, journey_events
from core.model.plan import MeasurementPlan
from core.workspace.workspaces import measurement_plan


def effective_plan(session: Session, workspace_id: int) -> MeasurementPlan:
    base = measurement_plan(session, workspace_id)
    return apply_journey_events(base, journey_events(session, workspace_id))
