"""The plan the pages use: the workspace's targets with the event lists of its journey maps."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from core.db.engine import unit_of_work
from core.journey import Actor, create_map
from core.model.plan import MeasurementPlan
from core.workspace.effective_plan import effective_plan
from core.workspace.workspaces import create_workspace

FACILITATOR = Actor("Ana")


def test_without_maps_the_plan_is_the_segment_plan(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Acme")
        assert effective_plan(s, ws.id) == MeasurementPlan()


def test_a_segment_map_sets_that_segments_event_lists(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Acme")
        create_map(s, ws.id, "product_led", FACILITATOR, name="SMB self-serve", segment="SMB")
    with unit_of_work(factory) as s:
        plan = effective_plan(s, ws.id)
    smb = plan.segment_events("SMB")
    assert smb.first_value_events == ("first_workflow_live",)
    assert smb.activation_events == (
        "login",
        "integration_connected",
        "user_invited",
        "first_workflow_live",
    )
    assert smb.milestone_events == smb.activation_events + ("automation_run",)
    assert plan.segment_events("Enterprise") == MeasurementPlan().events
