"""What the at-risk parts compute from, as one explicit value instead of page globals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.access.identity import Access
from core.data.store import DatasetInfo
from core.engine import Tables
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan
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
    workspace_as_of,
)


@dataclass(frozen=True)
class AtRiskContext:
    """Built once at the top of the page. `access.workspace_id` is the workspace whose risk
    states and plays are read and written; `as_of` is the workspace's analysis date."""

    access: Access
    workspace: WorkspaceInfo
    info: DatasetInfo | None
    dataset: Dataset
    plan: MeasurementPlan
    plan_key: str
    """The plan as text: cache keys need it because a plan itself is not hashable."""
    as_of: date

    @property
    def data_key(self) -> DataKey:
        """The cache key of the data (ui.state.data_key); the page stops before use when
        nothing is loaded."""
        return data_key(self.info)

    @property
    def tables(self) -> Tables:
        """What the engine reads: the data with its stored rollups (ui.engine_tables)."""
        return engine_tables(self.data_key, self.dataset)


def at_risk_context() -> AtRiskContext:
    """The current workspace as this run's person sees it (their role decides what the
    parts below draw; core refuses anything else whatever is drawn)."""
    ws = current_workspace()
    info, dataset = current_dataset(ws.id)
    the_plan = plan(ws.id)
    return AtRiskContext(
        access=run_access(),
        workspace=ws,
        info=info,
        dataset=dataset,
        plan=the_plan,
        plan_key=plan_key(the_plan),
        as_of=workspace_as_of(ws, info, dataset),
    )
