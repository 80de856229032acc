"""The filters bar: analysis date, segment, CSMs and start-date range for every section."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from core.scorecards.bundle import Filters, ScorecardBundle
from ui.scorecards.compute import filter_options
from ui.scorecards.context import ScorecardsContext, ScorecardsView
from ui.state import workspace_as_of


def filters_bar(context: ScorecardsContext) -> ScorecardsView:
    csms, lo, hi = filter_options(context)
    segments = list(context.plan.segments)
    cols = st.columns([1, 1, 2, 2])
    as_of = cols[0].date_input(
        "Analysis date",
        value=workspace_as_of(context.workspace, context.info, context.dataset),
        key="sc_as_of",
        help="Pin it for every page on the Data page; here it only changes this view.",
    )
    segment = cols[1].selectbox(
        "Segment", ["All segments", *segments], key="sc_segment", format_func=str
    )
    chosen_csms = cols[2].multiselect(
        "CSM", csms, key="sc_csm", placeholder="All CSMs", format_func=str
    )
    period = cols[3].date_input(
        "Onboarding started between",
        value=[lo, hi] if lo and hi else [],
        key="sc_started",
        min_value=lo,
        max_value=hi,
    )
    start_from, start_to = _range(period)
    filters = Filters(
        segment=None if segment == "All segments" else segment,
        csms=tuple(chosen_csms),
        start_from=start_from if start_from != lo else None,
        start_to=start_to if start_to != hi else None,
    )
    return ScorecardsView(context, as_of, filters)


def _range(period: object) -> tuple[date | None, date | None]:
    """Both ends of the chosen range; while a person is still picking, only the first."""
    if not isinstance(period, tuple):
        return None, None
    start_from, start_to = (period + (None, None))[:2]
    return start_from, start_to


def stop_without_matches(bundle: ScorecardBundle) -> None:
    """Filters that leave no account: say how to widen them, then stop the page."""
    accounts = bundle.cards.filter(pl.col("metric") == "accounts").get_column("value").max()
    if accounts in (None, 0):
        st.warning(
            "No account matches these filters on this date. Widen the start-date range, clear "
            "the CSM filter or pick a later analysis date."
        )
        st.stop()
