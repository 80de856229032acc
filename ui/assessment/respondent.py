"""The respondent's view: join a round through its link, answer on your own screen where
nobody sees your levels, come back through the same address to change them, and see the
results once the facilitator reveals them.

The answer form remembers the version of the answer sheet it was opened at and sends it with
the save: answers saved from another tab meanwhile are never overwritten unseen; both are
shown and the respondent chooses.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import assessment as A
from core.assessment.rounds import MAX_EVIDENCE, MAX_NAME
from core.common.errors import UserError
from core.common.text import inert_markdown
from ui.assessment.report import show_results
from ui.assessment.rounds import levels_markdown, state_line
from ui.assessment.viewer import Respondent, remember_me
from ui.feedback import show_error, user_errors
from ui.state import transaction

Picked = dict[str, tuple[int | None, int | None, str]]
"""Per capability key: the current and target level chosen (None if not) and the evidence."""

BASE_KEY = "assess_base"  # the answer sheet's version the form was opened at
CONFLICT_KEY = "assess_conflict"  # set after a refused save: offer to reload or overwrite
RELOAD_KEY = "assess_reload"  # start the form again from the saved answers
FIELD_PREFIXES = ("assess_cur_", "assess_tgt_", "assess_ev_")


def _join_form(info: A.RoundInfo) -> None:
    if not info.is_open:
        st.warning("This round is closed; nobody can join it any more.", icon=":material/lock:")
        return
    st.write(
        "Join with your name to rate your onboarding operation. Nobody sees your answers "
        "until the facilitator reveals the results."
    )
    with st.form("assess_join_form"):
        name = st.text_input("Your name", key="assess_join_name", max_chars=MAX_NAME)
        role = st.text_input("Your role (optional)", key="assess_join_role")
        if st.form_submit_button("Join", type="primary", key="assess_join"):
            with user_errors():
                with transaction() as session:
                    me = A.join_round(session, info.id, name, role)
                remember_me(me.token)
                st.rerun()


def _pick(label: str, key: str, saved: int | None, *, disabled: bool) -> int | None:
    return st.radio(
        label,
        A.LEVELS,
        index=None if saved is None else saved - 1,
        format_func=A.level_label,
        horizontal=True,
        key=key,
        disabled=disabled,
    )


def _collect(picked: Picked) -> dict[str, A.AnswerInput]:
    """Answers with both levels chosen; one chosen without the other is a clear error."""
    answers = {}
    for key, (current, target, evidence) in picked.items():
        if current is None and target is None:
            continue
        if current is None or target is None:
            missing = "current" if current is None else "target"
            raise A.AssessmentError(f"{A.capability(key).name}: pick a {missing} level too.")
        answers[key] = A.AnswerInput(current, target, evidence)
    return answers


def _capability_fields(cap: A.Capability, mine: A.AnswerInput | None, *, closed: bool) -> Picked:
    with st.container(border=True):
        st.markdown(f"#### {cap.name}")
        st.caption(f"Owner: {cap.owner} · primary KPI: {cap.kpi_label}")
        st.markdown(levels_markdown(cap))
        cur = _pick(
            "Where are we today?",
            f"assess_cur_{cap.key}",
            mine.current if mine else None,
            disabled=closed,
        )
        tgt = _pick(
            "Where should we be in a year?",
            f"assess_tgt_{cap.key}",
            mine.target if mine else None,
            disabled=closed,
        )
        note = st.text_area(
            "Evidence: what you see that makes you say so",
            value=mine.evidence if mine else "",
            key=f"assess_ev_{cap.key}",
            max_chars=MAX_EVIDENCE,
            height=80,
            disabled=closed,
        )
    return {cap.key: (cur, tgt, note)}


def _save(me: A.RespondentInfo, picked: Picked, base: int) -> None:
    try:
        answers = _collect(picked)
        with transaction() as session:
            count = A.save_answers(session, me.token, answers, base_version=base)
            st.session_state[BASE_KEY] = A.answer_sheet(session, me.token).version
    except A.AnswerConflict as exc:
        st.session_state[CONFLICT_KEY] = me.token
        show_error(exc)
        rows = exc.differences()
        if rows:
            columns = ["Capability", "This page", "Saved"]
            table = pl.DataFrame(rows, schema=columns, orient="row")
            st.dataframe(table, hide_index=True, key="assess_conflict_table")
        return
    except UserError as exc:
        show_error(exc)
        return
    st.session_state.pop(CONFLICT_KEY, None)
    st.toast(f"Saved {count} answers. You can change them until the round closes.")
    st.success(f"✓ Saved {count} answers.")


def _open_form(sheet: A.AnswerSheet) -> None:
    """Start the form from the saved answers: on first view, when asked to, or when Streamlit
    dropped the widgets' values (they are then drawn from the saved answers again)."""
    first_field = f"{FIELD_PREFIXES[0]}{A.CAPABILITIES[0].key}"
    if not st.session_state.pop(RELOAD_KEY, False) and first_field in st.session_state:
        return
    for key in [k for k in st.session_state if str(k).startswith(FIELD_PREFIXES)]:
        del st.session_state[key]
    st.session_state.pop(CONFLICT_KEY, None)
    st.session_state[BASE_KEY] = sheet.version


def _conflict_choices(me: A.RespondentInfo, picked: Picked, sheet: A.AnswerSheet) -> None:
    if st.session_state.get(CONFLICT_KEY) != me.token:
        return
    c1, c2 = st.columns(2)
    if c1.button("Show the saved answers", key="assess_conflict_reload"):
        st.session_state[RELOAD_KEY] = True
        st.rerun()
    if c2.button("Save this page's answers over them", key="assess_conflict_overwrite"):
        _save(me, picked, sheet.version)


def _answer_form(info: A.RoundInfo, me: A.RespondentInfo) -> None:
    with transaction() as session:
        sheet = A.answer_sheet(session, me.token)
    saved = sheet.answers
    _open_form(sheet)
    closed = not info.is_open
    st.markdown(
        f"Answering as **{inert_markdown(me.name)}** · {len(saved)} of 6 capabilities saved. "
        "Keep this page's address: it brings you back to your answers."
    )
    if closed:
        st.warning("This round is closed: your answers are kept but can no longer change.")
    picked: Picked = {}
    with st.form("assess_answer_form"):
        for cap in A.CAPABILITIES:
            picked |= _capability_fields(cap, saved.get(cap.key), closed=closed)
        submitted = st.form_submit_button(
            "Save answers", type="primary", key="assess_save", disabled=closed
        )
    if submitted:
        _save(me, picked, st.session_state[BASE_KEY])
    _conflict_choices(me, picked, sheet)


def _me(who: Respondent, info: A.RoundInfo) -> A.RespondentInfo | None:
    """The respondent's own record, once they have joined this round (a key of another
    round is refused by core and leaves the join form)."""
    if not who.me_token:
        return None
    try:
        with transaction() as session:
            me = A.respondent_by_token(session, who.me_token)
    except UserError as exc:
        show_error(exc)
        return None
    return me if me.round_id == info.id else None


def show_respondent(who: Respondent) -> None:
    try:
        with transaction() as session:
            info = A.get_round(session, who.round_id)
    except UserError as exc:
        show_error(exc)
        return
    st.subheader(f"Round: {inert_markdown(info.name)}")
    st.caption(state_line(info))
    me = _me(who, info)
    if me is None:
        _join_form(info)
    else:
        _answer_form(info, me)
    if info.revealed:
        st.divider()
        st.header("Results")
        show_results(info, respondent=True)
