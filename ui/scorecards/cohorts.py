"""Cohorts: the headline rates and the time to first value by start month."""

from __future__ import annotations

import streamlit as st

from core.charts import scorecards as charts
from core.common.downloads import csv_bytes
from core.scorecards.bundle import METRICS
from ui.charts import show_chart
from ui.scorecards.compute import cohorts
from ui.scorecards.context import ScorecardsView

RATES = ("fv_on_time_rate", "activation_rate", "completion_rate", "early_retention_90d")


def show_cohorts(view: ScorecardsView, ttv_target: float) -> None:
    table = cohorts(view)
    if table.height <= 1:
        st.info("No cohort yet: no account started on or before the analysis date.")
        return
    rates = {k: METRICS[k][0] for k in RATES}
    show_chart(charts.cohort_chart(table, rates), "cohort-rates", "cohort_rates")
    show_chart(charts.cohort_ttv_chart(table, ttv_target), "cohort-ttv", "cohort_ttv")
    st.caption(
        "Recent cohorts have few accounts old enough to judge: a month's rate is shown only "
        "once at least half of its accounts are old enough for it (due for first value, past "
        "the activation window, past the onboarding target, 90 days old), rather than a few "
        "early starters standing for the whole month."
    )
    st.download_button(
        "Download the cohort table (CSV)",
        csv_bytes(table),
        "cohorts.csv",
        "text/csv",
        key="sc_cohort_csv",
    )
