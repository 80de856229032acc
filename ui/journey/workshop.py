"""The Workshop tab: notes from the room with anonymous dot votes, and the facilitator's
controls (lock, the stage the room sees, the timer, the guest links to share and revoke)."""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.access import links
from core.access.identity import Access
from core.common.errors import UserError
from core.common.text import inert_markdown
from core.journey import workshop
from ui.feedback import confirmed, show_error, user_errors
from ui.journey.access import actor
from ui.journey.actions import control, run
from ui.journey.fields import StageChoices, stage_choices
from ui.share_links import guest_address, new_link_box
from ui.state import transaction

NEW_LINK_KEY = "workshop_new_link"
"""The link just created, in this browser session only: its token is shown until the
facilitator hides it (or makes another), and is stored nowhere else."""
REVOKING_KEY = "workshop_revoking"
MAP_LINK_KINDS = ("participant", "viewer")


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
        found = workshop.list_notes(s, content.info.id)
    used = sum(note.mine for note in found)  # a dot is "mine" on each note the person dotted
    if not found:
        st.caption("No notes yet. Anyone with the participant link can add one.")
        return
    left = workshop.DOTS_PER_PERSON - used
    st.caption(
        f"Dot voting: you have {left} of {workshop.DOTS_PER_PERSON} dots left "
        "(one per note; take one back to move it)."
    )
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
                lambda s: workshop.set_vote(s, map_id, note.id, on=on),
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
    """Guest links to this map: make one (shown once), see the live ones, revoke any."""
    st.markdown("**Links for guests**")
    st.caption(
        "A participant link lets people join under their name, add notes, vote and edit while "
        "the map is open; a read-only link shows this map and nothing else. Nobody who opens a "
        "link sees any other map or page."
    )
    _new_link_form(info)
    _just_made(info)
    _live_links(info)


def _new_link_form(info: jm.MapInfo) -> None:
    with st.form("workshop_link_form"):
        c1, c2, c3 = st.columns([2, 1, 2])
        kind = c1.selectbox(
            "Link for",
            MAP_LINK_KINDS,
            key="workshop_link_kind",
            format_func=lambda k: links.KIND_WORDS[k],
        )
        days = c2.number_input(
            "Valid for (days)",
            min_value=1,
            max_value=links.MAX_DAYS,
            value=links.DEFAULT_DAYS,
            step=1,
            key="workshop_link_days",
        )
        passcode = c3.text_input(
            "Passcode (optional)",
            type="password",
            max_chars=links.MAX_PASSCODE,
            key="workshop_link_passcode",
            help=f"Asked once when someone joins; {links.MAX_ATTEMPTS} wrong tries lock the link.",
        )
        label = st.text_input(
            "Label (optional, e.g. who it is for)", max_chars=80, key="workshop_link_label"
        )
        if not st.form_submit_button("Create link", key="workshop_link_create"):
            return
    try:
        with transaction() as s:
            made = links.create_link(
                s,
                info.workspace_id,
                str(kind),
                map_id=info.id,
                days=int(days),
                passcode=passcode,
                label=label,
            )
    except UserError as exc:
        show_error(exc)
        return
    st.session_state[NEW_LINK_KEY] = (
        info.id,
        made.info.kind,
        guest_address("journey", "link", made.token),
    )
    for key in ("workshop_link_passcode", "workshop_link_label"):
        st.session_state.pop(key, None)  # cleared once stored
    st.toast("Link created: copy it now")
    st.rerun()


def _just_made(info: jm.MapInfo) -> None:
    made = st.session_state.get(NEW_LINK_KEY)
    if not made or made[0] != info.id:
        return
    _, kind, url = made
    new_link_box(
        kind=kind, address=url, words="", hide_key="workshop_new_link_hide", state_key=NEW_LINK_KEY
    )


def _live_links(info: jm.MapInfo) -> None:
    with transaction() as s:
        found = links.live_links(s, info.workspace_id, map_id=info.id)
    if not found:
        st.caption("No live links to this map: make one above to invite guests.")
        return
    st.markdown(f"**Live links ({len(found)})**")
    for link in found:
        with st.container(border=True, key=f"workshop_link_{link.id}"):
            c1, c2 = st.columns([6, 1])
            title = links.KIND_WORDS[link.kind]
            if link.label:
                title += f" · {link.label}"
            c1.markdown(f"**{inert_markdown(title)}**")
            tries = (
                f" · wrong tries: {link.failed_attempts} of {links.MAX_ATTEMPTS}"
                if link.has_passcode
                else ""
            )
            c1.caption(
                inert_markdown(
                    f"Created by {link.created_by} on {link.created_at:%d %b %Y %H:%M} UTC · "
                    f"expires {link.expires_at:%d %b %Y %H:%M} UTC · "
                    f"passcode: {'yes' if link.has_passcode else 'no'}{tries}"
                )
            )
            if c2.button("Revoke…", key=f"workshop_revoke_{link.id}"):
                st.session_state[REVOKING_KEY] = link.id
    revoking = st.session_state.get(REVOKING_KEY)
    chosen = next((link for link in found if link.id == revoking), None)
    if chosen is not None:
        _confirm_revoke(chosen)
    elif revoking is not None:
        st.session_state.pop(REVOKING_KEY, None)


@st.dialog("Revoke link", on_dismiss=lambda: st.session_state.pop(REVOKING_KEY, None))
def _confirm_revoke(link: links.LinkInfo) -> None:
    title = links.KIND_WORDS[link.kind] + (f" · {link.label}" if link.label else "")
    st.write(
        f"Revoke **{inert_markdown(title)}**? It stops opening at once, and everyone who "
        "joined through it is refused at their next click or reload. This cannot be undone; "
        "make a new link to invite them again."
    )
    if confirmed(REVOKING_KEY, "workshop_revoke", "Revoke"):
        try:
            with transaction() as s:
                links.revoke_link(s, link.workspace_id, link.id)
        except UserError as exc:
            show_error(exc)
            return
        st.session_state.pop(REVOKING_KEY, None)
        st.toast("Link revoked")
        st.rerun()
