"""The Workshop tab: notes from the room with anonymous dot votes, and the facilitator's
controls (lock, the stage the room sees, the timer, the guest links to share and revoke)."""

from __future__ import annotations

import html
from functools import partial

import streamlit as st
from sqlalchemy.orm import Session

from core import journey as jm
from core.access import links
from core.access.identity import Access
from core.common.errors import UserError
from core.common.text import inert_markdown
from core.journey import workshop
from ui.clearing import empty_if_asked, empty_next_run
from ui.feedback import confirmed, show_error
from ui.journey.access import actor
from ui.journey.actions import attempt, control, flash, run
from ui.journey.fields import StageChoices, stage_choices
from ui.share_links import guest_address, new_link_box
from ui.state import run_access, transaction

NEW_LINK_KEY = "workshop_new_link"
"""The link just created, in this browser session only: its token is shown until the
facilitator hides it (or makes another), and is stored nowhere else."""
REVOKING_KEY = "workshop_revoking"
MAP_LINK_KINDS = ("participant", "viewer")


def notes(content: jm.MapContent, access: Access) -> None:
    """The room's notes as a wall of cards, grouped by stage, each with its dots. The note
    typed is cleared once it is stored, never before: a note the database refuses stays in
    the box."""
    stages = stage_choices(content)
    _note_form(content, stages)
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
    st.html(NOTE_STYLE + NOTE_LEGEND)
    for stage_id, stage_notes in _by_stage(found, stages):
        _stage_wall(content, access, stage_id, stage_notes, stages)


NOTE_REFUSED = "journey_note_refused"  # why the last note was refused, shown under its form


def _note_form(content: jm.MapContent, stages: StageChoices) -> None:
    """The note is stored by the button's callback, first thing in the next run, so a click
    elsewhere that starts another run cannot cut it short (see forms.add_form)."""
    with st.form("note_add"):
        st.markdown("**Quick note from the room**")
        c1, c2 = st.columns(2)
        c1.selectbox(
            "Type",
            list(workshop.NOTE_KINDS),
            key="note_kind",
            format_func=lambda k: workshop.NOTE_KINDS[k],
        )
        ids = list(stages)
        c2.selectbox("Stage", ids, key="note_stage", format_func=lambda i: stages[i])
        st.text_area("Note", key="note_text", height=68, max_chars=2000)
        st.form_submit_button(
            "Add note", key="note_submit", on_click=_store_note, args=(content.info.id,)
        )
        flash(NOTE_REFUSED)


def _store_note(map_id: int) -> None:
    """The Add note button's callback: store the note as whoever acts in this run."""
    state = st.session_state

    def store(s: Session) -> None:
        workshop.add_note(
            s,
            map_id,
            state.get("note_stage"),
            state["note_kind"],
            state.get("note_text", ""),
            actor(run_access()),
        )

    if attempt(store, "Note added", NOTE_REFUSED):
        state["note_text"] = ""  # a callback may set a widget's value


NOTE_COLOURS = {  # kind: (card, edge); the kind is also written on each card
    "pain": ("#fde3e1", "#c62828"),
    "idea": ("#e2f5e4", "#2e7d32"),
    "question": ("#e3edfc", "#1f5fbf"),
}
NOTE_STYLE = (
    "<style>"
    + "".join(
        f'div[class*="st-key-note_{kind}_"] {{background: {card}; border-left: 0.45rem solid '
        f"{edge}; border-radius: 0.4rem; padding: 0.5rem 0.7rem;}}"
        for kind, (card, edge) in NOTE_COLOURS.items()
    )
    + (
        'div[class*="st-key-note_"] [data-testid="stText"] {font-size: 1.1rem; '
        "white-space: pre-wrap; font-family: inherit;}"
        ".wp-note-legend span {display: inline-block; margin-right: 1rem; padding: 0.1rem 0.5rem; "
        "border-radius: 0.3rem;}"
        "</style>"
    )
)
NOTE_LEGEND = (
    '<div class="wp-note-legend">'
    + "".join(
        f'<span style="background: {card}; border-left: 0.3rem solid {edge}">'
        f"{html.escape(workshop.NOTE_KINDS[kind])}</span>"
        for kind, (card, edge) in NOTE_COLOURS.items()
    )
    + "</div>"
)
NO_STAGE = "No stage"


def _by_stage(
    found: list[workshop.NoteInfo], stages: StageChoices
) -> list[tuple[int | None, list[workshop.NoteInfo]]]:
    """The notes of each stage in the map's order (most dots first within it), then those of
    no stage (or of a stage deleted since)."""
    groups: dict[int | None, list[workshop.NoteInfo]] = {}
    for note in found:
        stage = note.stage_id if note.stage_id in stages else None
        groups.setdefault(stage, []).append(note)
    order = [stage for stage in stages if stage is not None] + [None]
    return [(stage, groups[stage]) for stage in order if stage in groups]


def _stage_wall(
    content: jm.MapContent,
    access: Access,
    stage_id: int | None,
    found: list[workshop.NoteInfo],
    stages: StageChoices,
) -> None:
    title = stages[stage_id] if stage_id is not None else NO_STAGE
    with st.container(key=f"notes_stage_{stage_id if stage_id is not None else 'none'}"):
        st.markdown(f"#### {inert_markdown(title)} ({len(found)})")
        columns = st.columns(3)
        for i, note in enumerate(found):
            with columns[i % 3]:
                _note_card(content, access, note)


def _vote(map_id: int, note_id: int, s: Session, *, on: bool) -> None:
    workshop.set_vote(s, map_id, note_id, on=on)


def _note_card(content: jm.MapContent, access: Access, note: workshop.NoteInfo) -> None:
    map_id = content.info.id
    with st.container(key=f"note_{note.kind}_{note.id}"):
        head, dot = st.columns([3, 2], vertical_alignment="center")
        dots = f"{note.votes} dot" + ("" if note.votes == 1 else "s")
        head.markdown(f"**{workshop.NOTE_KINDS.get(note.kind, note.kind)}** · {dots}")
        on = not note.mine
        dot.button(  # stored by its callback: a run started meanwhile cannot lose the dot
            f"{'●' if note.mine else '○'} {note.votes}",
            key=f"vote_{note.id}",
            help="Add or take back your anonymous dot",
            on_click=control,
            args=(
                partial(_vote, map_id, note.id, on=on),
                "Dot added" if on else "Dot taken back",
            ),
        )
        st.text(note.text)
        st.caption(
            f"by {inert_markdown(note.author, 80)}"
            + (
                f" · {inert_markdown(workshop.became(content, note.converted_to))}"
                if note.converted_to
                else ""
            )
        )
        if access.facilitates:
            _facilitator_note_controls(access, map_id, note)


def _facilitator_note_controls(access: Access, map_id: int, note: workshop.NoteInfo) -> None:
    if not note.converted_to:
        target = st.selectbox(
            "Turn into",
            list(workshop.CONVERT_TO),
            key=f"conv_{note.id}",
            label_visibility="collapsed",
        )
    c1, c2 = st.columns(2)
    if not note.converted_to and c1.button("Add to map", key=f"convert_{note.id}"):
        run(
            lambda s: workshop.convert_note(
                s, map_id, note.id, target, actor(access), expected_version=note.version
            ),
            "Added to the map",
        )
    with c2.popover("Delete…"):
        st.caption("Remove this note and its dots from the wall? This cannot be undone.")
        if st.button("Delete the note", key=f"note_delete_{note.id}", type="primary"):
            run(
                lambda s: workshop.delete_note(
                    s, map_id, note.id, actor(access), expected_version=note.version
                ),
                "Note deleted",
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
        empty_if_asked("workshop_link_passcode")
        empty_if_asked("workshop_link_label")
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
    empty_next_run("workshop_link_passcode", "workshop_link_label")  # once stored, not before
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
