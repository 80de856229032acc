"""The CSM's call on one account (risk state, note, their name), saved to the database.

Owners and editors get the form; viewers read the saved call and get no form (core refuses
them anyway). The call is saved under the signed-in person's name; only in local mode (no
sign-in, one person at the machine) does the form ask for a name.

The form remembers the version of the call it was opened at and sends it with the save, so a
colleague's call saved meanwhile is never overwritten unseen: the save is refused, both calls
are shown, and the CSM chooses to load theirs or to save their own over it.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.access.identity import LOCAL_KEY, Access
from core.access.roles import Action
from core.at_risk import risk_states
from core.at_risk.risk_states import STATES, RiskStateConflict, RiskStateInfo, state_label
from core.common.errors import UserError
from core.common.text import inert_markdown
from ui.at_risk.context import AtRiskContext
from ui.feedback import show_error
from ui.state import transaction

BASE_KEY = "ar_form_base"  # the version of the call the form was opened at (None: no call)
CONFLICT_KEY = "ar_conflict"  # {"account", "state", "note"}: this CSM's refused values


def _open_form(account_id: str, saved: RiskStateInfo | None) -> None:
    """Start the form from what is saved: when another account was open, or when Streamlit
    dropped the widgets' values (they are then drawn from the saved call again)."""
    if st.session_state.get("ar_form_account") == account_id and "ar_state" in st.session_state:
        return
    st.session_state["ar_form_account"] = account_id
    st.session_state.pop("ar_state", None)
    st.session_state.pop("ar_note", None)
    st.session_state.pop(CONFLICT_KEY, None)
    st.session_state[BASE_KEY] = saved.version if saved else None


def _show_saved(saved: RiskStateInfo | None) -> None:
    """The call as saved, for someone who may not change it."""
    with st.container(border=True, key="ar_state_read"):
        st.markdown("**The team's call on this account**")
        if saved is None:
            st.markdown(f"{state_label(risk_states.DEFAULT_STATE)} (no call saved yet)")
            return
        st.markdown(inert_markdown(saved.label))
        if saved.note:
            st.markdown(inert_markdown(saved.note, risk_states.MAX_NOTE))


def _asks_name(access: Access) -> bool:
    """Local mode: nobody is signed in, so the CSM types the name saved with the call."""
    return access.person == LOCAL_KEY


def risk_state_form(context: AtRiskContext, account_id: str) -> None:
    access = context.access
    workspace_id = access.workspace_id
    with transaction() as session:
        saved = risk_states.get_risk_state(session, workspace_id, account_id)
    if not access.may(Action.EDIT_RISK):
        _show_saved(saved)
        _last_saved(saved)
        st.caption("Owners and editors set the risk state; you can read it.")
        return
    keys = list(STATES)
    _open_form(account_id, saved)
    with st.form(f"ar_state_form_{account_id}", border=True):
        st.markdown("**Your call on this account**")
        state = st.radio(
            "Risk state",
            keys,
            index=keys.index(saved.state) if saved else 0,
            format_func=state_label,
            horizontal=True,
            key="ar_state",
        )
        note = st.text_area(
            "Note (the plan, who, by when)",
            value=saved.note if saved else "",
            key="ar_note",
            max_chars=risk_states.MAX_NOTE,
        )
        if _asks_name(access):
            author = st.text_input(
                "Your name (shown beside the state)", key="ar_author", max_chars=80
            )
        else:
            author = ""
            st.caption(f"Saved as {inert_markdown(access.actor, 80)}.")
        if st.form_submit_button("Save risk state", type="primary", key="ar_state_save"):
            _save(workspace_id, account_id, state, note, author, st.session_state[BASE_KEY])
    _conflict_choices(workspace_id, account_id, saved, author)
    _last_saved(saved)


def _last_saved(saved: RiskStateInfo | None) -> None:
    if saved and saved.updated_at:
        by = f" by {inert_markdown(saved.updated_by)}" if saved.updated_by else ""
        st.caption(f"Last saved {saved.updated_at:%Y-%m-%d %H:%M} UTC{by}.")


def _save(
    workspace_id: int, account_id: str, state: str, note: str, author: str, base: int | None
) -> None:
    try:
        with transaction() as session:
            stored = risk_states.set_risk_state(
                session, workspace_id, account_id, state, note, updated_by=author, base_version=base
            )
    except RiskStateConflict as exc:
        st.session_state[CONFLICT_KEY] = {"account": account_id, "state": state, "note": note}
        _show_conflict(exc)
        return
    except UserError as exc:
        show_error(exc)
        return
    st.session_state[BASE_KEY] = stored.version
    st.session_state.pop(CONFLICT_KEY, None)
    st.toast(f"Saved: {state_label(state)}")
    st.rerun()


def _show_conflict(exc: RiskStateConflict) -> None:
    show_error(exc)
    rows = exc.differences()
    if rows:
        columns = ["Field", "Yours", "Saved by the other person"]
        table = pl.DataFrame(rows, schema=columns, orient="row")
        st.dataframe(table, hide_index=True, key="ar_conflict_table")


def _conflict_choices(
    workspace_id: int, account_id: str, saved: RiskStateInfo | None, author: str
) -> None:
    """After a refused save: load the call stored now, or save this CSM's own over it."""
    mine = st.session_state.get(CONFLICT_KEY)
    if not mine or mine["account"] != account_id:
        return
    c1, c2 = st.columns(2)
    if c1.button("Show their version", key="ar_conflict_reload"):
        st.session_state.pop("ar_form_account", None)  # the form starts again from what is saved
        st.rerun()
    if c2.button("Save mine over theirs", key="ar_conflict_overwrite"):
        base = saved.version if saved else None
        _save(workspace_id, account_id, mine["state"], mine["note"], author, base)
