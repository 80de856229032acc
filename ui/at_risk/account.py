"""One account in detail: why it is on the list, the play, the CSM's call, and its history,
milestones, timeline, users and sponsor."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.at_risk.account_detail import AccountDetail
from core.charts import at_risk as charts
from core.common.scalars import as_float
from core.common.text import inert_markdown
from core.scorecards.bundle import money
from ui.at_risk.compute import detail
from ui.at_risk.context import AtRiskContext
from ui.at_risk.risk_state_form import risk_state_form
from ui.charts import show_chart
from ui.scorecards.tables import EMPTY, column_config, show_table


def pick_account(shown: pl.DataFrame) -> str | None:
    """The account to open: picked here, or by clicking its row in the list above."""
    ids = shown.get_column("account_id").to_list()
    names = dict(zip(ids, shown.get_column("account_name").to_list(), strict=True))
    if st.session_state.get("ar_account") not in ids:
        st.session_state.pop("ar_account", None)
    return st.selectbox(
        "Open an account",
        ids,
        index=None,
        format_func=lambda a: f"{a} · {names[a]}",
        key="ar_account",
        placeholder="Choose an account to see its detail and record your call",
    )


def show_account(context: AtRiskContext, account_id: str, listed: pl.DataFrame) -> None:
    row = listed.filter(pl.col("account_id") == account_id)
    r = row.row(0, named=True) if len(row) else {}
    found = detail(context, account_id, r.get("segment"))
    if found is None:
        st.warning("That account is not in the loaded data any more.")
        return
    p = found.profile
    st.subheader(inert_markdown(p["account_name"] or account_id, 200))
    cols = st.columns(5)
    cols[0].metric("Health score", r.get("score", "—"), delta=r.get("score_delta_7d"))
    cols[1].metric("Action", r.get("action") or "—")
    cols[2].metric("Age", f"{p['age_days']} days")
    cols[3].metric("Contract value", money(as_float(p["contract_value"])))
    active = int(found.users.get_column("active").sum())
    seats = p["licensed_seats"]
    cols[4].metric("Active users (last 30 days)", f"{active} / {seats or '?'} seats")
    st.markdown(
        f"Segment **{inert_markdown(p['segment'] or '—', 200)}** · CSM "
        f"**{inert_markdown(p['csm'] or 'unassigned', 200)}** · started {p['start_date']}"
    )
    if r:
        st.markdown(f"**Why:** {inert_markdown(r['reasons'], 1000)}")
        owner = f" · owner **{inert_markdown(r['play_owner'], 200)}**" if r["play_owner"] else ""
        st.markdown(f"**Recommended play:** {inert_markdown(r['play'], 1000)}{owner}")
    risk_state_form(context, account_id)
    _tabs(context, account_id, found)


def _tabs(context: AtRiskContext, account_id: str, found: AccountDetail) -> None:
    tabs = st.tabs(["Score history", "Milestones", "Timeline", "Users", "Sponsor"])
    with tabs[0]:
        if found.history.is_empty():
            st.info("No score history yet.")
        else:
            b = context.plan.bands
            chart = charts.score_history_chart(found.history, (b.executive, b.escalate, b.watch))
            show_chart(chart, f"score-history-{account_id}", "ar_hist")
    with tabs[1]:
        show_table(
            found.milestones,
            "ar_milestones",
            reached_on=st.column_config.DateColumn("Reached on"),
        )
        st.caption(
            "Target days come from the segment's journey map where it sets one, "
            "otherwise from the measurement plan."
        )
    with tabs[2]:
        show_chart(charts.activity_chart(found.weekly), f"activity-{account_id}", "ar_act")
        st.dataframe(
            found.timeline,
            hide_index=True,
            height=320,
            column_config=column_config(found.timeline.columns),
            placeholder=EMPTY,
        )
    with tabs[3]:
        show_table(found.users, "ar_users")
    with tabs[4]:
        st.markdown(found.sponsor_summary)
        show_table(found.sponsor, "ar_sponsor")
