"""What the scorecards sections compute from, as explicit values instead of page globals.

The page builds a `ScorecardsContext` once at its top (who is looking, the workspace, its data
and plan); the filters bar narrows it to a `ScorecardsView` (analysis date and filters) that
every section below the bar receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.access.identity import Access
from core.data.store import DatasetInfo
from core.engine import Tables
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan
from core.scorecards.bundle import Filters
from core.workspace.workspaces import WorkspaceInfo
from ui.engine_tables import engine_tables
from ui.state import (
    DataKey,
    current_dataset,
    current_workspace,
    data_key,
    plan,
    plan_key,
    run_access,
)


@dataclass(frozen=True)
class ScorecardsContext:
    access: Access
    workspace: WorkspaceInfo
    info: DatasetInfo | None
    dataset: Dataset
    plan: MeasurementPlan
    plan_key: str
    """The plan as text: cache keys need it because a plan itself is not hashable."""

    @property
    def data_key(self) -> DataKey:
        """The cache key of the data (ui.state.data_key); the page stops before use when
        nothing is loaded."""
        return data_key(self.info)

    @property
    def tables(self) -> Tables:
        """What the engine reads: the data with its stored rollups (ui.engine_tables)."""
        return engine_tables(self.data_key, self.dataset)


@dataclass(frozen=True)
class ScorecardsView:
    """The context narrowed by the filters bar."""

    context: ScorecardsContext
    as_of: date
    filters: Filters


def scorecards_context() -> ScorecardsContext:
    """The current workspace as this run's person sees it (their role decides what the
    parts below draw; core refuses anything else whatever is drawn)."""
    ws = current_workspace()
    info, dataset = current_dataset(ws.id)
    the_plan = plan(ws.id)
    return ScorecardsContext(
        access=run_access(),
        workspace=ws,
        info=info,
        dataset=dataset,
        plan=the_plan,
        plan_key=plan_key(the_plan),
    )
