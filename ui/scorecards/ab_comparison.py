"""A/B comparison of journey variants: each variant's rates against the baseline."""

from __future__ import annotations

import streamlit as st

from core.charts import scorecards as charts
from core.common.downloads import csv_bytes
from ui.charts import show_chart
from ui.scorecards.compute import ab_comparison
from ui.scorecards.context import ScorecardsView

LABELS = {"activation_rate": "Activation rate", "fv_on_time_rate": "First value on time"}
SHOWN = (
    "metric",
    "variant",
    "n",
    "rate",
    "ci_low",
    "ci_high",
    "baseline",
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "p_value",
    "warning",
)
PERCENT = ("rate", "ci_low", "ci_high", "difference", "difference_ci_low", "difference_ci_high")


def show_ab(view: ScorecardsView) -> None:
    ab = ab_comparison(view)
    if ab.is_empty():
        st.info(
            "No journey variant in the data. Add a journey_variant column to the accounts "
            "(e.g. assisted / self-serve) to compare onboarding flows."
        )
        return
    show_chart(charts.ab_chart(ab, LABELS), "ab-comparison", "ab")
    st.caption(
        "Dots: each variant's rate; lines: its 95% interval (Wilson). Each variant is compared "
        "with the baseline (the first by name): difference with its 95% interval and p-value."
    )
    st.dataframe(
        ab.select(*SHOWN),
        hide_index=True,
        column_config={c: st.column_config.NumberColumn(format="percent") for c in PERCENT},
    )
    st.download_button(
        "Download (CSV)", csv_bytes(ab), "ab-comparison.csv", "text/csv", key="sc_ab_csv"
    )
