"""Backtest: how well the health score flagged the accounts that went on to churn."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.at_risk.listing import SIGNAL_WORDS
from core.charts import scorecards as charts
from ui.charts import show_chart
from ui.scorecards.calibration import show_calibration
from ui.scorecards.compute import backtest_result
from ui.scorecards.context import ScorecardsView
from ui.scorecards.score_builder import show_score_builder
from ui.scorecards.tables import show_table


def show_backtest(view: ScorecardsView) -> None:
    """The backtest, then the calibration it allows and the score builder to try it in."""
    _backtest(view)
    show_calibration(view)
    show_score_builder(view)


def _backtest(view: ScorecardsView) -> None:
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
    show_table(result.by_segment, "sc_bt_segments")
    signals = result.signals.with_columns(
        pl.col("signal").replace_strict(SIGNAL_WORDS, default=pl.col("signal"))
    )
    show_table(signals, "sc_bt_signals")
    st.caption(
        "Per signal: how often accounts churned within 90 days when it fired against when it "
        "did not; journey-map signals are judged on the accounts of the segments they are "
        "defined for."
    )
