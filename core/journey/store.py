"""Reading and writing map rows as plain dicts: the one place that touches journey ORM objects.

Everything above this module works on dicts (`{"id", "version", "position", field: value}`)
and frozen dataclasses, so pages, caches and exports never hold a live ORM object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models import JourneyMap, MapChange, Segment
from core.journey.errors import JourneyError, LockedError
from core.journey.kinds import CHILD_KINDS, KINDS, MAP_KINDS, spec

COLLECTION = {
    "stage": "stages",
    "milestone": "milestones",
    "touchpoint": "touchpoints",
    "signal": "signals",
    "risk": "risks",
    "opportunity": "opportunities",
}
CONTENT_KINDS: tuple[str, ...] = (*MAP_KINDS, "opportunity")


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


@dataclass(frozen=True)
class MapContent:
    """A map with every element as a dict, in display order."""

    info: MapInfo
    elements: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return self.elements.get(kind, [])

    @property
    def stages(self) -> list[dict[str, Any]]:
        return self.of("stage")

    def find(self, kind: str, element_id: int) -> dict[str, Any] | None:
        return next((e for e in self.of(kind) if e["id"] == element_id), None)

    def stage_name(self, stage_id: int | None) -> str:
        stage = self.find("stage", stage_id) if stage_id is not None else None
        return stage["name"] if stage else ""

    def children(self, kind: str, stage_id: int | None) -> list[dict[str, Any]]:
        return [e for e in self.of(kind) if e.get("stage_id") == stage_id]


def now() -> datetime:
    """Naive UTC, the form both backends store and return for these columns."""
    return datetime.now(UTC).replace(tzinfo=None)


def get_map(session: Session, map_id: int) -> JourneyMap:
    journey = session.get(JourneyMap, map_id)
    if journey is None:
        raise JourneyError("That journey map no longer exists; someone may have deleted it.")
    return journey


def editable_map(session: Session, map_id: int, actor: Actor) -> JourneyMap:
    """The map, if this person may change it now (the facilitator's lock stops everyone else)."""
    journey = get_map(session, map_id)
    if journey.locked and not actor.facilitator:
        raise LockedError("The facilitator has locked this map; your change was not saved.")
    return journey


def segment_name(session: Session, segment_id: int | None) -> str | None:
    if segment_id is None:
        return None
    seg = session.get(Segment, segment_id)
    return seg.name if seg else None


def map_info(session: Session, journey: JourneyMap) -> MapInfo:
    return MapInfo(
        id=journey.id,
        workspace_id=journey.workspace_id,
        name=journey.name,
        segment=segment_name(session, journey.segment_id),
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


def plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def row_dict(kind: str, row: Any) -> dict[str, Any]:
    """One element as a JSON-safe dict: identity, version, place and every field."""
    s = spec(kind)
    out: dict[str, Any] = {"id": row.id, "version": row.version}
    if s.has_position:
        out["position"] = row.position
    for name in s.field_names:
        out[name] = plain(getattr(row, name))
    return out


def rows(journey: JourneyMap, kind: str) -> list[Any]:
    found = list(getattr(journey, COLLECTION[kind]))
    return sorted(found, key=lambda r: (getattr(r, "position", 0), r.id))


def find_row(journey: JourneyMap, kind: str, element_id: int) -> Any:
    row = next((r for r in getattr(journey, COLLECTION[kind]) if r.id == element_id), None)
    if row is None:
        raise JourneyError(
            f"That {spec(kind).label.lower()} no longer exists; someone may have deleted it."
        )
    return row


def content(session: Session, journey: JourneyMap) -> MapContent:
    elements = {kind: [row_dict(kind, r) for r in rows(journey, kind)] for kind in CONTENT_KINDS}
    return MapContent(map_info(session, journey), elements)


def load(session: Session, map_id: int) -> MapContent:
    return content(session, get_map(session, map_id))


def set_fields(kind: str, row: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if spec(kind).field(name).type == "date" and isinstance(value, str):
            value = date.fromisoformat(value)
        setattr(row, name, value)


def new_row(journey: JourneyMap, kind: str, values: dict[str, Any], **ident: Any) -> Any:
    row = KINDS[kind].model(**ident)
    set_fields(kind, row, values)
    getattr(journey, COLLECTION[kind]).append(row)
    return row


def record(
    session: Session,
    journey: JourneyMap,
    actor: Actor,
    action: str,
    kind: str,
    element_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Write the audit line (also the undo stack) and move the map's revision on."""
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
        )
    )
    journey.version += 1


def next_position(journey: JourneyMap, kind: str) -> int:
    found = [r.position for r in getattr(journey, COLLECTION[kind])]
    return max(found, default=-1) + 1


def unique_map_name(session: Session, workspace_id: int, name: str, except_id: int = 0) -> None:
    query = select(JourneyMap.id).where(
        JourneyMap.workspace_id == workspace_id,
        func.lower(JourneyMap.name) == name.lower(),
        JourneyMap.id != except_id,
    )
    if session.scalars(query).first() is not None:
        raise JourneyError(f"A map called “{name}” already exists in this workspace.")


def children_of_stage(journey: JourneyMap, stage_id: int) -> dict[str, list[int]]:
    return {
        kind: [r.id for r in getattr(journey, COLLECTION[kind]) if r.stage_id == stage_id]
        for kind in CHILD_KINDS
    }
