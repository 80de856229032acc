"""One journey action from a widget: run it in one transaction, then say how it went."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy.orm import Session

from core.common.errors import UserError
from ui.clearing import empty_next_run
from ui.feedback import show_error, user_errors
from ui.state import transaction

Action = Callable[[Session], object]
FLASH_KEY = "journey_flash"


def run(action: Action, done: str = "Done", *, clear: tuple[str, ...] = ()) -> None:
    """From a button: toast and rerun when it worked, show why when it was refused. The
    widgets named in `clear` are emptied only once the action is stored, so a refused save
    keeps what was typed."""
    with user_errors():
        with transaction() as s:
            action(s)
        empty_next_run(*clear)
        st.toast(done)
        st.rerun()


def control(action: Action, done: str) -> None:
    """From a widget callback, which runs before the page draws: a refusal is kept and shown
    by `flash` on the run that follows."""
    attempt(action, done, FLASH_KEY)


def attempt(action: Action, done: str, refused_key: str) -> bool:
    """`control` for a form's button callback: the refusal is kept under the form's own
    `refused_key` (shown under it by `flash(refused_key)`). True when it was stored."""
    try:
        with transaction() as s:
            action(s)
    except UserError as exc:
        st.session_state[refused_key] = str(exc)
        return False
    st.toast(done)
    return True


def flash(refused_key: str = FLASH_KEY) -> None:
    """Show the refusal a callback kept for this run, once (a form shows its own under it)."""
    message = st.session_state.pop(refused_key, None)
    if message:
        show_error(UserError(message))
