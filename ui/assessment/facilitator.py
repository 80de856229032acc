"""The facilitator's view: open a round, share its link, watch who has answered (never what),
reveal, close or reopen it, read the results, and browse the matrix."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import assessment as A
from core.access.identity import Access
from core.common.text import inert_markdown
from ui.assessment.report import show_results
from ui.assessment.rounds import (
    choose_round,
    forget_round,
    levels_markdown,
    pick_round,
    state_line,
)
from ui.assessment.viewer import ROUND_PARAM
from ui.feedback import user_errors
from ui.state import transaction

ACTIONS = {"reveal": A.reveal_round, "close": A.close_round, "reopen": A.reopen_round}


def _share_link(info: A.RoundInfo) -> str:
    base = st.context.url or "/assessment"
    return f"{base.split('?')[0]}?{ROUND_PARAM}={info.token}"


def _new_round(access: Access, *, first: bool) -> None:
    with st.expander("Open a new round", expanded=first, icon=":material/add:"):
        with st.form("assess_new_round", border=False):
            name = st.text_input("Round name", placeholder="e.g. 2026 Q3", key="assess_round_name")
            if st.form_submit_button("Open round", type="primary", key="assess_open"):
                with user_errors():
                    with transaction() as session:
                        created = A.open_round(session, access.workspace_id, name)
                    choose_round(created.id)
                    st.session_state.pop("assess_round_name", None)  # cleared once stored
                    st.toast(f"Round {inert_markdown(created.name)} is open: share its link.")
                    st.rerun()


@st.dialog("Delete round")
def _confirm_delete(info: A.RoundInfo) -> None:
    st.write("Delete this round and every answer in it? This cannot be undone.")
    st.text(info.name)
    left, right = st.columns(2)
    if left.button("Cancel", key="assess_delete_cancel", width="stretch"):
        st.rerun()
    if right.button("Delete", type="primary", key="assess_delete_confirm", width="stretch"):
        with user_errors():
            with transaction() as session:
                A.delete_round(session, info.id)
            forget_round()
            st.toast("Round deleted")
            st.rerun()


def _act(action: str, info: A.RoundInfo) -> None:
    with user_errors():
        with transaction() as session:
            done = ACTIONS[action](session, info.id)
        st.toast(f"Round {inert_markdown(done.name)} is now {done.state}.")
        st.rerun()


def _controls(info: A.RoundInfo) -> None:
    cols = st.columns(4)
    if cols[0].button(
        "Reveal results",
        key="assess_reveal",
        type="primary",
        disabled=info.revealed,
        icon=":material/visibility:",
        width="stretch",
    ):
        _act("reveal", info)
    if info.is_open:
        if cols[1].button(
            "Close round", key="assess_close", icon=":material/lock:", width="stretch"
        ):
            _act("close", info)
    elif cols[1].button(
        "Reopen round", key="assess_reopen", icon=":material/lock_open:", width="stretch"
    ):
        _act("reopen", info)
    if cols[2].button("Refresh", key="assess_refresh", icon=":material/refresh:", width="stretch"):
        st.rerun()
    if cols[3].button(
        "Delete round", key="assess_delete", icon=":material/delete:", width="stretch"
    ):
        _confirm_delete(info)


def _progress_table(people: list[A.Progress]) -> pl.DataFrame:
    """Who has joined and how far they are; never their levels."""
    total = len(A.CAPABILITIES)
    return pl.DataFrame(
        {
            "Respondent": [p.name for p in people],
            "Role": [p.role for p in people],
            "Answered": [f"{p.answered} of {total}" for p in people],
            "Status": ["✓ complete" if p.answered == total else "… in progress" for p in people],
            "Last saved (UTC)": [
                "" if p.last_saved is None else f"{p.last_saved:%Y-%m-%d %H:%M}" for p in people
            ],
        }
    )


def _progress(info: A.RoundInfo) -> None:
    with transaction() as session:
        people = A.progress(session, info.id)
    st.markdown("**Share this link** with each respondent (it opens the answer form):")
    st.code(_share_link(info), language=None)
    if not people:
        st.info("Nobody has joined yet. Send the link above.", icon=":material/group_add:")
        return
    done = sum(1 for p in people if p.answered == len(A.CAPABILITIES))
    st.caption(f"{len(people)} joined · {done} answered every capability · levels stay hidden.")
    st.dataframe(_progress_table(people), hide_index=True, width="stretch", key="assess_progress")


def _matrix() -> None:
    st.caption(
        "The six capabilities, who owns each, the KPI that shows it working, and what you "
        "would see in the team at each level."
    )
    for cap in A.CAPABILITIES:
        with st.expander(f"{cap.name} · owner: {cap.owner} · KPI: {cap.kpi_label}"):
            st.caption(f"From “{cap.from_state}” to “{cap.to_state}”.")
            st.markdown(levels_markdown(cap))


def show_facilitator(access: Access) -> None:
    with transaction() as session:
        rounds = A.list_rounds(session, access.workspace_id)
    _new_round(access, first=not rounds)
    if not rounds:
        st.info(
            "No assessment round yet. Open one above (e.g. “2026 Q3”), share its link with "
            "the team, and reveal the results when everyone has answered.",
            icon=":material/info:",
        )
        _matrix()
        return
    info = pick_round(rounds)
    st.caption(state_line(info))
    answers, results, matrix = st.tabs(["Answers", "Results", "Matrix"])
    with answers:
        _controls(info)
        _progress(info)
    with results:
        show_results(info)
    with matrix:
        _matrix()
