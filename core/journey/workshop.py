"""Live-workshop controls: lock, follow the facilitator, timer, sticky notes and dots.

Who may do what is checked against the identity bound to the session (core.access.guard):
the lock, the stage the room follows, the timer and turning notes into elements are for
facilitators (Action.EDIT_JOURNEYS: owners and editors); notes and dots for whoever may add
notes on that map (members who edit, and participants whose link names it); a guest of one
map is refused on any other. A dot is counted against the acting person (`Access.voter`), so a
reload keeps it and a second tab cannot add another. The links guests join through are
core.access.links.

These change how the room works with the map, not the map itself, so they are not on the undo
stack; they still move the map's revision on (once per stored change, in SQL), so every open
screen picks them up. Every writer takes the map's row lock first, like every other change of
the map (store.map_for_update), and what a facilitator's screen showed (`seen`, a MapInfo) can
be passed so a co-facilitator's newer choice is not overwritten unseen; a note's delete and
conversion name the note's version, and a dot is set on or off rather than toggled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from core.access.guard import acting
from core.access.identity import Access
from core.access.roles import Action
from core.db.models import JourneyMap, NoteVote, Stage, StickyNote
from core.journey.elements import add_element
from core.journey.errors import ConflictError, JourneyError
from core.journey.kinds import KINDS, MAX_TEXT
from core.journey.shapes import Element, FieldValue, OpportunityElement, field_values
from core.journey.store import (
    Actor,
    MapContent,
    MapInfo,
    bump,
    editable_map,
    get_map,
    map_for_update,
    now,
    updated_rows,
)
from core.journey.words import shorten

NOTE_KINDS: dict[str, str] = {"pain": "Pain point", "idea": "Idea", "question": "Question"}
CONVERT_TO = ("touchpoint", "risk", "milestone", "signal", "opportunity")
MAX_TIMER_MINUTES = 240
DOTS_PER_PERSON = 5
"""Dot voting: each person has this many dots per map, at most one per note; taking one back
frees it for another note."""


def _facilitator(session: Session, map_id: int, actor: Actor) -> JourneyMap:
    """The map, locked for a change only a facilitator makes: the acting identity may run
    workshops (Action.EDIT_JOURNEYS: owners and editors; checked before anything of the map
    is read), and `actor`, how the journey's records name them, says facilitator too."""
    if not actor.facilitator:
        raise JourneyError("Only the facilitator can do that.")
    return map_for_update(session, map_id, Action.EDIT_JOURNEYS)


def _unchanged_since(
    session: Session, journey: JourneyMap, seen: MapInfo | None, fields: tuple[str, ...]
) -> None:
    """Refuse when a co-facilitator changed these settings since this screen showed them."""
    if seen is None:
        return
    theirs = {f: getattr(journey, f) for f in fields}
    mine = {f: getattr(seen, f) for f in fields}
    if theirs != mine:
        raise ConflictError(
            "The workshop controls",
            {f: _shown(session, f, v) for f, v in mine.items()},
            {f: _shown(session, f, v) for f, v in theirs.items()},
            message=(
                "Someone else changed the workshop controls since your screen showed them; "
                "nothing was changed. Look at them again."
            ),
        )


def _shown(session: Session, field: str, value: object) -> object:
    if field == "presenting_stage_id" and isinstance(value, int):
        stage = session.get(Stage, value)
        return stage.name if stage else value
    return value


def set_locked(session: Session, map_id: int, actor: Actor, *, locked: bool) -> None:
    """Lock or unlock; asking for the state the map is already in changes nothing."""
    journey = _facilitator(session, map_id, actor)
    if journey.locked != locked:
        journey.locked = locked
        bump(session, journey)


def present_stage(
    session: Session,
    map_id: int,
    stage_id: int | None,
    actor: Actor,
    seen: MapInfo | None = None,
) -> None:
    """The stage the facilitator is showing; participants who follow jump to it."""
    journey = _facilitator(session, map_id, actor)
    _unchanged_since(session, journey, seen, ("presenting_stage_id",))
    if stage_id is not None and stage_id not in {s.id for s in journey.stages}:
        raise JourneyError("That stage is not part of this map.")
    if journey.presenting_stage_id != stage_id:
        journey.presenting_stage_id = stage_id
        bump(session, journey)


TIMER_FIELDS = ("timer_started_at", "timer_minutes")


def start_timer(
    session: Session, map_id: int, minutes: int, actor: Actor, seen: MapInfo | None = None
) -> None:
    if not 1 <= minutes <= MAX_TIMER_MINUTES:
        raise JourneyError(f"Set the timer between 1 and {MAX_TIMER_MINUTES} minutes.")
    journey = _facilitator(session, map_id, actor)
    _unchanged_since(session, journey, seen, TIMER_FIELDS)
    journey.timer_started_at = now()
    journey.timer_minutes = minutes
    bump(session, journey)


def stop_timer(session: Session, map_id: int, actor: Actor, seen: MapInfo | None = None) -> None:
    journey = _facilitator(session, map_id, actor)
    _unchanged_since(session, journey, seen, TIMER_FIELDS)
    if journey.timer_started_at is None and not journey.timer_minutes:
        return
    journey.timer_started_at = None
    journey.timer_minutes = 0
    bump(session, journey)


def timer_left(started_at: datetime | None, minutes: int, at: datetime | None = None) -> int | None:
    """Seconds left on the session timer (0 when over), None when no timer runs."""
    if started_at is None or minutes <= 0:
        return None
    ends = started_at + timedelta(minutes=minutes)
    return max(0, int((ends - (at or now())).total_seconds()))


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
    version: int = 1


def add_note(
    session: Session, map_id: int, stage_id: int | None, kind: str, text: str, actor: Actor
) -> int:
    """Anyone in the room may add a note (members who edit, participants of this map), even
    while the map itself is locked."""
    journey = map_for_update(session, map_id, Action.ADD_NOTES)
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
    session.flush()
    bump(session, journey)
    return note.id


def list_notes(session: Session, map_id: int) -> list[NoteInfo]:
    """Notes with their dot counts, most dots first; `mine` says if the acting person dotted
    it."""
    get_map(session, map_id)  # reading it is allowed, on this map
    voter = _voter_key(acting(session))
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
            .where(StickyNote.map_id == map_id, NoteVote.voter_token == voter)
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
            n.version,
        )
        for n in notes
    ]
    return sorted(found, key=lambda n: (-n.votes, n.id))


def _note(session: Session, map_id: int, note_id: int) -> StickyNote:
    note = session.get(StickyNote, note_id, populate_existing=True)
    if note is None or note.map_id != map_id:
        raise JourneyError("That note no longer exists.")
    return note


def _voter(session: Session) -> str:
    """Who a dot is counted against: the acting person (their e-mail, the local owner, or a
    guest's own identity), so it survives a reload and a second tab cannot add another."""
    voter = _voter_key(acting(session))
    if not voter:
        raise JourneyError("Voting needs to know who you are; open your link again.")
    return voter


def _voter_key(access: Access) -> str:
    """What a dot is stored under: the acting person's key. The column holds 64 characters;
    a longer key (a long e-mail address) is stored as its SHA-256."""
    voter = access.voter
    return voter if len(voter) <= 64 else hashlib.sha256(voter.encode("utf-8")).hexdigest()


def toggle_vote(session: Session, map_id: int, note_id: int) -> bool:
    """Add or take back the acting person's dot; returns whether the dot is now on. Dots are
    anonymous: who gave one only stops double votes and is never shown. Two clicks at once
    count as two toggles; set_vote says which way the voter meant."""
    map_for_update(session, map_id, Action.ADD_NOTES)
    voter = _voter(session)
    note = _note(session, map_id, note_id)
    on = not session.scalars(_vote_query(note.id, voter)).first()
    set_vote(session, map_id, note_id, on=on)
    return on


def set_vote(session: Session, map_id: int, note_id: int, *, on: bool) -> bool:
    """Put the acting person's dot on the note (on) or take it back; returns whether anything
    changed (a second click from another tab that asks for the same changes nothing)."""
    journey = map_for_update(session, map_id, Action.ADD_NOTES)
    voter = _voter(session)
    note = _note(session, map_id, note_id)
    present = session.scalars(_vote_query(note.id, voter)).first() is not None
    if present == on:
        return False
    if on:
        _dot_left(session, map_id, voter)
        session.add(NoteVote(note_id=note.id, voter_token=voter))
        session.flush()
    else:
        session.execute(
            delete(NoteVote).where(NoteVote.note_id == note.id, NoteVote.voter_token == voter)
        )
    bump(session, journey)
    return True


def dots_used(session: Session, map_id: int) -> int:
    """How many of the acting person's DOTS_PER_PERSON dots are on this map's notes."""
    get_map(session, map_id)
    return _dots_of(session, map_id, _voter_key(acting(session)))


def _dots_of(session: Session, map_id: int, voter: str) -> int:
    used = session.scalar(
        select(func.count())
        .select_from(NoteVote)
        .join(StickyNote, StickyNote.id == NoteVote.note_id)
        .where(StickyNote.map_id == map_id, NoteVote.voter_token == voter)
    )
    return int(used or 0)


def _dot_left(session: Session, map_id: int, voter: str) -> None:
    """Refuse a dot beyond the person's budget (the map's row lock, taken by the caller, makes
    two dots placed at once count one after the other)."""
    if _dots_of(session, map_id, voter) >= DOTS_PER_PERSON:
        raise JourneyError(
            f"You have placed all {DOTS_PER_PERSON} of your dots on this map; take one back "
            "to place it on another note."
        )


def _vote_query(note_id: int, voter_token: str) -> Select[int]:
    return select(NoteVote.id).where(
        NoteVote.note_id == note_id, NoteVote.voter_token == voter_token
    )


def delete_note(
    session: Session,
    map_id: int,
    note_id: int,
    actor: Actor,
    expected_version: int | None = None,
) -> None:
    """Remove a note (facilitators only: a note keeps its author's name, not who they are, so
    nothing tells its author from someone who took the same name); with the version the
    screen showed, a note changed since (converted to an element) is not deleted unseen."""
    journey = _facilitator(session, map_id, actor)
    note = _note(session, map_id, note_id)
    base = note.version if expected_version is None else expected_version
    gone = updated_rows(
        session,
        delete(StickyNote)
        .where(StickyNote.id == note.id, StickyNote.version == base)
        .execution_options(synchronize_session=False),
    )
    if gone != 1:
        raise JourneyError(
            "That note changed since you looked at it (it may be on the map now); nothing was "
            "deleted. Look at it again."
        )
    session.expunge(note)
    bump(session, journey)


def convert_note(
    session: Session,
    map_id: int,
    note_id: int,
    kind: str,
    actor: Actor,
    expected_version: int | None = None,
) -> Element:
    """Turn a note into a map element, tagged "proposed" (it came from the room, not data).

    The note is claimed in the same statement that marks it (`converted_to = ''` and, when
    given, the version the screen showed, in the WHERE), so two facilitators converting it at
    once add one element, not two.
    """
    if not actor.facilitator:
        raise JourneyError("Only the facilitator can do that.")
    editable_map(session, map_id, actor, Action.EDIT_JOURNEYS)
    note = _note(session, map_id, note_id)
    if note.converted_to:
        raise JourneyError("That note is already on the map.")
    if kind not in CONVERT_TO:
        raise JourneyError(f"A note can become one of: {', '.join(CONVERT_TO)}.")
    title = " ".join(note.text.split())
    title = title if len(title) <= 80 else title[:79] + "…"
    element = add_element(session, map_id, kind, _element_values(kind, title, note), actor)
    base = note.version if expected_version is None else expected_version
    claimed = updated_rows(
        session,
        update(StickyNote)
        .where(StickyNote.id == note.id, StickyNote.version == base, StickyNote.converted_to == "")
        .values(converted_to=f"{kind}:{element['id']}", version=StickyNote.version + 1)
        .execution_options(synchronize_session=False),
    )
    if claimed != 1:
        raise JourneyError("That note changed since you looked at it; nothing was added.")
    session.refresh(note)
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
        values.update(_origin(note))
    return values


def _origin(note: StickyNote) -> dict[str, FieldValue]:
    """Where an opportunity made from `note` came from (kinds.ORIGIN_FIELDS): the note, its
    stage and its words, which outlive the note. A note hangs from a stage only (never from a
    touchpoint or another element), so the element part stays empty."""
    return {
        "origin_note_id": note.id,
        "origin_stage_id": note.stage_id,
        "origin_element": "",
        "origin_text": note.text,
    }


# ------------------------------------------------------------------ where opportunities came from


@dataclass(frozen=True)
class Origin:
    """Where an opportunity came from, in words a room reads (kinds.ORIGIN_FIELDS)."""

    note_kind: str  # "pain", "idea", "question"; "" once the note is deleted
    text: str  # the note's words, kept when the note is deleted
    stage: str  # the stage's name; "" for none or one deleted since
    element: str  # e.g. Touchpoint “Welcome call”; "" for none or one deleted since

    @property
    def words(self) -> str:
        """E.g. From: pain point “Slow SSO” in stage Kickoff."""
        noun = NOTE_KINDS.get(self.note_kind, "note").lower()
        text = f"From: {noun} “{shorten(self.text, 80)}”" if self.text else f"From: a {noun}"
        if self.element:
            text += f" on {self.element}"
        if self.stage:
            text += f" in stage {self.stage}"
        return text


def note_kinds(session: Session, map_id: int) -> dict[int, str]:
    """Each note of the map by id with its kind (pain, idea, question): one small read, for
    naming where opportunities came from."""
    get_map(session, map_id)
    query = select(StickyNote.id, StickyNote.kind).where(StickyNote.map_id == map_id)
    return {note_id: kind for note_id, kind in session.execute(query).all()}


def element_name(content: MapContent, reference: object) -> str:
    """A "kind:id" reference (a note's converted_to, an opportunity's origin_element) as the
    element's kind and name, e.g. Touchpoint “Welcome call”; "" when it is gone."""
    kind, _, ident = str(reference or "").partition(":")
    if kind not in KINDS or not ident.isdigit():
        return ""
    found = content.find(kind, int(ident))
    if found is None:
        return ""
    return f"{KINDS[kind].label} “{field_values(found)[KINDS[kind].label_field]}”"


def origin(
    content: MapContent, opportunity: OpportunityElement, kinds: Mapping[int, str]
) -> Origin | None:
    """Where one opportunity came from (None: typed in, not converted); `kinds` is
    note_kinds() of the map."""
    values = field_values(opportunity)
    note_id = values.get("origin_note_id")
    text = str(values.get("origin_text") or "")
    element = element_name(content, values.get("origin_element"))
    if note_id is None and not text and not element:
        return None
    return Origin(
        kinds.get(note_id, "") if isinstance(note_id, int) else "",
        text,
        content.stage_name(values.get("origin_stage_id")),
        element,
    )


def opportunities_by_stage(content: MapContent) -> dict[int, list[OpportunityElement]]:
    """The stage side of the origin: for each stage (by id), the opportunities that came from
    its notes, in the opportunities' order."""
    found: dict[int, list[OpportunityElement]] = {}
    for o in content.opportunities:
        stage_id = field_values(o).get("origin_stage_id")
        if isinstance(stage_id, int) and content.find("stage", stage_id) is not None:
            found.setdefault(stage_id, []).append(o)
    return found


def became(content: MapContent, converted_to: str) -> str:
    """The note side: what a converted note became, e.g. Became opportunity “Faster SSO”
    ("" for a note not converted; says so when the element was deleted since)."""
    if not converted_to:
        return ""
    name = element_name(content, converted_to)
    if name:
        return f"Became {name[:1].lower()}{name[1:]}"
    kind = converted_to.partition(":")[0]
    noun = KINDS[kind].label.lower() if kind in KINDS else "an element"
    return f"Became a {noun}, since deleted"
