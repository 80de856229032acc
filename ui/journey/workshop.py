"""The Workshop tab: notes from the room with anonymous dot votes, and the facilitator's
controls (lock, the stage the room sees, the timer, the links to share)."""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.common.text import inert_markdown
from core.journey import workshop
from ui.feedback import user_errors
from ui.journey.access import actor
from ui.journey.actions import control, run
from ui.journey.fields import StageChoices, stage_choices
from ui.state import transaction


def notes(content: jm.MapContent, access: Access) -> None:
    """The note typed is cleared once it is stored, never before: a note the database refuses
    stays in the box."""
    stages = stage_choices(content)
    with st.form("note_add"):
        st.markdown("**Quick note from the room**")
        c1, c2 = st.columns(2)
        kind = c1.selectbox(
            "Type",
            list(workshop.NOTE_KINDS),
            key="note_kind",
            format_func=lambda k: workshop.NOTE_KINDS[k],
        )
        ids = list(stages)
        stage = c2.selectbox("Stage", ids, key="note_stage", format_func=lambda i: stages[i])
        text = st.text_area("Note", key="note_text", height=68, max_chars=2000)
        if st.form_submit_button("Add note", key="note_submit"):
            with user_errors():
                with transaction() as s:
                    workshop.add_note(s, content.info.id, stage, kind, text, actor(access))
                st.session_state.pop("note_text", None)
                st.toast("Note added")
                st.rerun()
    with transaction() as s:
        found = workshop.list_notes(s, content.info.id, access.visitor)
    if not found:
        st.caption("No notes yet. Anyone with the participant link can add one.")
        return
    for note in found:
        _note_row(content, access, note, stages)


def _note_row(
    content: jm.MapContent, access: Access, note: workshop.NoteInfo, stages: StageChoices
) -> None:
    map_id = content.info.id
    with st.container(border=True):
        c1, c2, c3 = st.columns([6, 1, 3])
        c1.caption(
            f"{workshop.NOTE_KINDS[note.kind]} · {inert_markdown(stages.get(note.stage_id, ''))}"
            + (f" · on the map as {note.converted_to}" if note.converted_to else "")
        )
        c1.text(note.text)
        dot = "●" if note.mine else "○"
        if c2.button(
            f"{dot} {note.votes}", key=f"vote_{note.id}", help="Add or take back your anonymous dot"
        ):
            on = not note.mine
            run(
                lambda s: workshop.set_vote(s, map_id, note.id, access.visitor, on=on),
                "Dot added" if on else "Dot taken back",
            )
        if access.facilitates and not note.converted_to:
            target = c3.selectbox(
                "Turn into",
                list(workshop.CONVERT_TO),
                key=f"conv_{note.id}",
                label_visibility="collapsed",
            )
            if c3.button("Add to map", key=f"convert_{note.id}"):
                run(
                    lambda s: workshop.convert_note(
                        s, map_id, note.id, target, actor(access), expected_version=note.version
                    ),
                    "Added to the map",
                )


def facilitation(content: jm.MapContent, access: Access) -> None:
    info = content.info
    c1, c2, c3 = st.columns(3)
    # Widgets mirror the database on every run, so a stale screen never writes back old state.
    st.session_state["workshop_lock"] = info.locked
    c1.toggle(
        "Lock the map",
        key="workshop_lock",
        help="Participants can still add notes and vote.",
        on_change=lambda: control(
            lambda s: workshop.set_locked(
                s, info.id, actor(access), locked=st.session_state["workshop_lock"]
            ),
            "Lock changed",
        ),
    )
    stages = stage_choices(content)
    st.session_state["workshop_present"] = info.presenting_stage_id
    c2.selectbox(
        "Show the room this stage",
        list(stages),
        key="workshop_present",
        format_func=lambda i: stages[i] if i else "(no stage)",
        on_change=lambda: control(
            lambda s: workshop.present_stage(
                s, info.id, st.session_state["workshop_present"], actor(access), seen=info
            ),
            "The room follows you",
        ),
    )
    minutes = c3.number_input("Timer (minutes)", 1, 240, 10, key="workshop_minutes")
    t1, t2 = c3.columns(2)
    if t1.button("Start timer", key="workshop_timer_start"):
        run(
            lambda s: workshop.start_timer(s, info.id, int(minutes), actor(access), seen=info),
            "Timer started",
        )
    if t2.button("Stop", key="workshop_timer_stop"):
        run(lambda s: workshop.stop_timer(s, info.id, actor(access), seen=info), "Timer stopped")
    _links(info, access)


def _links(info: jm.MapInfo, access: Access) -> None:
    with transaction() as s:  # a read: the links exist after the map's first showing
        links = workshop.links(s, info.id, actor(access))
    if links is None:
        with transaction() as s:
            links = workshop.ensure_links(s, info.id, actor(access))
    base = _base_url()
    st.markdown("**Links for the room**")
    st.text(f"Participants (may edit, add notes, vote): passcode {links.passcode}")
    st.code(f"{base}?map={info.id}&code={links.passcode}", language=None)
    st.text("Executives (read only):")
    st.code(f"{base}?map={info.id}&view={links.readonly_token}", language=None)
    if st.button("Make new links (old ones stop working)", key="workshop_reset_links"):
        run(lambda s: workshop.reset_links(s, info.id, actor(access)), "New links made")


def _base_url() -> str:
    try:
        url = st.context.url or ""
    except AttributeError:
        url = ""
    return url.split("?")[0] or "/journey"
