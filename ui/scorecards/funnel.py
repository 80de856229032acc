"""The journey funnel: accounts reaching each milestone, the bottleneck, and the table."""

from __future__ import annotations

import streamlit as st

from core.charts import scorecards as charts
from core.common.downloads import csv_bytes
from core.common.text import inert_markdown
from core.engine import bottleneck
from core.scorecards.bundle import ScorecardBundle
from ui.charts import show_chart
from ui.scorecards.context import ScorecardsView
from ui.scorecards.tables import show_table
from ui.scorecards.what_if import show_what_if, what_if_default


def show_funnel(view: ScorecardsView, bundle: ScorecardBundle) -> str | None:
    """The funnel and the what-if; returns the what-if sentence for the summary."""
    st.subheader("Journey funnel")
    funnel = bundle.funnel
    if funnel.is_empty() or funnel.get_column("reached").sum() == 0:
        st.info(
            "No account has reached a milestone yet. Check the milestone events of the "
            "measurement plan on the Data page against the event catalogue."
        )
        return None
    worst = bottleneck(funnel)
    step = int(worst.get_column("step").item()) if len(worst) else None
    if step is not None:
        row = worst.row(0, named=True)
        st.markdown(
            f"◆ **Bottleneck: step {step}, {inert_markdown(row['event'], 200)}**: "
            f"{row['step_conversion']:.0%} of the accounts that reached the step before get "
            f"here; {row['dropoff']:,} stop."
        )
    show_chart(charts.funnel_chart(funnel, step), "journey-funnel", "funnel")
    with st.expander("Funnel table"):
        show_table(funnel, "sc_funnel_table")
        st.download_button(
            "Download the funnel (CSV)",
            csv_bytes(funnel),
            "funnel.csv",
            "text/csv",
            key="sc_funnel_csv",
        )
    return show_what_if(view, funnel, what_if_default(view, funnel))
