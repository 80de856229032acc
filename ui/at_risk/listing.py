"""The CSM's morning list: totals, the table (a click opens the account) and its exports."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.at_risk.listing import ACTION_WORDS, apply_filters, build_list, sort_list, totals
from core.scorecards.bundle import money
from ui.at_risk.compute import plays, saved_states
from ui.at_risk.context import AtRiskContext
from ui.at_risk.downloads import csv_and_excel
from ui.at_risk.filters import list_filters, sort_order

COLUMNS = {
    "account_id": st.column_config.TextColumn("Account id"),
    "account_name": st.column_config.TextColumn("Account"),
    "segment": st.column_config.TextColumn("Segment"),
    "csm": st.column_config.TextColumn("CSM"),
    "age_days": st.column_config.NumberColumn("Age (days)", format="%d"),
    "contract_value": st.column_config.NumberColumn("Contract value", format="$%,.0f"),
    "score": st.column_config.ProgressColumn(
        "Health score", min_value=0, max_value=100, format="%d"
    ),
    "score_delta_7d": st.column_config.NumberColumn(
        "7-day change", format="%+d", help="Score now minus the score 7 days earlier"
    ),
    "action": st.column_config.TextColumn("Action"),
    "risk_state": st.column_config.TextColumn("Risk state"),
    "signals": st.column_config.TextColumn("Signals"),
    "reasons": st.column_config.TextColumn("Why (penalties)", width="large"),
    "play": st.column_config.TextColumn("Recommended play", width="large"),
    "play_owner": st.column_config.TextColumn("Play owner"),
    "note": st.column_config.TextColumn("Note"),
}


def show_list(context: AtRiskContext, at_risk: pl.DataFrame) -> pl.DataFrame:
    """The filtered, sorted list; returns the rows shown (empty when none)."""
    full = build_list(at_risk, context.plan, plays(context), saved_states(context))
    if full.is_empty():
        st.success("No account needs escalation on this date. ✓", icon=":material/check_circle:")
        return full
    chosen = list_filters(full)
    sort, descending = sort_order()
    shown = sort_list(apply_filters(full, chosen), sort, descending=descending)
    _totals(shown)
    if shown.is_empty():
        st.info("No at-risk account matches these filters. Clear a filter to see more.")
        return shown
    visible = shown.drop("signal_codes")
    _table(visible)
    st.caption(
        "Click a row (or pick below) to open the account. Sort by clicking a column "
        "header; the downloads follow the sort and filters chosen above."
    )
    csv_and_excel(visible, "at-risk-accounts", "at-risk", ("ar_csv", "ar_xlsx"), icons=True)
    return shown


def _totals(shown: pl.DataFrame) -> None:
    t = totals(shown)
    cols = st.columns(4)
    cols[0].metric("Accounts at risk", f"{t.accounts:,}")
    cols[1].metric("Contract value at risk", money(t.contract_value))
    cols[2].metric(ACTION_WORDS["executive"], f"{t.executive:,}")
    cols[3].metric(ACTION_WORDS["escalate"], f"{t.escalate:,}")


def _table(visible: pl.DataFrame) -> None:
    """The list; a clicked row becomes the open account (see ui.at_risk.account)."""
    event = st.dataframe(
        visible,
        hide_index=True,
        column_config=COLUMNS,
        key="ar_table",
        on_select="rerun",
        selection_mode="single-row",
        height=420,
    )
    rows = event.selection.rows if event else []
    # A selection made before the filters changed may point past the end: ignore it then.
    picked = visible.get_column("account_id")[rows[0]] if rows and rows[0] < len(visible) else None
    if picked and st.session_state.get("ar_last_pick") != picked:
        st.session_state["ar_last_pick"] = picked
        st.session_state["ar_account"] = picked
