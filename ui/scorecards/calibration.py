"""Calibration: penalties fitted to the workspace's own history, the current and the suggested
weighting side by side (out of sample, with 95% intervals), and a button that puts the
suggestion into the score builder, where it can be adjusted, saved as a new version of the
plan, or ignored."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.access.roles import Action
from core.at_risk.listing import SIGNAL_WORDS
from core.engine.calibration import MEASURES, Calibration, Figures
from ui.scorecards.compute import calibration
from ui.scorecards.context import ScorecardsView
from ui.scorecards.score_builder import journey_key, penalty_key
from ui.scorecards.tables import EMPTY

MEASURE_WORDS = {
    "precision": "Precision (flagged accounts that churned)",
    "recall": "Recall (churned accounts that were flagged)",
    "lift": "Lift (flagged vs average churn rate)",
}


def show_calibration(view: ScorecardsView) -> None:
    st.subheader("Calibration from the backtest")
    result = calibration(view)
    if not result.ok:
        st.info(result.reason or "", icon=":material/hourglass_empty:")
        return
    fit, check = result.fit_starts, result.check_starts
    if fit and check:
        st.caption(
            f"Fitted on the accounts that started {fit[0]} to {fit[1]} and checked on those "
            f"that started {check[0]} to {check[1]}, so the figures below are out of sample. "
            f"{result.churned_accounts:,} accounts churned within 90 days of a backtest date."
        )
    st.dataframe(_penalties(result), hide_index=True, key="sb_cal_penalties", placeholder=EMPTY)
    st.dataframe(_figures(result), hide_index=True, key="sb_cal_figures", placeholder=EMPTY)
    if result.suggested == result.current:
        st.success("The current penalties are already the best fit to this history.")
        return
    if not view.context.access.may(Action.EDIT_SETTINGS):
        st.caption("The workspace's owners can try the suggestion in the score builder.")
        return
    st.button(
        "Try the suggestion in the score builder",
        key="sb_use_suggestion",
        on_click=_use_suggestion,
        args=(view, result),
        help=(
            "Sets the penalties below to the suggestion; adjust them, save them as a new "
            "version of the plan, or set them back."
        ),
    )


def _penalties(result: Calibration) -> pl.DataFrame:
    lift = result.signal_lift or {}
    return pl.DataFrame(
        {
            "Signal": [SIGNAL_WORDS.get(name, name) for name in result.current],
            "Penalty now": list(result.current.values()),
            "Suggested penalty": [result.suggested[n] for n in result.current],
            "Churn when fired vs not (earlier cohorts)": [lift.get(n) for n in result.current],
        },
        schema={
            "Signal": pl.String,
            "Penalty now": pl.Int64,
            "Suggested penalty": pl.Int64,
            "Churn when fired vs not (earlier cohorts)": pl.Float64,
        },
    ).with_columns(pl.col(pl.Float64).round(2))


def _cell(figures: Figures, measure: str) -> str:
    value, low, high = figures.values[measure], figures.low[measure], figures.high[measure]
    if value is None:
        return "—"
    if measure == "lift":
        text = f"{value:.2f}×"
        interval = f"{low:.2f}–{high:.2f}" if low is not None and high is not None else ""
    else:
        text = f"{value:.0%}"
        interval = f"{low:.0%}–{high:.0%}" if low is not None and high is not None else ""
    return f"{text} ({interval})" if interval else text


def _figures(result: Calibration) -> pl.DataFrame:
    figures = result.figures or {}
    now, suggested = figures["current"], figures["suggested"]
    return pl.DataFrame(
        {
            "Measure (later cohorts, 95% interval)": [MEASURE_WORDS[m] for m in MEASURES],
            "Penalties now": [_cell(now, m) for m in MEASURES],
            "Suggested penalties": [_cell(suggested, m) for m in MEASURES],
        }
    )


def _use_suggestion(view: ScorecardsView, result: Calibration) -> None:
    """Put the suggested penalties into the builder's inputs (before they are drawn)."""
    for name, points in result.suggested.items():
        if name in SIGNAL_WORDS:
            st.session_state[penalty_key(name)] = points
    for i, signal in enumerate(view.context.plan.signals):
        st.session_state[journey_key(i)] = result.suggested.get(signal.name, signal.penalty)
