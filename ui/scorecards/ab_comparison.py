"""A/B comparison of journey variants: each variant's rates against the baseline."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.charts import scorecards as charts
from core.common.downloads import csv_bytes
from ui.charts import show_chart
from ui.scorecards.compute import ab_comparison
from ui.scorecards.context import ScorecardsView
from ui.scorecards.tables import p_value_text, show_table

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
    shown = ab.select(*SHOWN).with_columns(
        pl.col("metric").replace_strict(LABELS, default=pl.col("metric")), p_value_text()
    )
    show_table(shown, "sc_ab_table")
    st.caption(
        "The baseline's own row has no difference or p-value (—). A p-value under 0.05 means "
        "a difference this large would rarely come from chance alone."
    )
    st.download_button(
        "Download (CSV)", csv_bytes(ab), "ab-comparison.csv", "text/csv", key="sc_ab_csv"
    )
