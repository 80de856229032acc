"""Journey maps as a whole: list, create from a template, duplicate, change settings, delete.

Listing reads the whole workspace, so a guest (whose link reaches one map) may not; making,
copying, changing and deleting maps is for those who may manage them (Action.EDIT_JOURNEYS:
owners and editors), never for viewers or workshop participants."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.db.models import JourneyMap, Segment, Workspace
from core.journey.errors import ConflictError, JourneyError
from core.journey.exchange import STATES, build_map, to_document
from core.journey.history import map_settings
from core.journey.store import (
    Actor,
    MapInfo,
    content,
    editable_map,
    get_map,
    map_for_update,
    map_info,
    record,
    unique_map_name,
)
from core.journey.templates import template

MAX_MAP_NAME = 120


def list_maps(session: Session, workspace_id: int) -> list[MapInfo]:
    """Every map of the workspace, by name; members only (a guest reaches one map)."""
    require(session, Action.READ, workspace_id)
    if session.get(Workspace, workspace_id) is None:
        raise JourneyError("That workspace no longer exists.")
    query = (
        select(JourneyMap, Segment.name)
        .outerjoin(Segment, Segment.id == JourneyMap.segment_id)
        .where(JourneyMap.workspace_id == workspace_id)
        .order_by(JourneyMap.name, JourneyMap.id)
    )
    # One query for all maps with their segments' names (not one more per map).
    return [map_info(session, m, segment) for m, segment in session.execute(query)]


def map_revision(session: Session, map_id: int) -> int:
    """The map's revision counter: cheap to poll, moves on with every recorded change."""
    return get_map(session, map_id).version


def _segment(session: Session, workspace_id: int, segment: object) -> int | None:
    if not segment:
        return None
    query = select(Segment.id).where(Segment.workspace_id == workspace_id, Segment.name == segment)
    found = session.scalars(query).first()
    if found is None:
        raise JourneyError(f"Segment “{segment}” does not exist in this workspace.")
    return found


def create_map(
    session: Session,
    workspace_id: int,
    template_key: str,
    actor: Actor,
    *,
    name: str = "",
    segment: str | None = None,
    variant: str = "happy path",
    state: str = "current",
) -> MapInfo:
    """A new map filled from a template, ready to adapt."""
    require(session, Action.EDIT_JOURNEYS, workspace_id)
    if session.get(Workspace, workspace_id) is None:
        raise JourneyError("That workspace no longer exists.")
    doc = copy.deepcopy(template(template_key).data)
    doc["map"].update(
        {
            "segment": segment,
            "variant": _clean(variant, "variant") or "happy path",
            "state": _state(state),
        }
    )
    _segment(session, workspace_id, segment)
    info, _ = build_map(session, workspace_id, doc, actor, name=_name(name or doc["map"]["name"]))
    return info


def _name(name: object) -> str:
    cleaned = _clean(name, "name")
    if not cleaned:
        raise JourneyError("A map needs a name.")
    return cleaned


def _clean(value: object, what: str) -> str:
    cleaned = " ".join(str(value or "").split())
    if len(cleaned) > MAX_MAP_NAME:
        raise JourneyError(f"Keep the map's {what} under {MAX_MAP_NAME} characters.")
    return cleaned


def _state(state: object) -> str:
    if not isinstance(state, str) or state not in STATES:
        raise JourneyError(f"A map's state is current or ideal, not “{state}”.")
    return state


def duplicate_map(
    session: Session,
    map_id: int,
    name: str,
    actor: Actor,
    *,
    state: str | None = None,
    variant: str | None = None,
) -> MapInfo:
    """A full copy under a new name, e.g. the ideal state drawn from the current one; the
    original is locked while it is read, so the copy is one state of it."""
    journey = map_for_update(session, map_id, Action.EDIT_JOURNEYS)
    doc = to_document(content(session, journey))
    if state is not None:
        doc["map"]["state"] = _state(state)
    if variant is not None:
        doc["map"]["variant"] = _clean(variant, "variant") or "happy path"
    info, _ = build_map(session, journey.workspace_id, doc, actor, name=_name(name))
    return info


def update_map(
    session: Session,
    map_id: int,
    changes: Mapping[str, object],
    started_from: Mapping[str, object],
    actor: Actor,
) -> MapInfo:
    """Rename the map or change its segment, variant or state.

    `started_from` holds the values the editor showed; if someone changed one of those meanwhile
    the edit is refused with both values (map settings are compared by value, not by the map's
    revision, so a colleague adding a touchpoint does not block a rename). The comparison runs
    under the map's row lock, so nobody's setting can land between it and the write.
    """
    journey = editable_map(session, map_id, actor, Action.EDIT_JOURNEYS)
    unknown = set(changes) - {"name", "segment", "variant", "state"}
    if unknown:
        raise JourneyError(f"Unknown map setting(s): {', '.join(sorted(unknown))}.")
    current = _settings_view(session, journey)
    stale = {k: v for k, v in started_from.items() if k in changes and current.get(k) != v}
    if stale:
        raise ConflictError(
            f"Map “{journey.name}”",
            {k: changes[k] for k in stale},
            {k: current[k] for k in stale},
        )
    before = map_settings(journey)
    try:
        with session.begin_nested():  # a rename racing another map's rename to the same name
            _apply_settings(session, journey, changes)
            session.flush()
    except IntegrityError:
        raise JourneyError(
            f"A map called “{changes.get('name')}” already exists in this workspace."
        ) from None
    after = map_settings(journey)
    if before != after:
        record(session, journey, actor, "edit", "map", journey.id, before, after)
    return map_info(session, journey)


def _settings_view(session: Session, journey: JourneyMap) -> dict[str, str | None]:
    seg = session.get(Segment, journey.segment_id) if journey.segment_id else None
    return {
        "name": journey.name,
        "variant": journey.variant,
        "state": journey.state,
        "segment": seg.name if seg else None,
    }


def _apply_settings(session: Session, journey: JourneyMap, changes: Mapping[str, object]) -> None:
    if "name" in changes:
        name = _name(changes["name"])
        unique_map_name(session, journey.workspace_id, name, except_id=journey.id)
        journey.name = name
    if "variant" in changes:
        journey.variant = _clean(changes["variant"], "variant") or "happy path"
    if "state" in changes:
        journey.state = _state(changes["state"])
    if "segment" in changes:
        journey.segment_id = _segment(session, journey.workspace_id, changes["segment"])


def delete_map(session: Session, map_id: int, actor: Actor) -> None:
    """Delete a map with its history; only who may manage maps (not a participant or a
    viewer) may. Changes under way finish first (the map's lock), so none of them meets half
    a deleted map."""
    if not actor.facilitator:
        raise JourneyError("Only the facilitator can delete a map.")
    journey = map_for_update(session, map_id, Action.EDIT_JOURNEYS)
    session.delete(journey)
