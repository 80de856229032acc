"""The members' view. Owners and editors (Action.EDIT_ASSESSMENTS) open a round, create and
revoke its respondent links, watch who has answered (never what), reveal, close, reopen or
delete it; viewers see the rounds, who has answered and the results, with no controls.
Everyone reads the results and browses the matrix.

A respondent link's address is shown once, from its creation until "hide": Waypoint keeps
only its hash and cannot show it again (a lost link is revoked and a new one made).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import assessment as A
from core.access import links
from core.access.identity import Access
from core.access.links import DEFAULT_DAYS, MAX_DAYS, LinkInfo
from core.access.roles import Action
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
from ui.clearing import empty_if_asked, empty_next_run
from ui.feedback import confirmed, user_errors
from ui.share_links import guest_address, new_link_box
from ui.state import transaction

ACTIONS = {"reveal": A.reveal_round, "close": A.close_round, "reopen": A.reopen_round}
NEW_LINK_KEY = "assess_new_link"  # (round id, address, expiry) of the link just made
REVOKING_KEY = "assess_revoking"  # the link whose Revoke was clicked, until confirmed or not
DELETING_KEY = "assess_deleting"  # the round whose Delete was clicked, until confirmed or not


def _new_round(access: Access, *, first: bool) -> None:
    with st.expander("Open a new round", expanded=first, icon=":material/add:"):
        empty_if_asked("assess_round_name")
        with st.form("assess_new_round", border=False):
            name = st.text_input("Round name", placeholder="e.g. 2026 Q3", key="assess_round_name")
            if st.form_submit_button("Open round", type="primary", key="assess_open"):
                with user_errors():
                    with transaction() as session:
                        created = A.open_round(session, access.workspace_id, name)
                    choose_round(created.id)
                    empty_next_run("assess_round_name")  # cleared once stored
                    st.toast(
                        f"Round {inert_markdown(created.name)} is open: create a respondent "
                        "link to share it."
                    )
                    st.rerun()


@st.dialog("Delete round", on_dismiss=lambda: st.session_state.pop(DELETING_KEY, None))
def _confirm_delete(info: A.RoundInfo) -> None:
    st.write(
        "Delete this round, every answer in it and its respondent links? This cannot be undone."
    )
    st.text(info.name)
    if confirmed(DELETING_KEY, "assess_delete", "Delete"):
        st.session_state.pop(DELETING_KEY, None)
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
        st.session_state[DELETING_KEY] = info.id
    if st.session_state.get(DELETING_KEY) == info.id:
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


def _create_link(info: A.RoundInfo) -> None:
    """The form that makes a respondent link (its address is then shown by _just_made)."""
    with st.form("assess_link_form"):
        left, right = st.columns([1, 2])
        days = left.number_input(
            "Valid for (days)",
            min_value=1,
            max_value=MAX_DAYS,
            value=DEFAULT_DAYS,
            step=1,
            key="assess_link_days",
        )
        empty_if_asked("assess_link_label")
        label = right.text_input(
            "Label (optional)", placeholder="e.g. CS leads", max_chars=80, key="assess_link_label"
        )
        submitted = st.form_submit_button(
            "Create a respondent link",
            type="primary",
            key="assess_link_create",
            icon=":material/add_link:",
            disabled=not info.is_open,
        )
    if not submitted:
        return
    with user_errors():
        with transaction() as session:
            made = links.create_link(
                session,
                info.workspace_id,
                "respondent",
                round_id=info.id,
                days=int(days),
                label=label,
            )
        st.session_state[NEW_LINK_KEY] = (
            info.id,
            guest_address("assessment", ROUND_PARAM, made.token),
            made.info.expires_at,
        )
        empty_next_run("assess_link_label")  # cleared once stored
        st.toast("Link created: copy it now")
        st.rerun()


def _just_made(info: A.RoundInfo) -> None:
    made = st.session_state.get(NEW_LINK_KEY)
    if not made or made[0] != info.id:
        return
    _, url, expires = made
    new_link_box(
        kind="respondent",
        address=url,
        words=(
            "Send it to the respondents: each person who opens it joins with their name; it "
            f"works until {expires:%d %b %Y} unless revoked."
        ),
        hide_key="assess_new_link_hide",
        state_key=NEW_LINK_KEY,
    )


@st.dialog("Revoke link", on_dismiss=lambda: st.session_state.pop(REVOKING_KEY, None))
def _confirm_revoke(link: LinkInfo) -> None:
    st.write(
        "Revoke this respondent link? Nobody can join through it any more, and respondents "
        "who joined through it can no longer open the round. Their answers stay."
    )
    st.text(_link_words(link))
    if confirmed(REVOKING_KEY, "assess_revoke", "Revoke"):
        st.session_state.pop(REVOKING_KEY, None)
        with user_errors():
            with transaction() as session:
                links.revoke_link(session, link.workspace_id, link.id)
            st.toast("Link revoked")
            st.rerun()


def _link_words(link: LinkInfo) -> str:
    label = f"{link.label} · " if link.label else ""
    return (
        f"{label}made by {link.created_by or 'someone'} on {link.created_at:%d %b %Y} · "
        f"valid until {link.expires_at:%d %b %Y}"
    )


def _links(info: A.RoundInfo) -> None:
    """Create respondent links, and the live ones with a Revoke button each."""
    st.markdown("**Respondent links**: each opens this round's answer form and nothing else.")
    if not info.is_open:
        st.caption("The round is closed: reopen it to let new respondents join.")
    _create_link(info)
    _just_made(info)
    with transaction() as session:
        live = links.live_links(session, info.workspace_id, round_id=info.id)
    if not live:
        st.caption("No live link: create one above to invite respondents.")
        return
    for link in live:
        text, button = st.columns([4, 1], vertical_alignment="center")
        text.text(_link_words(link))
        if button.button(
            "Revoke…", key=f"assess_revoke_{link.id}", icon=":material/link_off:", width="stretch"
        ):
            st.session_state[REVOKING_KEY] = link.id
    revoking = st.session_state.get(REVOKING_KEY)
    chosen = next((link for link in live if link.id == revoking), None)
    if chosen is not None:
        _confirm_revoke(chosen)
    elif revoking is not None:
        st.session_state.pop(REVOKING_KEY, None)


def _progress(info: A.RoundInfo, *, runs: bool) -> None:
    with transaction() as session:
        people = A.progress(session, info.id)
    if not people:
        hint = " Create a respondent link above and send it." if runs else ""
        st.info(f"Nobody has joined yet.{hint}", icon=":material/group_add:")
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


def _empty(*, runs: bool) -> None:
    if runs:
        text = (
            "No assessment round yet. Open one above (e.g. “2026 Q3”), create a respondent "
            "link for the team, and reveal the results when everyone has answered."
        )
    else:
        text = "No assessment round yet. The workspace's owners and editors open rounds."
    st.info(text, icon=":material/info:")


def show_facilitator(access: Access) -> None:
    """The rounds of the member's workspace; controls only for those who may run rounds."""
    runs = access.may(Action.EDIT_ASSESSMENTS)
    with transaction() as session:
        rounds = A.list_rounds(session, access.workspace_id)
    if runs:
        _new_round(access, first=not rounds)
    if not rounds:
        _empty(runs=runs)
        _matrix()
        return
    info = pick_round(rounds)
    st.caption(state_line(info))
    answers, results, matrix = st.tabs(["Answers", "Results", "Matrix"])
    with answers:
        if runs:
            _controls(info)
            _links(info)
        elif st.button("Refresh", key="assess_refresh", icon=":material/refresh:"):
            st.rerun()
        _progress(info, runs=runs)
    with results:
        show_results(info)
    with matrix:
        _matrix()
