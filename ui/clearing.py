"""Emptying a text box once what was typed in it is stored.

Popping a widget's key from `st.session_state` does not empty its box: the browser still
holds the text and sends it back with the next run, so the box keeps showing it (seen with
Streamlit 1.67, in forms and out). A value set under the key before the widget is drawn does
reach the browser. So an action that stored what was typed asks for its boxes to be emptied
on the next run, and the page empties each one just before drawing it; an action that was
refused asks nothing, and the person keeps what they typed.
"""

from __future__ import annotations

import streamlit as st

_PENDING = "_wp_empty_next_run"


def empty_next_run(*keys: str) -> None:
    """Ask for these text boxes to be empty when they are next drawn."""
    pending = set(st.session_state.get(_PENDING, ()))
    st.session_state[_PENDING] = pending | set(keys)


def empty_if_asked(key: str) -> None:
    """Call right before drawing the text box `key`: empties it if a stored action asked."""
    pending = st.session_state.get(_PENDING)
    if pending and key in pending:
        st.session_state[_PENDING] = set(pending) - {key}
        st.session_state[key] = ""
