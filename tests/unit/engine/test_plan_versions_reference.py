"""Plan versions against the independent reference (tests/unit/engine/reference_metrics.py):
the plan a workspace computes with after each save and restore, read back from a real
database, scores exactly as the reference reads docs/metrics.md for that plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core import engine
from core.access.guard import system_factory
from core.access.identity import Access, Role
from core.db.engine import make_engine, migrate, unit_of_work
from core.model.dataset import Dataset
from core.model.plan import Bands, MeasurementPlan
from core.workspace import plan_versions as pv
from core.workspace.demo_workspace import add_demo_maps, demo_dataset
from core.workspace.effective_plan import effective_plan, version_plan
from core.workspace.workspaces import create_workspace
from tests.unit.engine import reference_metrics as ref
from tests.unit.engine.test_engine_reference import check_scorecard, check_scores

AS_OF = date(2026, 9, 1)


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return demo_dataset(accounts=300, seed=5)


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    db = make_engine(f"sqlite:///{tmp_path / 'versions.db'}")
    migrate(db)
    return system_factory(db)


def test_each_version_and_a_restore_score_as_the_reference_for_its_plan(factory, demo):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Acme")
        add_demo_maps(s, ws.id)  # a map per segment, whose signals the versions weigh
        owner = Access(ws.id, ws.name, Role.OWNER, actor="Dana")
        first = effective_plan(s, ws.id)
    assert first.signals
    tuned = replace(
        first,
        penalties=replace(first.penalties, no_first_value=30, single_user=35, ticket_primary=5),
        bands=Bands(25, 45, 80),
        window_days=21,
        min_age_days=14,
        signals=tuple(replace(x, penalty=10 + 5 * (i % 3)) for i, x in enumerate(first.signals)),
    )
    with unit_of_work(factory) as s:
        pv.save_settings(s, owner, tuned, base_version=1, note="Tuned")
    with unit_of_work(factory) as s:
        pv.restore_version(s, owner, 1, base_version=2)
    with unit_of_work(factory) as s:
        plans = {n: version_plan(s, ws.id, n) for n in (1, 2, 3)}
        current = effective_plan(s, ws.id)
    assert replace(plans[1], signals=()) == replace(MeasurementPlan(), segments=plans[1].segments)
    assert all(x.penalty == 0 for x in plans[1].signals)
    assert plans[2] == tuned
    assert plans[3] == plans[1] == current
    as_of = min(AS_OF, ref.Data.of(demo).latest_event())
    for plan in plans.values():
        check_scores(demo, as_of, plan)
        check_scorecard(demo, as_of, plan)
    restored = engine.score(demo, plans[3], as_of)
    assert restored.equals(engine.score(demo, plans[1], as_of))
    assert not restored["score"].equals(engine.score(demo, plans[2], as_of)["score"])
