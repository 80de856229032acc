"""Home: what this workspace holds and what to do next."""

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

import streamlit as st

from core.common.text import inert_markdown
from ui.data.empty import stop_without_data_for
from ui.registry import pages_for
from ui.state import (
    current_dataset,
    current_workspace,
    data_key,
    headline,
    overview,
    plan,
    plan_key,
    run_access,
    workspace_as_of,
)

ws = current_workspace()
access = run_access()
info, dataset = current_dataset(ws.id)

st.title(inert_markdown(ws.name))
st.caption(inert_markdown(ws.description or "Design, run and measure your customers' onboarding."))

stop_without_data_for(
    access,
    dataset,
    "This workspace has no customer data yet. Open **Data** to upload your accounts, "
    "users, events and touches, or to load the demo data set.",
)

summary, _, _ = overview(data_key(info))  # type: ignore[union-attr]
the_plan = plan(ws.id)
segments = the_plan.segments
as_of = workspace_as_of(ws, info, dataset)

top = headline(data_key(info), as_of, plan_key(the_plan), the_plan)  # type: ignore[union-attr]
st.subheader("Onboarding right now, all segments")
kpis = st.columns(4)
kpis[0].metric(
    "Accounts at risk",
    f"{top['at_risk_accounts']:,}",
    help=f"Health score below {the_plan.bands.escalate}, onboarding for "
    f"{the_plan.min_age_days} days or more.",
)
kpis[1].metric("Contract value at risk", f"${top['at_risk_value'] or 0:,.0f}")
ttv = top["ttv_median_days"]
kpis[2].metric("Time to first value (median)", "–" if ttv is None else f"{ttv:.0f} days")
rate = top["activation_rate"]
kpis[3].metric("Activation rate", "–" if rate is None else f"{rate:.0%}")
links = st.columns(4)
links[0].page_link("pages/at_risk.py", label="See who and why", icon=":material/warning:")
links[2].page_link("pages/scorecards.py", label="Scorecards", icon=":material/monitoring:")

st.subheader("What this workspace holds")
cols = st.columns(4)
cols[0].metric("Accounts", f"{summary.row_counts['accounts']:,}")
cols[1].metric("Users", f"{summary.row_counts['users']:,}")
cols[2].metric("Events", f"{summary.row_counts['events']:,}")
cols[3].metric("Touches", f"{summary.row_counts['touches']:,}")

st.markdown(
    f"Onboarding starts from **{summary.first_start}** to **{summary.last_start}**; events "
    f"from **{summary.first_event}** to **{summary.last_event}**. Numbers are computed as of "
    f"**{as_of}**{' (pinned on the Data page)' if ws.as_of else ' (the latest event)'}. "
    f"{len(segments)} segments are defined: {', '.join(inert_markdown(s) for s in segments)}."
)


st.subheader("Where to go")
cards = [p for p in pages_for(access.role) if p.path != "pages/home.py"]
columns = st.columns(min(3, len(cards)))
for number, entry in enumerate(cards):
    with columns[number % len(columns)].container(border=True):
        st.markdown(f"**{entry.title}**")
        st.write(entry.summary)
        st.page_link(entry.path, label=f"Open {entry.title}", icon=entry.icon)
if info is not None:
    st.caption(
        f"Data loaded {info.created_at:%Y-%m-%d %H:%M} UTC from: {inert_markdown(info.source)}"
    )
