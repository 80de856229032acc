"""What every page shows when the database does not answer: one message, no traceback.

`core.db.engine.DatabaseUnavailable` already says what happened, that nothing was saved and
what to do, without host, port or database name. Streamlit forgets the value of a widget that
a run does not draw, so before stopping the page this keeps what the person had typed (as
plain session values, which the widgets pick up again once the database is back).
"""

from __future__ import annotations

from datetime import date

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.db.engine import DatabaseUnavailable
from ui.feedback import show_error


def _keep_typed_values() -> None:
    """Text, numbers, dates and choices become plain session values; buttons and toggles
    (booleans) are left to Streamlit, which refuses values assigned to buttons."""
    for key in list(st.session_state.keys()):
        value = st.session_state[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float | date | list):
            continue
        try:
            st.session_state[key] = value
        except StreamlitAPIException:  # a widget already drawn in this run
            continue


def show_outage(exc: DatabaseUnavailable) -> None:
    _keep_typed_values()
    st.title("Waypoint")
    show_error(exc)
    st.caption("What you typed on this page is kept; it was not saved.")
    if st.button("Try again", key="outage_retry", icon=":material/refresh:"):
        st.rerun()
