"""Home: what this workspace holds and what to do next."""

import streamlit as st

from ui.registry import PAGES
from ui.state import current_dataset, current_workspace, overview, plan

ws = current_workspace()
info, dataset = current_dataset(ws.id)

st.title(ws.name)
st.caption(ws.description or "Design, run and measure your customers' onboarding.")

if dataset.is_empty:
    st.info(
        "This workspace has no customer data yet. Open **Data** to upload your accounts, "
        "users, events and touches, or to load the demo data set.",
        icon=":material/upload_file:",
    )
    st.page_link("pages/data.py", label="Go to Data", icon=":material/database:")
    st.stop()

summary, _, _ = overview(info.id)  # type: ignore[union-attr]
segments = plan(ws.id).segments
as_of = ws.as_of or summary.last_event

cols = st.columns(4)
cols[0].metric("Accounts", f"{summary.row_counts['accounts']:,}")
cols[1].metric("Users", f"{summary.row_counts['users']:,}")
cols[2].metric("Events", f"{summary.row_counts['events']:,}")
cols[3].metric("Touches", f"{summary.row_counts['touches']:,}")

st.markdown(
    f"Onboarding starts from **{summary.first_start}** to **{summary.last_start}**; events "
    f"from **{summary.first_event}** to **{summary.last_event}**. Numbers are computed as of "
    f"**{as_of}**{' (pinned on the Data page)' if ws.as_of else ' (the latest event)'}. "
    f"{len(segments)} segments are defined: {', '.join(segments)}."
)

st.subheader("Where to go")
cards = [p for p in PAGES if p.path != "pages/home.py"]
columns = st.columns(min(3, len(cards)))
for number, entry in enumerate(cards):
    with columns[number % len(columns)].container(border=True):
        st.markdown(f"**{entry.title}**")
        st.write(entry.summary)
        st.page_link(entry.path, label=f"Open {entry.title}", icon=entry.icon)
if info is not None:
    st.caption(f"Data loaded {info.created_at:%Y-%m-%d %H:%M} UTC from: {info.source}")
