"""How every page tells a person what went wrong: one way for every `UserError`.

Use cases raise `core.common.errors.UserError` with a sentence a person can act on; pages run
an action inside `user_errors()` (or call `show_error`) and never show anything else. The
message is user text in part (names, values from a file), so it is made inert first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from core.common.errors import UserError
from core.common.text import inert_markdown


def show_error(exc: UserError) -> None:
    st.error(inert_markdown(exc, 2000), icon=":material/error:")


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a UserError raised in the block as an error box; anything else propagates."""
    try:
        yield
    except UserError as exc:
        show_error(exc)


def confirmed(state_key: str, key: str, action: str) -> bool:
    """The two buttons of a confirmation dialog: Cancel forgets the pending action
    (`state_key`) and closes; the primary `action` button returns True for the caller to do
    it. Buttons are keyed `<key>_cancel` and `<key>_confirm`."""
    left, right = st.columns(2)
    if left.button("Cancel", key=f"{key}_cancel", width="stretch"):
        st.session_state.pop(state_key, None)
        st.rerun()
    return right.button(action, type="primary", key=f"{key}_confirm", width="stretch")
