"""The at-risk list's filters and sort order."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.at_risk.listing import ACTION_WORDS, SIGNAL_WORDS, ListFilters
from core.at_risk.risk_states import STATES, state_label

SORTS = {
    "": "Score (worst first, as the engine ranks)",
    "contract_value": "Contract value",
    "score": "Score",
    "score_delta_7d": "7-day change",
    "age_days": "Age (days)",
    "account_name": "Account name",
    "segment": "Segment",
    "csm": "CSM",
    "risk_state": "Risk state",
}


def list_filters(full: pl.DataFrame) -> ListFilters:
    """Segment, CSM, action, signal and risk-state pickers, offering what the list holds."""
    cols = st.columns(5)
    segments = sorted(full.get_column("segment").drop_nulls().unique().to_list())
    csms = sorted(full.get_column("csm").drop_nulls().unique().to_list())
    states = [state_label(s) for s in STATES]
    fired = full.get_column("signal_codes").str.split(";").explode().drop_nulls().unique()
    journey = sorted(set(fired.to_list()) - set(SIGNAL_WORDS) - {""})
    return ListFilters(
        segments=tuple(
            cols[0].multiselect("Segment", segments, key="ar_f_segment", placeholder="All segments")
        ),
        csms=tuple(cols[1].multiselect("CSM", csms, key="ar_f_csm", placeholder="All CSMs")),
        actions=tuple(
            cols[2].multiselect(
                "Action",
                ["executive", "escalate"],
                format_func=lambda a: ACTION_WORDS[a],
                key="ar_f_action",
                placeholder="Both",
            )
        ),
        signals=tuple(
            cols[3].multiselect(
                "Signal fired",
                [*SIGNAL_WORDS, *journey],
                format_func=lambda s: SIGNAL_WORDS.get(s, s),
                key="ar_f_signal",
                placeholder="Any signal",
            )
        ),
        states=tuple(
            cols[4].multiselect("Risk state", states, key="ar_f_state", placeholder="Any state")
        ),
    )


def sort_order() -> tuple[str | None, bool]:
    """The column to sort by (None: the engine's ranking) and whether largest comes first."""
    left, right = st.columns([3, 1])
    sort = left.selectbox("Sort by", list(SORTS), format_func=lambda k: SORTS[k], key="ar_sort")
    descending = right.toggle(
        "Largest first", value=sort in ("contract_value",), key="ar_sort_desc"
    )
    return sort or None, descending
