"""Backtest: how well the health score flagged the accounts that went on to churn."""

from __future__ import annotations

import streamlit as st

from core.charts import scorecards as charts
from ui.charts import show_chart
from ui.scorecards.compute import backtest_result
from ui.scorecards.context import ScorecardsView

PERCENT = ("precision", "recall", "base_rate", "fired_churn_rate", "not_fired_churn_rate")


def show_backtest(view: ScorecardsView) -> None:
    result = backtest_result(view)
    if not result.dates:
        st.info("The backtest needs at least 90 days of history before the analysis date.")
        return
    st.markdown(
        "Every 30 days back from 90 days before the analysis date, the accounts the score "
        "flagged (escalate or executive) are compared with those that churned in the next "
        "90 days. Lift = how much likelier a flagged account churned than an average one."
    )
    show_chart(charts.backtest_chart(result.by_date), "backtest", "backtest")
    pct = {c: st.column_config.NumberColumn(format="percent") for c in PERCENT}
    st.dataframe(result.by_segment, hide_index=True, column_config=pct)
    st.dataframe(result.signals, hide_index=True, column_config=pct)
