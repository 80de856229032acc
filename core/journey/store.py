"""Reading and writing map rows as plain dicts: the one place that touches journey ORM objects.

Everything above this module works on dicts (`{"id", "version", "position", field: value}`,
one shape per kind in shapes.py) and frozen dataclasses, so pages, caches and exports never
hold a live ORM object.

Who acts: every use case of the package checks the identity bound to its session
(core.access.guard) against the map it touches. get_map checks a read, map_for_update and
editable_map a change of the map's elements unless told a stricter action (changing the map
itself: Action.EDIT_JOURNEYS); the check runs once the map is found, so it knows the map's
workspace, and a guest passes only for the one map its link names.

Concurrency: every writer of a map first takes the map's row lock (map_for_update), then writes
each element with a statement that checks its version (compare_and_set, drop_row), and moves
the map's revision on in SQL (bump). The lock makes the writers of one map queue rather than
interleave, on PostgreSQL and on SQLite alike, so rules across rows (unique names, order, the
undo stack) hold, and it fixes the order locks are taken in (map first, then its rows), so two
bulk saves cannot deadlock. The versioned statements keep each element write safe on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal, TypeAlias, cast, overload

from sqlalchemy import CursorResult, Delete, Update, delete, func, select, update
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.access.guard import acting, require
from core.access.roles import Action
from core.db.models import JourneyMap, MapChange, MapElement, Segment, StageChild
from core.journey.errors import ConflictError, JourneyError, LockedError
from core.journey.kinds import CHILD_KINDS, KINDS, MAP_KINDS, ElementRow, spec
from core.journey.shapes import (
    ChildElement,
    ChildKind,
    CleanValue,
    Element,
    ElementLists,
    FieldValue,
    Kind,
    MapKind,
    MilestoneElement,
    OpportunityElement,
    Payload,
    Placement,
    RiskElement,
    SignalElement,
    StageElement,
    TouchpointElement,
)

COLLECTION = {
    "stage": "stages",
    "milestone": "milestones",
    "touchpoint": "touchpoints",
    "signal": "signals",
    "risk": "risks",
    "opportunity": "opportunities",
}
CONTENT_KINDS: tuple[Kind, ...] = (*MAP_KINDS, "opportunity")


@dataclass(frozen=True)
class Actor:
    """Who is acting: a display name, and whether they run the session (and may pass a lock)."""

    name: str = "Facilitator"
    facilitator: bool = True

    @property
    def label(self) -> str:
        return " ".join(self.name.split())[:80] or "Someone"


@dataclass(frozen=True)
class MapInfo:
    """A plain copy of a map's own settings (its elements live in MapContent)."""

    id: int
    workspace_id: int
    name: str
    segment: str | None
    segment_id: int | None
    variant: str
    state: str
    template: str
    version: int
    locked: bool
    presenting_stage_id: int | None
    timer_started_at: datetime | None
    timer_minutes: int
    created_at: datetime | None

    @property
    def title(self) -> str:
        parts = [self.segment or "All segments", self.variant, self.state]
        return f"{self.name} ({' · '.join(p for p in parts if p)})"


# What MapContent.of and .children give back, across their overloads.
_KindList: TypeAlias = (
    list[StageElement]
    | list[MilestoneElement]
    | list[TouchpointElement]
    | list[SignalElement]
    | list[RiskElement]
    | list[OpportunityElement]
    | list[ChildElement]
    | list[Element]
)
_ChildKindList: TypeAlias = (
    list[MilestoneElement]
    | list[TouchpointElement]
    | list[SignalElement]
    | list[RiskElement]
    | list[ChildElement]
)


@dataclass(frozen=True)
class MapContent:
    """A map with every element as a dict, in display order.

    `elements[kind]` holds only that kind's dicts (content() builds it from that kind's rows),
    which is what lets `of` and `find` promise the kind's own shape.
    """

    info: MapInfo
    elements: ElementLists = field(default_factory=dict)

    @overload
    def of(self, kind: Literal["stage"]) -> list[StageElement]: ...
    @overload
    def of(self, kind: Literal["milestone"]) -> list[MilestoneElement]: ...
    @overload
    def of(self, kind: Literal["touchpoint"]) -> list[TouchpointElement]: ...
    @overload
    def of(self, kind: Literal["signal"]) -> list[SignalElement]: ...
    @overload
    def of(self, kind: Literal["risk"]) -> list[RiskElement]: ...
    @overload
    def of(self, kind: Literal["opportunity"]) -> list[OpportunityElement]: ...
    @overload
    def of(self, kind: ChildKind) -> list[ChildElement]: ...
    @overload
    def of(self, kind: MapKind) -> list[StageElement] | list[ChildElement]: ...
    @overload
    def of(self, kind: str) -> list[Element]: ...
    def of(self, kind: str) -> _KindList:
        return self.elements.get(kind, [])

    @property
    def stages(self) -> list[StageElement]:
        return self.of("stage")

    @property
    def opportunities(self) -> list[OpportunityElement]:
        return self.of("opportunity")

    @overload
    def find(self, kind: Literal["stage"], element_id: int) -> StageElement | None: ...
    @overload
    def find(self, kind: Literal["milestone"], element_id: int) -> MilestoneElement | None: ...
    @overload
    def find(self, kind: Literal["touchpoint"], element_id: int) -> TouchpointElement | None: ...
    @overload
    def find(self, kind: Literal["signal"], element_id: int) -> SignalElement | None: ...
    @overload
    def find(self, kind: Literal["risk"], element_id: int) -> RiskElement | None: ...
    @overload
    def find(self, kind: Literal["opportunity"], element_id: int) -> OpportunityElement | None: ...
    @overload
    def find(self, kind: ChildKind, element_id: int) -> ChildElement | None: ...
    @overload
    def find(self, kind: MapKind, element_id: int) -> StageElement | ChildElement | None: ...
    @overload
    def find(self, kind: str, element_id: int) -> Element | None: ...
    def find(self, kind: str, element_id: int) -> Element | None:
        return next((e for e in self.of(kind) if e["id"] == element_id), None)

    def stage_name(self, stage_id: object) -> str:
        """The name of the stage with this id; "" for None or an id no stage has (any value an
        element's stage_id may hold, so field-driven code can pass one as it is)."""
        stage = (
            next((s for s in self.stages if s["id"] == stage_id), None)
            if stage_id is not None
            else None
        )
        return stage["name"] if stage else ""

    @overload
    def children(
        self, kind: Literal["milestone"], stage_id: int | None
    ) -> list[MilestoneElement]: ...
    @overload
    def children(
        self, kind: Literal["touchpoint"], stage_id: int | None
    ) -> list[TouchpointElement]: ...
    @overload
    def children(self, kind: Literal["signal"], stage_id: int | None) -> list[SignalElement]: ...
    @overload
    def children(self, kind: Literal["risk"], stage_id: int | None) -> list[RiskElement]: ...
    @overload
    def children(self, kind: str, stage_id: int | None) -> list[ChildElement]: ...
    def children(self, kind: str, stage_id: int | None) -> _ChildKindList:
        """The elements of a child kind (CHILD_KINDS) on one stage; None: on no stage."""
        found = [e for e in self.of(kind) if e.get("stage_id") == stage_id]
        return cast("list[ChildElement]", found)  # only child kinds have a stage_id to match


def now() -> datetime:
    """Naive UTC, the form both backends store and return for these columns."""
    return datetime.now(UTC).replace(tzinfo=None)


GONE = "That journey map no longer exists; someone may have deleted it."


def get_map(session: Session, map_id: int, action: Action = Action.READ) -> JourneyMap:
    """The map, if the acting identity may `action` on it (reading, unless told otherwise)."""
    journey = session.get(JourneyMap, map_id)
    if journey is None:
        raise JourneyError(GONE)
    require(session, action, journey.workspace_id, map_id=map_id)
    return journey


def map_for_update(
    session: Session, map_id: int, action: Action = Action.EDIT_MAP_CONTENT
) -> JourneyMap:
    """The map with its row locked until the transaction ends; every writer of a map calls
    this before reading anything else of it (see the module's note on concurrency).

    The lock is a write that changes nothing (`version = version`): on PostgreSQL it holds the
    row (without blocking inserts elsewhere that only check the map exists), on SQLite it takes
    the database's write lock for the rest of the transaction, so no other writer can commit
    between what this transaction reads and what it writes, however the transaction began.
    The map is then read afresh, not trusted from an earlier read in this session.

    The lock statement also gives the map's workspace, so who acts is checked (`action`, a
    change of the elements unless told otherwise) before anything of the map is read; a
    refusal ends the transaction with nothing changed.
    """
    locked = session.execute(
        update(JourneyMap)
        .where(JourneyMap.id == map_id)
        .values(version=JourneyMap.version)
        .returning(JourneyMap.workspace_id)
        .execution_options(synchronize_session=False)
    ).first()
    if locked is None:
        raise JourneyError(GONE)
    require(session, action, locked.workspace_id, map_id=map_id)
    journey = session.get(JourneyMap, map_id, populate_existing=True)
    if journey is None:
        raise JourneyError(GONE)
    return journey


def editable_map(
    session: Session, map_id: int, actor: Actor, action: Action = Action.EDIT_MAP_CONTENT
) -> JourneyMap:
    """The map, locked for this change, if this person may change it now: they may `action`
    (a change of the elements unless told otherwise), and the facilitator's lock stops
    everyone who does not facilitate (the acting identity may not manage maps, or the page
    says this person takes part rather than facilitates)."""
    journey = map_for_update(session, map_id, action)
    facilitates = acting(session).facilitates and actor.facilitator
    if journey.locked and not facilitates:
        raise LockedError("The facilitator has locked this map; your change was not saved.")
    return journey


def segment_name(session: Session, segment_id: int | None) -> str | None:
    if segment_id is None:
        return None
    seg = session.get(Segment, segment_id)
    return seg.name if seg else None


_UNREAD = object()


def map_info(session: Session, journey: JourneyMap, segment: object = _UNREAD) -> MapInfo:
    """The map's settings as plain values; `segment`, the segment's name when the caller read
    it already (list_maps reads every map's in the same query), else it is read here."""
    return MapInfo(
        id=journey.id,
        workspace_id=journey.workspace_id,
        name=journey.name,
        segment=(
            segment_name(session, journey.segment_id)
            if segment is _UNREAD
            else cast("str | None", segment)
        ),
        segment_id=journey.segment_id,
        variant=journey.variant,
        state=journey.state,
        template=journey.template,
        version=journey.version,
        locked=journey.locked,
        presenting_stage_id=journey.presenting_stage_id,
        timer_started_at=journey.timer_started_at,
        timer_minutes=journey.timer_minutes,
        created_at=journey.created_at,
    )


def plain(value: CleanValue) -> FieldValue:
    return value.isoformat() if isinstance(value, date) else value


def row_values(kind: str, row: ElementRow) -> dict[str, FieldValue]:
    """One element as a JSON-safe dict: identity, version, place and every field."""
    s = spec(kind)
    out: dict[str, FieldValue] = {"id": row.id, "version": row.version}
    if s.has_position and isinstance(row, MapElement):  # has_position: the MapElement tables
        out["position"] = row.position
    for name in s.field_names:
        out[name] = plain(getattr(row, name))
    return out


def row_dict(kind: str, row: ElementRow) -> Element:
    """row_values in the kind's own shape (shapes.py spells out the keys of each kind)."""
    return cast("Element", row_values(kind, row))  # the keys are the kind's: KINDS lists them


def collection(journey: JourneyMap, kind: str) -> list[ElementRow]:
    """The map's own relationship list of a kind: appending or removing changes the map.

    Only rows of that kind may go in; the union type cannot say which kind a list holds.
    """
    found: list[ElementRow] = getattr(journey, COLLECTION[kind])
    return found


def positioned_rows(journey: JourneyMap, kind: str) -> list[MapElement]:
    """collection() of a kind with a position (every kind but opportunity)."""
    found: list[MapElement] = getattr(journey, COLLECTION[kind])
    return found


def child_rows(journey: JourneyMap, kind: str) -> list[StageChild]:
    """collection() of a kind that hangs from a stage (CHILD_KINDS)."""
    found: list[StageChild] = getattr(journey, COLLECTION[kind])
    return found


def rows(journey: JourneyMap, kind: str) -> list[ElementRow]:
    return sorted(collection(journey, kind), key=lambda r: (getattr(r, "position", 0), r.id))


def find_row(journey: JourneyMap, kind: str, element_id: int) -> ElementRow:
    row = next((r for r in collection(journey, kind) if r.id == element_id), None)
    if row is None:
        raise JourneyError(
            f"That {spec(kind).label.lower()} no longer exists; someone may have deleted it."
        )
    return row


def content(session: Session, journey: JourneyMap) -> MapContent:
    elements: ElementLists = {
        kind: [row_dict(kind, r) for r in rows(journey, kind)] for kind in CONTENT_KINDS
    }
    return MapContent(map_info(session, journey), elements)


def load(session: Session, map_id: int) -> MapContent:
    """The map with its elements, if the acting identity may read it."""
    return content(session, get_map(session, map_id))


def set_fields(kind: str, row: ElementRow, values: Mapping[str, CleanValue]) -> None:
    for name, value in values.items():
        if spec(kind).field(name).type == "date" and isinstance(value, str):
            value = date.fromisoformat(value)
        setattr(row, name, value)


def new_row(
    journey: JourneyMap, kind: str, values: Mapping[str, CleanValue], **ident: int
) -> ElementRow:
    row = KINDS[kind].model(**ident)
    set_fields(kind, row, values)
    collection(journey, kind).append(row)
    return row


def bump(session: Session, journey: JourneyMap) -> int:
    """Move the map's revision on by one, in SQL, and return the new revision.

    `version = version + 1` in the statement: a read-modify-write in Python loses increments
    when two transactions overlap, and open screens refresh on this number.
    """
    statement = (
        update(JourneyMap)
        .where(JourneyMap.id == journey.id)
        .values(version=JourneyMap.version + 1)
        .returning(JourneyMap.version)
        .execution_options(synchronize_session=False)
    )
    revision = session.execute(statement).scalar_one()
    set_committed_value(journey, "version", revision)
    return revision


def record(
    session: Session,
    journey: JourneyMap,
    actor: Actor,
    action: str,
    kind: str,
    element_id: int | None,
    before: Payload | None,
    after: Payload | None,
) -> int:
    """Write the audit line (also the undo stack) and move the map's revision on, once per
    stored change; returns the revision the change produced (kept on the line). The line
    keeps who acts (`actor_key`, the bound identity's person), which a participant's undo
    is limited to."""
    revision = bump(session, journey)
    session.add(
        MapChange(
            map_id=journey.id,
            at=now(),
            who=actor.label,
            action=action,
            element_kind=kind,
            element_id=element_id,
            before=before,
            after=after,
            revision=revision,
            actor_key=acting(session).person,
        )
    )
    return revision


def first_version(journey: JourneyMap) -> int:
    """The version a new or re-created element starts at: the revision its change produces.

    Every change moves the map's revision on once and an element's version by one at most, so
    no element ever holds a version above the revision of its last write. Starting here, an
    element that takes the id of a deleted one (SQLite reuses the highest id) or comes back
    under its old id (undo, restore) is at a version no form opened on the old one can hold,
    and a stale form cannot write to it.
    """
    return journey.version + 1


def next_position(journey: JourneyMap, kind: str) -> int:
    found = [r.position for r in positioned_rows(journey, kind)]
    return max(found, default=-1) + 1


def unique_map_name(session: Session, workspace_id: int, name: str, except_id: int = 0) -> None:
    query = select(JourneyMap.id).where(
        JourneyMap.workspace_id == workspace_id,
        func.lower(JourneyMap.name) == name.lower(),
        JourneyMap.id != except_id,
    )
    if session.scalars(query).first() is not None:
        raise JourneyError(f"A map called “{name}” already exists in this workspace.")


def children_of_stage(journey: JourneyMap, stage_id: int) -> Placement:
    return {
        kind: [r.id for r in child_rows(journey, kind) if r.stage_id == stage_id]
        for kind in CHILD_KINDS
    }


def updated_rows(session: Session, statement: Update | Delete) -> int:
    """How many rows an UPDATE or DELETE changed. Session.execute is typed as giving a plain
    Result, but a statement without RETURNING gives a CursorResult, the one with rowcount."""
    result = cast("CursorResult[()]", session.execute(statement))
    return result.rowcount


def typed(kind: str, values: Mapping[str, CleanValue]) -> dict[str, CleanValue]:
    """Values as the columns take them: a date field given as ISO text becomes a date."""
    return {
        name: date.fromisoformat(value)
        if spec(kind).field(name).type == "date" and isinstance(value, str)
        else value
        for name, value in values.items()
    }


def label_of(kind: str, row: ElementRow) -> str:
    """How messages name an element: its kind and its name, e.g. Touchpoint “Welcome call”."""
    return f"{spec(kind).label} “{getattr(row, spec(kind).label_field)}”"


def fields_of(kind: str, row: ElementRow) -> dict[str, FieldValue]:
    return {k: v for k, v in row_values(kind, row).items() if k in spec(kind).field_names}


def conflict(
    kind: str, row: ElementRow, mine: Mapping[str, CleanValue], expected: int
) -> ConflictError:
    """Someone saved this element since `expected`: both values of the fields in `mine`."""
    theirs = fields_of(kind, row)
    return ConflictError(
        label_of(kind, row),
        {k: plain(v) for k, v in mine.items()},
        {k: theirs.get(k) for k in mine},
        (expected, row.version),
    )


def compare_and_set(
    session: Session, kind: str, row: ElementRow, values: Mapping[str, CleanValue], expected: int
) -> None:
    """Write some fields of one element only if it is still at `expected`, in one statement
    (`UPDATE ... WHERE id = :id AND version = :expected`, version + 1 in SQL); a concurrent
    writer cannot slip between the check and the write. Raises ConflictError otherwise."""
    model = KINDS[kind].model
    written = typed(kind, values)
    version = session.execute(
        update(model)
        .where(model.id == row.id, model.version == expected)
        .values(**written, version=model.version + 1)
        .returning(model.version)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if version is not None:  # the row in this session now holds what was written
        for name, value in {**written, "version": version}.items():
            set_committed_value(row, name, value)
        return
    try:
        session.refresh(row)
    except InvalidRequestError:  # the row is gone: deleted since it was read
        raise JourneyError(
            f"{label_of(kind, row)} was deleted by someone else while you were editing; "
            "nothing was saved."
        ) from None
    raise conflict(kind, row, values, expected)


def drop_row(
    session: Session, journey: JourneyMap, kind: str, row: ElementRow, expected: int
) -> bool:
    """Delete one element only if it is still at `expected`, in one statement; False (and
    nothing deleted) when someone changed or deleted it meanwhile."""
    model = KINDS[kind].model
    gone = updated_rows(
        session,
        delete(model)
        .where(model.id == row.id, model.version == expected)
        .execution_options(synchronize_session=False),
    )
    if gone != 1:
        return False
    # The row is gone from the database; the map's list of that kind is read again when needed.
    session.expunge(row)
    session.expire(journey, [COLLECTION[kind]])
    return True
