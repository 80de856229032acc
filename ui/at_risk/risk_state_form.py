"""The CSM's call on one account (risk state, note, their name), saved to the database."""

from __future__ import annotations

import streamlit as st

from core.at_risk import risk_states
from core.at_risk.risk_states import STATES, state_label
from core.common.errors import UserError
from ui.at_risk.context import AtRiskContext
from ui.feedback import show_error
from ui.state import transaction


def risk_state_form(context: AtRiskContext, account_id: str) -> None:
    workspace_id = context.access.workspace_id
    with transaction() as session:
        saved = risk_states.get_risk_state(session, workspace_id, account_id)
    keys = list(STATES)
    if st.session_state.get("ar_form_account") != account_id:
        # Another account was open: start its form from what is saved for this one.
        st.session_state["ar_form_account"] = account_id
        st.session_state.pop("ar_state", None)
        st.session_state.pop("ar_note", None)
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
        author = st.text_input("Your name (shown beside the state)", key="ar_author", max_chars=80)
        if st.form_submit_button("Save risk state", type="primary", key="ar_state_save"):
            try:
                with transaction() as session:
                    risk_states.set_risk_state(
                        session, workspace_id, account_id, state, note, updated_by=author
                    )
            except UserError as exc:
                show_error(exc)
                return
            st.toast(f"Saved: {state_label(state)}")
            st.rerun()
    if saved and saved.updated_at:
        by = f" by {saved.updated_by}" if saved.updated_by else ""
        st.caption(f"Last saved {saved.updated_at:%Y-%m-%d %H:%M} UTC{by}.")
