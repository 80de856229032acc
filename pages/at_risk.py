"""At-risk accounts: a CSM's morning list, why each account is on it, the play to run and
who owns it; the CSM's call on each account; one account in detail; expansion and CSM load.
Widgets and caching only; the list, the plays and the detail come from core."""

from __future__ import annotations

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

from datetime import date

import altair as alt
import polars as pl
import streamlit as st

from core.at_risk import risk_states
from core.at_risk.account_detail import AccountDetail, account_detail, milestone_targets
from core.at_risk.listing import (
    ACTION_WORDS,
    SIGNAL_WORDS,
    ListFilters,
    apply_filters,
    build_list,
    risk_plays,
    sort_list,
    totals,
)
from core.at_risk.risk_states import STATES, RiskStateError, state_label
from core.charts import builders
from core.charts.export import chart_png, chart_svg
from core.common.downloads import csv_bytes, excel_bytes
from core.common.text import inert_markdown
from core.engine import (
    at_risk_table,
    build_context,
    csm_load_table,
    expansion_table,
    score_table,
)
from core.model.plan import MeasurementPlan
from core.scorecards.bundle import money
from ui.state import (
    current_dataset,
    current_workspace,
    plan,
    plan_key,
    stop_without_data,
    transaction,
    workspace_as_of,
)

ws = current_workspace()
info, dataset = current_dataset(ws.id)
the_plan = plan(ws.id)
PLAN_KEY = plan_key(the_plan)
DATA_ID = info.id if info else 0

st.title("At-risk accounts")
st.caption(
    "Accounts whose health score calls for escalation (below "
    f"{the_plan.bands.escalate}) or executive involvement (below {the_plan.bands.executive}), "
    "worst first, with the signals that fired and the rescue play from the journey map."
)

stop_without_data(
    dataset,
    "There is no customer data in this workspace yet. Load your tables or the demo data "
    "on the Data page to see which accounts need attention.",
)


AS_OF = workspace_as_of(ws, info, dataset)


# ------------------------------------------------------------------ cached computations


@st.cache_resource(max_entries=4, show_spinner="Scoring every account (first time only)…")
def _scored(dataset_id: int, as_of: date, plan_key: str, _plan: MeasurementPlan) -> tuple:
    ctx = build_context(dataset, _plan, as_of)
    scores = score_table(ctx)
    return ctx, scores, at_risk_table(scores)


@st.cache_resource(max_entries=4, show_spinner="Finding expansion-ready accounts…")
def _expansion(dataset_id: int, as_of: date, plan_key: str) -> pl.DataFrame:
    return expansion_table(_scored(dataset_id, as_of, plan_key, the_plan)[0])


@st.cache_resource(max_entries=4, show_spinner="Counting accounts per CSM…")
def _csm_load(dataset_id: int, as_of: date, plan_key: str) -> pl.DataFrame:
    return csm_load_table(_scored(dataset_id, as_of, plan_key, the_plan)[0])


@st.cache_resource(max_entries=64, show_spinner="Opening the account…")
def _detail(
    dataset_id: int, as_of: date, plan_key: str, account_id: str, targets: tuple
) -> AccountDetail | None:
    return account_detail(dataset, the_plan, as_of, account_id, dict(targets))


def risk_plays_cached(workspace_id: int) -> pl.DataFrame:
    with transaction() as session:
        return risk_plays(session, workspace_id)


def saved_states() -> pl.DataFrame:
    with transaction() as session:
        return risk_states.states_frame(risk_states.list_risk_states(session, ws.id))


def show_chart(chart: alt.TopLevelMixin, name: str, key: str) -> None:
    """The chart, with PNG and SVG downloads rendered only when clicked."""
    st.altair_chart(chart, width="stretch")
    spec = chart.to_json()
    row = st.container(horizontal=True)
    row.download_button(
        "PNG",
        data=lambda: chart_png(spec),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
    )
    row.download_button(
        "SVG",
        data=lambda: chart_svg(spec),
        file_name=f"{name}.svg",
        mime="image/svg+xml",
        key=f"{key}_svg",
        on_click="ignore",
    )


# ------------------------------------------------------------------ the list

SORTS = {
    "": "Score (worst first, as the engine ranks)",
    "contract_value": "Contract value",
    "score": "Score",
    "score_delta_7d": "7-day change",
    "age_days": "Age (days)",
    "account_name": "Account name",
    "segment": "Segment",
    "csm": "CSM",
    "risk_state": "Risk state",
}
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


def list_filters(full: pl.DataFrame) -> ListFilters:
    cols = st.columns(5)
    segments = sorted(full.get_column("segment").drop_nulls().unique().to_list())
    csms = sorted(full.get_column("csm").drop_nulls().unique().to_list())
    states = [state_label(s) for s in STATES]
    return ListFilters(
        segments=tuple(
            cols[0].multiselect("Segment", segments, key="ar_f_segment", placeholder="All segments")
        ),
        csms=tuple(cols[1].multiselect("CSM", csms, key="ar_f_csm", placeholder="All CSMs")),
        actions=tuple(
            cols[2].multiselect(
                "Action",
                ["executive", "escalate"],
                format_func=ACTION_WORDS.get,
                key="ar_f_action",
                placeholder="Both",
            )
        ),
        signals=tuple(
            cols[3].multiselect(
                "Signal fired",
                list(SIGNAL_WORDS),
                format_func=SIGNAL_WORDS.get,
                key="ar_f_signal",
                placeholder="Any signal",
            )
        ),
        states=tuple(
            cols[4].multiselect("Risk state", states, key="ar_f_state", placeholder="Any state")
        ),
    )


def show_list(at_risk: pl.DataFrame) -> pl.DataFrame:
    full = build_list(at_risk, the_plan, risk_plays_cached(ws.id), saved_states())
    if full.is_empty():
        st.success("No account needs escalation on this date. ✓", icon=":material/check_circle:")
        return full
    chosen = list_filters(full)
    left, right = st.columns([3, 1])
    sort = left.selectbox("Sort by", list(SORTS), format_func=SORTS.get, key="ar_sort")
    descending = right.toggle(
        "Largest first", value=sort in ("contract_value",), key="ar_sort_desc"
    )
    shown = sort_list(apply_filters(full, chosen), sort or None, descending=descending)
    t = totals(shown)
    cols = st.columns(4)
    cols[0].metric("Accounts at risk", f"{t.accounts:,}")
    cols[1].metric("Contract value at risk", money(t.contract_value))
    cols[2].metric(ACTION_WORDS["executive"], f"{t.executive:,}")
    cols[3].metric(ACTION_WORDS["escalate"], f"{t.escalate:,}")
    if shown.is_empty():
        st.info("No at-risk account matches these filters. Clear a filter to see more.")
        return shown
    visible = shown.drop("signal_codes")
    event = st.dataframe(
        visible,
        hide_index=True,
        column_config=COLUMNS,
        key="ar_table",
        on_select="rerun",
        selection_mode="single-row",
        height=420,
    )
    rows = event.selection.rows if event else []  # type: ignore[union-attr]
    # A selection made before the filters changed may point past the end: ignore it then.
    picked = visible.get_column("account_id")[rows[0]] if rows and rows[0] < len(visible) else None
    if picked and st.session_state.get("ar_last_pick") != picked:
        st.session_state["ar_last_pick"] = picked
        st.session_state["ar_account"] = picked
    st.caption(
        "Click a row (or pick below) to open the account. Sort by clicking a column "
        "header; the downloads follow the sort and filters chosen above."
    )
    d1, d2, _ = st.columns([1, 1, 4])
    d1.download_button(
        "Download CSV",
        csv_bytes(visible),
        "at-risk-accounts.csv",
        "text/csv",
        key="ar_csv",
        icon=":material/download:",
    )
    d2.download_button(
        "Download Excel",
        data=lambda: excel_bytes(visible, "at-risk"),
        file_name="at-risk-accounts.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="ar_xlsx",
        on_click="ignore",
        icon=":material/table:",
    )
    return shown


# ------------------------------------------------------------------ the account


def risk_state_form(account_id: str) -> None:
    with transaction() as session:
        saved = risk_states.get_risk_state(session, ws.id, account_id)
    keys = list(STATES)
    if st.session_state.get("ar_form_account") != account_id:
        # Another account was open: start its form from what is saved for this one.
        st.session_state["ar_form_account"] = account_id
        st.session_state.pop("ar_state", None)
        st.session_state.pop("ar_note", None)
    with st.form(f"ar_state_form_{account_id}", border=True):
        st.markdown("**Your call on this account**")
        state = st.radio(
            "Risk state",
            keys,
            index=keys.index(saved.state) if saved else 0,
            format_func=state_label,
            horizontal=True,
            key="ar_state",
        )
        note = st.text_area(
            "Note (the plan, who, by when)",
            value=saved.note if saved else "",
            key="ar_note",
            max_chars=risk_states.MAX_NOTE,
        )
        author = st.text_input("Your name (shown beside the state)", key="ar_author", max_chars=80)
        if st.form_submit_button("Save risk state", type="primary", key="ar_state_save"):
            try:
                with transaction() as session:
                    risk_states.set_risk_state(
                        session, ws.id, account_id, state, note, updated_by=author
                    )
            except RiskStateError as exc:
                st.error(str(exc))
                return
            st.toast(f"Saved: {state_label(state)}")
            st.rerun()
    if saved and saved.updated_at:
        by = f" by {saved.updated_by}" if saved.updated_by else ""
        st.caption(f"Last saved {saved.updated_at:%Y-%m-%d %H:%M} UTC{by}.")


def show_account(account_id: str, listed: pl.DataFrame) -> None:
    segment = listed.filter(pl.col("account_id") == account_id).get_column("segment")
    with transaction() as session:
        targets = milestone_targets(session, ws.id, segment.item() if len(segment) else None)
    detail = _detail(DATA_ID, AS_OF, PLAN_KEY, account_id, tuple(sorted(targets.items())))
    if detail is None:
        st.warning("That account is not in the loaded data any more.")
        return
    p = detail.profile
    st.subheader(inert_markdown(p["account_name"] or account_id, 200))
    row = listed.filter(pl.col("account_id") == account_id)
    r = row.row(0, named=True) if len(row) else {}
    cols = st.columns(5)
    cols[0].metric("Health score", r.get("score", "—"), delta=r.get("score_delta_7d"))
    cols[1].metric("Action", r.get("action") or "—")
    cols[2].metric("Age", f"{p['age_days']} days")
    cols[3].metric("Contract value", money(p["contract_value"]))
    active = int(detail.users.get_column("active").sum())
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
    risk_state_form(account_id)
    tabs = st.tabs(["Score history", "Milestones", "Timeline", "Users", "Sponsor"])
    with tabs[0]:
        if detail.history.is_empty():
            st.info("No score history yet.")
        else:
            b = the_plan.bands
            chart = builders.score_history_chart(detail.history, (b.executive, b.escalate, b.watch))
            show_chart(chart, f"score-history-{account_id}", "ar_hist")
    with tabs[1]:
        st.dataframe(
            detail.milestones,
            hide_index=True,
            column_config={"reached_on": st.column_config.DateColumn("Reached on")},
        )
        st.caption(
            "Target days come from the segment's journey map where it sets one, "
            "otherwise from the measurement plan."
        )
    with tabs[2]:
        show_chart(builders.activity_chart(detail.weekly), f"activity-{account_id}", "ar_act")
        st.dataframe(detail.timeline, hide_index=True, height=320)
    with tabs[3]:
        st.dataframe(detail.users, hide_index=True)
    with tabs[4]:
        st.markdown(detail.sponsor_summary)
        st.dataframe(detail.sponsor, hide_index=True)


# ------------------------------------------------------------------ other tabs


def show_expansion() -> None:
    table = _expansion(DATA_ID, AS_OF, PLAN_KEY)
    if table.is_empty():
        st.info("No live account shows an expansion signal on this date.")
        return
    st.metric(
        "Expansion-ready accounts",
        f"{len(table):,}",
        help="Seats nearly used up, an expansion event, or two or more teams active",
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "contract_value": st.column_config.NumberColumn("Contract value", format="$%,.0f"),
            "seat_share": st.column_config.ProgressColumn(
                "Seats used", min_value=0, max_value=1, format="percent"
            ),
        },
    )
    d1, d2, _ = st.columns([1, 1, 4])
    d1.download_button(
        "Download CSV", csv_bytes(table), "expansion-ready.csv", "text/csv", key="ex_csv"
    )
    d2.download_button(
        "Download Excel",
        data=lambda: excel_bytes(table, "expansion"),
        file_name="expansion-ready.xlsx",
        key="ex_xlsx",
        on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def show_csm_load() -> None:
    load = _csm_load(DATA_ID, AS_OF, PLAN_KEY)
    if load.is_empty():
        st.info("No live account to count.")
        return
    words = {"over": "▲ Over", "within": "✓ Within", "under": "▼ Under"}
    shown = load.with_columns(
        pl.col("status").replace_strict(words, default="– No ratio set").alias("status")
    )
    show_chart(builders.csm_load_chart(load), "csm-load", "csm_load")
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "contract_value": st.column_config.NumberColumn("Contract value", format="$%,.0f"),
        },
    )
    d1, d2, _ = st.columns([1, 1, 4])
    d1.download_button("Download CSV", csv_bytes(shown), "csm-load.csv", "text/csv", key="load_csv")
    d2.download_button(
        "Download Excel",
        data=lambda: excel_bytes(shown, "csm-load"),
        file_name="csm-load.xlsx",
        key="load_xlsx",
        on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# ------------------------------------------------------------------ the page

_ctx, _scores, at_risk = _scored(DATA_ID, AS_OF, PLAN_KEY, the_plan)
st.caption(f"As of {AS_OF} (set the analysis date on the Data page).")
tab_list, tab_expansion, tab_load = st.tabs(
    ["At-risk list", "Expansion-ready", "CSM load"], key="ar_tab", on_change="rerun"
)
if tab_list.open:
    with tab_list:
        shown = show_list(at_risk)
        if not shown.is_empty():
            ids = shown.get_column("account_id").to_list()
            names = dict(zip(ids, shown.get_column("account_name").to_list(), strict=True))
            if st.session_state.get("ar_account") not in ids:
                st.session_state.pop("ar_account", None)
            picked = st.selectbox(
                "Open an account",
                ids,
                index=None,
                format_func=lambda a: f"{a} · {names[a]}",
                key="ar_account",
                placeholder="Choose an account to see its detail and record your call",
            )
            if picked:
                show_account(picked, shown)
if tab_expansion.open:
    with tab_expansion:
        show_expansion()
if tab_load.open:
    with tab_load:
        show_csm_load()
