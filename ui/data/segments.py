"""The Segments tab: the targets each segment is measured against, edited as a table.

The activation window is shown beside the targets as the plan applies it (the segment's own,
else the top-level one). It is read-only here: the segment table has no column for it yet, so
the standard segments keep the brief's windows until a database change lets it be edited."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.model.dataset import Dataset
from core.workspace import workspaces
from core.workspace.workspaces import WorkspaceInfo
from ui.feedback import user_errors
from ui.state import plan, transaction

WINDOW = "activation_window_days"


def _save(ws: WorkspaceInfo, dataset: Dataset, edited: pl.DataFrame) -> None:
    """Segments still used by loaded accounts cannot be removed (core refuses, we show why)."""
    in_use = set(dataset.accounts.get_column("segment").drop_nulls().unique().to_list())
    with user_errors():
        with transaction() as session:
            rows = edited.drop(WINDOW, strict=False).to_dicts()
            workspaces.save_segments(session, ws.id, rows, in_use)
        st.toast("Segments saved")
        st.rerun()


def show_segments(ws: WorkspaceInfo, dataset: Dataset) -> None:
    st.markdown(
        "The targets each segment is measured against. Accounts without a segment get one from "
        "their contract value (under $25,000 SMB, up to $100,000 Mid-Market, above that "
        "Enterprise)."
    )
    with transaction() as session:
        rows = workspaces.segment_rows(session, ws.id)
    the_plan = plan(ws.id)
    for row in rows:
        row[WINDOW] = the_plan.activation_window(str(row["name"]))
    edited = st.data_editor(
        pl.DataFrame(rows),
        num_rows="dynamic",
        hide_index=True,
        key="segments_editor",
        column_config={
            "name": st.column_config.TextColumn("Segment", required=True, max_chars=80),
            "ttv_target_days": st.column_config.NumberColumn(
                "First value due (days)", min_value=1, step=1, required=True
            ),
            "duration_target_days": st.column_config.NumberColumn(
                "Onboarding done (days)", min_value=1, step=1, required=True
            ),
            "adoption_target": st.column_config.NumberColumn(
                "Seat adoption target", min_value=0.0, max_value=1.0, step=0.05, required=True
            ),
            "csat_target": st.column_config.NumberColumn(
                "CSAT target", min_value=1.0, max_value=5.0, step=0.1, required=True
            ),
            "csm_ratio_low": st.column_config.NumberColumn("Accounts per CSM (low)", min_value=0),
            "csm_ratio_high": st.column_config.NumberColumn("Accounts per CSM (high)", min_value=0),
            WINDOW: st.column_config.NumberColumn(
                "Activation window (days)",
                disabled=True,
                help="Every activation event is due within this many days of the start. "
                "Read-only for now: Enterprise 90, Mid-Market 45, SMB 30, any other segment "
                f"the plan's top-level {the_plan.activation_window_days}.",
            ),
        },
    )
    st.caption(
        "The activation window can be read here but not yet changed: Enterprise 90, "
        "Mid-Market 45 and SMB 30 days; a new segment uses the plan's top-level "
        f"{the_plan.activation_window_days} days."
    )
    if st.button("Save segments", type="primary", key="segments_save"):
        _save(ws, dataset, edited)
