"""Scorecards: per segment, are customers reaching value fast enough, where do they drop off,
how much revenue is at risk and why. Routing only: each section lives in ui/scorecards/ and
gets the context and view it needs; numbers come from core."""

from __future__ import annotations

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

import streamlit as st

from core.common.text import inert_markdown
from ui.data.empty import stop_without_data_for
from ui.scorecards import compute
from ui.scorecards.ab_comparison import show_ab
from ui.scorecards.attribution import show_attribution
from ui.scorecards.backtest import show_backtest
from ui.scorecards.cards import show_cards
from ui.scorecards.cohorts import show_cohorts
from ui.scorecards.context import scorecards_context
from ui.scorecards.filters import filters_bar, stop_without_matches
from ui.scorecards.funnel import show_funnel
from ui.scorecards.summary import show_summary_downloads
from ui.scorecards.time_to_value import show_ttv

context = scorecards_context()

st.title("Scorecards")
st.caption(
    "One card per segment: every onboarding metric beside its target, with the change since "
    "the same day last month. Status is shown by word and symbol as well as colour."
)

stop_without_data_for(
    context.access,
    context.dataset,
    "There is no customer data in this workspace yet, so there is nothing to score. Load "
    "your tables or the demo data on the Data page.",
)

view = filters_bar(context)
bundle, _ = compute.bundle(view)
st.caption(f"As of {bundle.as_of} · {inert_markdown(view.filters.describe(), 400)}")
stop_without_matches(bundle)

show_cards(bundle, view.filters)
show_ttv(bundle)
what_if_text = show_funnel(view, bundle)

st.subheader("Deeper analyses")
tabs = st.tabs(
    ["Cohorts", "A/B comparison", "Attribution", "Backtest"], key="sc_tab", on_change="rerun"
)
sections = [
    lambda: show_cohorts(view, bundle.ttv_target),
    lambda: show_ab(view),
    lambda: show_attribution(view),
    lambda: show_backtest(view),
]
for tab, section in zip(tabs, sections, strict=True):
    if tab.open:
        with tab:
            section()

show_summary_downloads(view, bundle, what_if_text)
