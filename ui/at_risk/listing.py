"""The CSM's morning list: totals, the table (a click on an account's name opens it) and its
exports. The columns a CSM reads first (action, why, play, owner, risk state) follow the
account and its score, narrow enough to be seen without scrolling on a 1400-pixel screen."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.at_risk.listing import ACTION_WORDS, apply_filters, build_list, sort_list, totals
from core.scorecards.bundle import money
from ui.at_risk.compute import plays, saved_states
from ui.at_risk.context import AtRiskContext
from ui.at_risk.downloads import csv_and_excel
from ui.at_risk.filters import list_filters, sort_order
from ui.scorecards.tables import EMPTY

COLUMNS = {
    "account_name": st.column_config.TextColumn(
        "Account", width=150, help="Click a name to open the account below"
    ),
    "score": st.column_config.ProgressColumn(
        "Health score", min_value=0, max_value=100, format="%d", width=75
    ),
    "action": st.column_config.TextColumn("Action", width=95),
    "reasons": st.column_config.TextColumn("Why (penalties)", width=175),
    "play": st.column_config.TextColumn("Recommended play", width=175),
    "play_owner": st.column_config.TextColumn("Play owner", width=95),
    "risk_state": st.column_config.TextColumn("Risk state", width=125),
    "score_delta_7d": st.column_config.NumberColumn(
        "7-day change", format="%+d", help="Score now minus the score 7 days earlier"
    ),
    "contract_value": st.column_config.NumberColumn("Contract value", format="$%,.0f"),
    "segment": st.column_config.TextColumn("Segment"),
    "csm": st.column_config.TextColumn("CSM"),
    "age_days": st.column_config.NumberColumn("Age (days)", format="%d"),
    "signals": st.column_config.TextColumn("Signals"),
    "note": st.column_config.TextColumn("Note"),
    "account_id": st.column_config.TextColumn("Account id"),
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
        "Click an account's name (or tick its row, or pick it below) to open the account. "
        "Sort by clicking a column header; the downloads follow the sort and filters chosen "
        "above."
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
    """The list; a clicked account name (or a ticked row) becomes the open account (see
    ui.at_risk.account)."""
    event = st.dataframe(
        visible,
        hide_index=True,
        column_config=COLUMNS,
        key="ar_table",
        on_select="rerun",
        selection_mode=["single-row", "single-cell"],
        height=420,
        placeholder=EMPTY,
    )
    picked = _picked(visible, event.selection.rows, event.selection.cells) if event else None
    if picked and st.session_state.get("ar_last_pick") != picked:
        st.session_state["ar_last_pick"] = picked
        st.session_state["ar_account"] = picked


def _picked(visible: pl.DataFrame, rows: list[int], cells: list[tuple[int, str]]) -> str | None:
    """The account of a clicked name cell, else of a ticked row. A selection made before the
    filters changed may point past the end: it is ignored then."""
    named = [row for row, column in cells if column == "account_name"]
    chosen = named or rows
    if not chosen or chosen[0] >= len(visible):
        return None
    return str(visible.get_column("account_id")[chosen[0]])
