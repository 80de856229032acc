"""Plays and milestone targets for the at-risk list, read from a workspace's journey maps."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from core.at_risk import account_detail, listing
from core.db.engine import unit_of_work
from core.db.models import JourneyMap, Milestone, RiskPoint, Segment
from core.workspace import workspaces


def _map(s: Session, ws_id: int, name: str, segment: str | None, **kw) -> JourneyMap:
    seg_id = None
    if segment:
        seg_id = next(x.id for x in s.query(Segment).filter_by(workspace_id=ws_id, name=segment))
    m = JourneyMap(workspace_id=ws_id, name=name, segment_id=seg_id, **kw)
    s.add(m)
    s.flush()
    return m


def test_risk_plays_and_milestone_targets_read_the_maps(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = workspaces.create_workspace(s, "Acme").id
        ideal = _map(s, ws, "SMB ideal", "SMB", state="ideal")
        current = _map(s, ws, "SMB now", "SMB")
        common = _map(s, ws, "Everyone", None)
        s.add_all(
            [
                RiskPoint(
                    map_id=ideal.id,
                    name="Ideal",
                    signal="no_first_value",
                    intervention="Later",
                    owner="X",
                ),
                RiskPoint(
                    map_id=current.id,
                    name="Stalled setup",
                    signal="no_first_value",
                    intervention="Book a setup call",
                    owner="Onboarding",
                ),
                RiskPoint(map_id=current.id, name="No signal", signal="", intervention="x"),
                RiskPoint(
                    map_id=common.id,
                    name="Alone",
                    signal="single_user",
                    intervention="",
                    owner="Growth",
                ),
                Milestone(
                    map_id=current.id, name="Live", event="first_workflow_live", target_day=10
                ),
            ]
        )
    with unit_of_work(factory) as s:
        plays = listing.risk_plays(s, ws)
        targets = account_detail.milestone_targets(s, ws, "SMB")
        fallback = account_detail.milestone_targets(s, ws, "Enterprise")
    assert plays.rows() == [
        ("SMB", "no_first_value", "Book a setup call", "Onboarding", "SMB now"),
        (None, "single_user", "Alone", "Growth", "Everyone"),
        ("SMB", "no_first_value", "Later", "X", "SMB ideal"),
    ]
    assert targets == {"first_workflow_live": 10}
    assert fallback == {}
