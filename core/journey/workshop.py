"""Live-workshop controls: lock, follow the facilitator, timer, links, sticky notes and dots.

These change how the room works with the map, not the map itself, so they are not on the undo
stack; they still move the map's revision on, so every open screen picks them up.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models import JourneyMap, NoteVote, StickyNote
from core.journey.elements import add_element
from core.journey.errors import JourneyError
from core.journey.kinds import MAX_TEXT
from core.journey.shapes import Element, FieldValue
from core.journey.store import Actor, editable_map, get_map, now

NOTE_KINDS: dict[str, str] = {"pain": "Pain point", "idea": "Idea", "question": "Question"}
CONVERT_TO = ("touchpoint", "risk", "milestone", "signal", "opportunity")
MAX_TIMER_MINUTES = 240


def _facilitator(session: Session, map_id: int, actor: Actor) -> JourneyMap:
    if not actor.facilitator:
        raise JourneyError("Only the facilitator can do that.")
    return get_map(session, map_id)


def _bump(journey: JourneyMap) -> None:
    journey.version += 1


def set_locked(session: Session, map_id: int, actor: Actor, *, locked: bool) -> None:
    journey = _facilitator(session, map_id, actor)
    if journey.locked != locked:
        journey.locked = locked
        _bump(journey)


def present_stage(session: Session, map_id: int, stage_id: int | None, actor: Actor) -> None:
    """The stage the facilitator is showing; participants who follow jump to it."""
    journey = _facilitator(session, map_id, actor)
    if stage_id is not None and stage_id not in {s.id for s in journey.stages}:
        raise JourneyError("That stage is not part of this map.")
    if journey.presenting_stage_id != stage_id:
        journey.presenting_stage_id = stage_id
        _bump(journey)


def start_timer(session: Session, map_id: int, minutes: int, actor: Actor) -> None:
    if not 1 <= minutes <= MAX_TIMER_MINUTES:
        raise JourneyError(f"Set the timer between 1 and {MAX_TIMER_MINUTES} minutes.")
    journey = _facilitator(session, map_id, actor)
    journey.timer_started_at = now()
    journey.timer_minutes = minutes
    _bump(journey)


def stop_timer(session: Session, map_id: int, actor: Actor) -> None:
    journey = _facilitator(session, map_id, actor)
    journey.timer_started_at = None
    journey.timer_minutes = 0
    _bump(journey)


def timer_left(started_at: datetime | None, minutes: int, at: datetime | None = None) -> int | None:
    """Seconds left on the session timer (0 when over), None when no timer runs."""
    if started_at is None or minutes <= 0:
        return None
    ends = started_at + timedelta(minutes=minutes)
    return max(0, int((ends - (at or now())).total_seconds()))


# ------------------------------------------------------------------ links


@dataclass(frozen=True)
class Links:
    passcode: str
    readonly_token: str


def ensure_links(session: Session, map_id: int, actor: Actor) -> Links:
    """The participant passcode and the executive read-only token, created on first use."""
    journey = _facilitator(session, map_id, actor)
    if not journey.passcode:
        journey.passcode = f"{secrets.randbelow(10**6):06d}"
    if not journey.readonly_token:
        journey.readonly_token = secrets.token_urlsafe(24)
    return Links(journey.passcode, journey.readonly_token)


def reset_links(session: Session, map_id: int, actor: Actor) -> Links:
    """New passcode and token: old links stop working (e.g. after the session)."""
    journey = _facilitator(session, map_id, actor)
    journey.passcode = ""
    journey.readonly_token = ""
    return ensure_links(session, map_id, actor)


def access(session: Session, map_id: int, *, code: str = "", token: str = "") -> str:
    """What a link grants: "participant", "viewer", or a JourneyError when it does not fit."""
    journey = session.get(JourneyMap, map_id)
    if journey is None:
        raise JourneyError("This link points to a map that no longer exists.")
    if token and journey.readonly_token and hmac.compare_digest(token, journey.readonly_token):
        return "viewer"
    if code and journey.passcode and hmac.compare_digest(code.strip(), journey.passcode):
        return "participant"
    raise JourneyError("The passcode or link is not valid (any more). Ask the facilitator.")


# ------------------------------------------------------------------ sticky notes


@dataclass(frozen=True)
class NoteInfo:
    id: int
    stage_id: int | None
    kind: str
    text: str
    author: str
    votes: int
    mine: bool
    converted_to: str


def add_note(
    session: Session, map_id: int, stage_id: int | None, kind: str, text: str, actor: Actor
) -> int:
    """Anyone in the room may add a note, even while the map itself is locked."""
    journey = get_map(session, map_id)
    if kind not in NOTE_KINDS:
        raise JourneyError(f"A note is a pain point, an idea or a question, not “{kind}”.")
    text = text.strip()
    if not text:
        raise JourneyError("Write something on the note first.")
    if len(text) > MAX_TEXT:
        raise JourneyError(f"Keep the note under {MAX_TEXT} characters.")
    if stage_id is not None and stage_id not in {s.id for s in journey.stages}:
        raise JourneyError("That stage is not part of this map.")
    note = StickyNote(map_id=map_id, stage_id=stage_id, kind=kind, text=text, author=actor.label)
    session.add(note)
    _bump(journey)
    session.flush()
    return note.id


def list_notes(session: Session, map_id: int, voter_token: str = "") -> list[NoteInfo]:
    """Notes with their dot counts, most dots first; `mine` says if this voter dotted it."""
    get_map(session, map_id)
    counts = dict(
        session.execute(
            select(NoteVote.note_id, func.count())
            .join(StickyNote, StickyNote.id == NoteVote.note_id)
            .where(StickyNote.map_id == map_id)
            .group_by(NoteVote.note_id)
        ).all()
    )
    mine = set(
        session.scalars(
            select(NoteVote.note_id)
            .join(StickyNote, StickyNote.id == NoteVote.note_id)
            .where(StickyNote.map_id == map_id, NoteVote.voter_token == voter_token)
        )
    )
    notes = session.scalars(select(StickyNote).where(StickyNote.map_id == map_id))
    found = [
        NoteInfo(
            n.id,
            n.stage_id,
            n.kind,
            n.text,
            n.author,
            counts.get(n.id, 0),
            n.id in mine,
            n.converted_to,
        )
        for n in notes
    ]
    return sorted(found, key=lambda n: (-n.votes, n.id))


def _note(session: Session, map_id: int, note_id: int) -> StickyNote:
    note = session.get(StickyNote, note_id)
    if note is None or note.map_id != map_id:
        raise JourneyError("That note no longer exists.")
    return note


def toggle_vote(session: Session, map_id: int, note_id: int, voter_token: str) -> bool:
    """Add or take back this voter's dot; returns whether the dot is now on. Anonymous: the
    token only stops double votes and is never shown."""
    if not voter_token:
        raise JourneyError("Voting needs a browser token; reload the page.")
    note = _note(session, map_id, note_id)
    existing = session.scalars(
        select(NoteVote).where(NoteVote.note_id == note.id, NoteVote.voter_token == voter_token)
    ).first()
    if existing is not None:
        session.delete(existing)
    else:
        session.add(NoteVote(note_id=note.id, voter_token=voter_token))
    _bump(get_map(session, map_id))
    session.flush()
    return existing is None


def delete_note(session: Session, map_id: int, note_id: int, actor: Actor) -> None:
    journey = _facilitator(session, map_id, actor)
    session.delete(_note(session, map_id, note_id))
    _bump(journey)


def convert_note(session: Session, map_id: int, note_id: int, kind: str, actor: Actor) -> Element:
    """Turn a note into a map element, tagged "proposed" (it came from the room, not data)."""
    journey = _facilitator(session, map_id, actor)
    editable_map(session, map_id, actor)
    note = _note(session, map_id, note_id)
    if note.converted_to:
        raise JourneyError("That note is already on the map.")
    if kind not in CONVERT_TO:
        raise JourneyError(f"A note can become one of: {', '.join(CONVERT_TO)}.")
    title = " ".join(note.text.split())
    title = title if len(title) <= 80 else title[:79] + "…"
    values = _element_values(kind, title, note)
    element = add_element(session, map_id, kind, values, actor)
    note.converted_to = f"{kind}:{element['id']}"
    _bump(journey)
    return element


def _element_values(kind: str, title: str, note: StickyNote) -> dict[str, FieldValue]:
    label = "title" if kind == "opportunity" else "name"
    values: dict[str, FieldValue] = {label: title, "evidence": "proposed"}
    if kind != "opportunity":
        values["stage_id"] = note.stage_id
    if kind == "touchpoint" and note.kind == "pain":
        values["pain_point"] = note.text
        values["emotion"] = -1
    if kind == "touchpoint" and note.kind != "pain":
        values["content"] = note.text
    if kind == "risk":
        values["trigger"] = note.text
    if kind == "opportunity":
        values["measure"] = note.text if note.kind != "pain" else ""
    return values
