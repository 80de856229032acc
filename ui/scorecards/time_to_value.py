"""Time to first value: the histogram of days and the Kaplan-Meier curve, target marked."""

from __future__ import annotations

import streamlit as st

from core.charts import scorecards as charts
from core.engine.km import median_of_curve
from core.scorecards.bundle import ScorecardBundle, format_value
from ui.charts import show_chart


def show_ttv(bundle: ScorecardBundle) -> None:
    st.subheader("Time to first value")
    if bundle.km.is_empty():
        st.info("No account has started by the analysis date.")
        return
    median = median_of_curve(bundle.km)
    st.markdown(
        f"Target: **{bundle.ttv_target:.0f} days**. Kaplan-Meier median (counting accounts "
        f"still waiting): **{format_value(median, 'days')}**. "
        f"{int(bundle.ttv_hist.get_column('accounts').sum()):,} accounts reached first value."
    )
    left, right = st.columns(2)
    with left:
        show_chart(charts.ttv_histogram(bundle.ttv_hist, bundle.ttv_target), "ttv-histogram", "ttv")
    with right:
        show_chart(charts.km_chart(bundle.km, bundle.ttv_target), "ttv-kaplan-meier", "km")
