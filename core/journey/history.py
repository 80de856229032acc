"""History of a map: the audit trail and undo.

Undo takes back the most recent change not yet undone (a stack). Two rules keep it from taking
back more than the person meant under concurrency: the page names the change its Undo button
showed (`expected_change_id`), and a change is only taken back while what it touched is still
exactly as it left it. Otherwise nothing is undone and the message says what changed since.
Undo is recorded too (the trail says who took what back) and, like every stored change, moves
the map's revision on once. Snapshots and restore live in snapshots.py.

Who may undo what: owners and editors take back the most recent change, whoever made it. A
guest (a workshop participant) takes back only their own changes: the change offered is their
latest not yet undone (MapChange.actor_key, the person who made it), and naming someone else's
change is refused. What they touched must still be as they left it, as for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.access.guard import acting
from core.access.identity import Access, PermissionDenied
from core.db.models import JourneyMap, MapChange, Opportunity
from core.journey.errors import JourneyError
from core.journey.kinds import field_label, spec
from core.journey.revert import (
    apply_content,
    content_matches,
    find,
    put_back,
    reattach,
    recreate,
    remove,
    same_fields,
    set_order,
    stored_elements,
)
from core.journey.shapes import Element, FieldValue, Json, Placement
from core.journey.store import (
    Actor,
    collection,
    editable_map,
    get_map,
    record,
    rows,
    updated_rows,
)

UNDOABLE = ("add", "edit", "delete", "reorder", "bulk", "restore")
"""Changes undo takes back ("undo" and "redo" lines are not: redo puts the change itself back
on the stack)."""
MAP_FIELDS = ("name", "variant", "state", "segment_id")


@dataclass(frozen=True)
class ChangeInfo:
    """One line of the history panel."""

    id: int
    at: datetime
    who: str
    action: str
    kind: str
    element_id: int | None
    summary: str
    undone: bool
    before: dict[str, Json] | None  # as stored; see _reverse for what each action keeps
    after: dict[str, Json] | None
    revision: int | None = None  # the map's revision this change produced


def _label(change: MapChange) -> str:
    values: dict[str, Json] = change.after or change.before or {}
    if change.element_kind == "map":
        return "the map"
    field = spec(change.element_kind).label_field if change.element_kind != "map" else "name"
    name = values.get(field)
    noun = spec(change.element_kind).label.lower()
    if change.action in ("reorder", "bulk"):
        return spec(change.element_kind).plural.lower()
    return f"{noun} “{name}”" if name else noun


def describe(change: MapChange) -> str:
    """A change in words, e.g. changed touchpoint “Welcome call” (Owner team)."""
    verbs = {
        "add": "added",
        "edit": "changed",
        "delete": "deleted",
        "reorder": "reordered",
        "bulk": "edited the table of",
        "restore": "restored",
        "undo": "undid a change to",
        "redo": "redid a change to",
        "create": "created",
    }
    if change.action == "restore":
        return f"restored the version “{(change.after or {}).get('label', '')}”"
    text = f"{verbs.get(change.action, change.action)} {_label(change)}"
    if change.action == "edit" and change.before and change.after:
        fields = [
            field_label(change.element_kind, k)
            for k in change.after
            if k != "version" and change.before.get(k) != change.after.get(k)
        ]
        if fields:
            text += f" ({', '.join(fields)})"
    return text


def _info(change: MapChange) -> ChangeInfo:
    return ChangeInfo(
        change.id,
        change.at,
        change.who,
        change.action,
        change.element_kind,
        change.element_id,
        describe(change),
        change.undone,
        change.before,
        change.after,
        change.revision,
    )


def list_changes(session: Session, map_id: int, limit: int = 200) -> list[ChangeInfo]:
    """Newest first: who changed what, when."""
    get_map(session, map_id)
    query = (
        select(MapChange)
        .where(MapChange.map_id == map_id)
        .order_by(MapChange.id.desc())
        .limit(limit)
    )
    return [_info(c) for c in session.scalars(query)]


def _own_only(access: Access) -> str | None:
    """Whose changes this identity may undo: None for anyone's (members, the system), else
    the guest's own person key ("" when it has none, which matches nothing)."""
    return access.person if access.is_guest else None


def _last_undoable(session: Session, map_id: int, own: str | None = None) -> MapChange | None:
    conditions = [
        MapChange.map_id == map_id,
        MapChange.undone.is_(False),
        MapChange.action.in_(UNDOABLE),
    ]
    if own is not None:
        if not own:
            return None
        conditions.append(MapChange.actor_key == own)
    query = select(MapChange).where(*conditions).order_by(MapChange.id.desc()).limit(1)
    return session.scalars(query).first()


def next_undo(session: Session, map_id: int) -> ChangeInfo | None:
    """What the undo button would take back for the acting identity, so it can say so before
    it is pressed: the latest change (a participant's: their own latest)."""
    get_map(session, map_id)
    change = _last_undoable(session, map_id, _own_only(acting(session)))
    return _info(change) if change else None


def undo(
    session: Session, map_id: int, actor: Actor, expected_change_id: int | None = None
) -> ChangeInfo:
    """Take back the most recent change to the map; raises when there is nothing to undo.

    `expected_change_id` is the change the Undo button named (next_undo().id): if another
    change came in since, or someone undid that one first, nothing is undone. None takes back
    whatever is most recent (callers that showed nothing).

    A participant undoes only their own changes (see the module's note): naming a change
    someone else made raises PermissionDenied, and nothing is undone.
    """
    journey = editable_map(session, map_id, actor)
    own = _own_only(acting(session))
    if expected_change_id is not None and own is not None:
        _refuse_others(session, map_id, expected_change_id, own)
    change = _last_undoable(session, map_id, own)
    if expected_change_id is not None and (change is None or change.id != expected_change_id):
        raise _moved_on(session, expected_change_id, change)
    if change is None:
        raise JourneyError(
            "There is nothing to undo on this map."
            if own is None
            else "There is no change of yours to undo on this map."
        )
    _check_untouched(journey, change)
    if not _flip(session, change, undone=True):  # two pressed Undo at once: one takes it
        raise JourneyError("Someone else has just undone that change; look at the map again.")
    _reverse(session, journey, change)
    session.flush()
    session.refresh(change)
    record(
        session,
        journey,
        actor,
        "undo",
        change.element_kind,
        change.element_id,
        _linked(change.after, UNDOES, change.id),
        change.before,
    )
    return _info(change)


# ------------------------------------------------------------------ redo

UNDOES = "undoes_change"
REDOES = "redoes_change"
"""The key an undo (redo) line keeps in its `before` payload: the id of the change it took
back (applied again), so redo knows which change a person's undo took back."""


REDO_DEPTH = 200
"""How far back a person's own lines are read for their redo: undos in a row beyond this are
not offered again (a room never presses Undo 200 times)."""


def _linked(payload: dict[str, Json] | None, key: str, change_id: int) -> dict[str, Json]:
    return {**(payload or {}), key: change_id}


def _redoable(session: Session, map_id: int, person: str) -> MapChange | None:
    """The change the acting person's Redo would apply again: the one their latest undo not
    yet redone took back, as long as they changed nothing since (a new change of theirs
    clears their redo, as in any editor). Walked newest first over their own lines: each redo
    cancels the undo before it; their own ordinary change ends the walk with nothing."""
    if not person:
        return None
    query = (
        select(MapChange)
        .where(
            MapChange.map_id == map_id,
            MapChange.actor_key == person,
            MapChange.action.in_((*UNDOABLE, "undo", "redo")),
        )
        .order_by(MapChange.id.desc())
        .limit(REDO_DEPTH)
    )
    skip = 0
    for line in session.scalars(query):
        if line.action == "redo":
            skip += 1
        elif line.action != "undo":
            return None
        elif skip:
            skip -= 1
        else:
            target = (line.before or {}).get(UNDOES)
            change = session.get(MapChange, target) if isinstance(target, int) else None
            ok = change is not None and change.map_id == map_id and change.undone
            return change if ok else None
    return None


def next_redo(session: Session, map_id: int) -> ChangeInfo | None:
    """What the acting person's Redo button would apply again (None: nothing), so the button
    can say so before it is pressed."""
    get_map(session, map_id)
    change = _redoable(session, map_id, acting(session).person)
    return _info(change) if change else None


def redo(
    session: Session, map_id: int, actor: Actor, expected_change_id: int | None = None
) -> ChangeInfo:
    """Apply again the change the acting person most recently undid (see _redoable).

    Like undo: `expected_change_id` is what the button named (next_redo().id), and a change
    is applied again only while what it touched is exactly as the undo left it; if someone
    else changed it since, nothing is redone and the message says who. The redo is recorded
    (and moves the map's revision on); the change is back on the undo stack."""
    journey = editable_map(session, map_id, actor)
    change = _redoable(session, map_id, acting(session).person)
    if change is None:
        raise JourneyError("There is nothing of yours to redo on this map.")
    if expected_change_id is not None and change.id != expected_change_id:
        raise JourneyError(
            "Nothing was redone: what your Redo button showed is no longer the change to "
            "redo. Look at the map and press Redo again if you mean it."
        )
    if not _as_undo_left(journey, change):
        raise _changed_since_undo(session, change)
    if not _flip(session, change, undone=False):
        raise JourneyError("That change was just redone from another screen; look again.")
    _apply(session, journey, change)
    session.flush()
    session.refresh(change)
    record(
        session,
        journey,
        actor,
        "redo",
        change.element_kind,
        change.element_id,
        _linked(change.before, REDOES, change.id),
        change.after,
    )
    return _info(change)


def _flip(session: Session, change: MapChange, *, undone: bool) -> bool:
    """Mark `change` undone (or redone) in one statement that only succeeds from the other
    state, so of two screens pressing at once exactly one takes it."""
    claimed = updated_rows(
        session,
        update(MapChange)
        .where(MapChange.id == change.id, MapChange.undone.is_(not undone))
        .values(undone=undone)
        .execution_options(synchronize_session=False),
    )
    return claimed == 1


def _as_undo_left(journey: JourneyMap, change: MapChange) -> bool:
    """Whether what `change` touched is still as its undo left it: as before the change."""
    kind, before = change.element_kind, change.before or {}
    if kind == "map":
        if change.action == "restore":
            return content_matches(journey, stored_elements(before))
        return all(getattr(journey, k) == before[k] for k in MAP_FIELDS if k in before)
    if change.action == "add":
        return find(journey, kind, change.element_id) is None
    if change.action in ("edit", "delete"):
        return same_fields(kind, find(journey, kind, change.element_id), cast("Element", before))
    if change.action == "reorder":
        return [r.id for r in rows(journey, kind)] == before.get("order")
    after = change.after or {}
    added = cast("list[int]", after.get("added", []))
    return all(same_fields(kind, find(journey, kind, e["id"]), e) for e in _rows(before)) and all(
        find(journey, kind, i) is None for i in added
    )


def _changed_since_undo(session: Session, change: MapChange) -> JourneyError:
    """Who changed what the change touched after it was undone, in words."""
    later = session.scalars(
        select(MapChange)
        .where(
            MapChange.map_id == change.map_id,
            MapChange.id > change.id,
            MapChange.element_kind == change.element_kind,
            MapChange.action != "undo",
            *([MapChange.element_id == change.element_id] if change.element_id else []),
        )
        .order_by(MapChange.id.desc())
        .limit(1)
    ).first()
    since = f"{later.who} {describe(later)}" if later is not None else "someone changed it"
    return JourneyError(
        f"Nothing was redone: since you undid it, {since}, and redoing “{describe(change)}” "
        "now would overwrite that change. Look at the map again."
    )


def _apply(session: Session, journey: JourneyMap, change: MapChange) -> None:
    """What `change` did, done again on the map as its undo left it."""
    kind = change.element_kind
    after: dict[str, Json] = change.after or {}
    if kind == "map":
        if change.action == "restore":
            apply_content(session, journey, stored_elements(after))
        else:
            _set_map_fields(journey, after)
        return
    if change.action in ("add", "edit"):
        put_back(session, journey, kind, cast("Element", after))
    elif change.action == "delete":
        remove(session, journey, kind, change.element_id)
    elif change.action == "reorder":
        set_order(journey, kind, cast("list[int]", after["order"]))
    elif change.action == "bulk":
        for values in _rows(after):
            put_back(session, journey, kind, values)
        for element_id in cast("list[int]", after.get("deleted", [])):
            remove(session, journey, kind, element_id)


def _refuse_others(session: Session, map_id: int, change_id: int, own: str) -> None:
    """A participant named a change of this map that they did not make."""
    change = session.get(MapChange, change_id)
    if change is not None and change.map_id == map_id and (not own or change.actor_key != own):
        raise PermissionDenied(
            f"You can only undo your own changes; {change.who} {describe(change)}, so only "
            "they or the facilitator can take it back. Nothing was undone."
        )


def _moved_on(session: Session, expected_id: int, latest: MapChange | None) -> JourneyError:
    expected = session.get(MapChange, expected_id)
    if expected is not None and expected.undone:
        return JourneyError("Someone else has just undone that change; look at the map again.")
    if latest is None:
        return JourneyError("There is nothing to undo on this map.")
    return JourneyError(
        f"Nothing was undone: since you looked, {latest.who} {describe(latest)}. Undo now "
        "would take that back instead; look at the map and press Undo again if you mean it."
    )


def _check_untouched(journey: JourneyMap, change: MapChange) -> None:
    """Refuse to take back a change whose elements were changed since by something the
    history does not show on top of it (the stack alone cannot promise that)."""
    if not _untouched(journey, change):
        raise JourneyError(
            f"Nothing was undone: what {change.who} {describe(change)} has changed since, "
            "and undoing it now would overwrite that change. Look at the map again."
        )


def _untouched(journey: JourneyMap, change: MapChange) -> bool:
    kind, after = change.element_kind, change.after or {}
    if kind == "map":
        if change.action == "restore":
            return content_matches(journey, stored_elements(after))
        return all(getattr(journey, k) == after[k] for k in MAP_FIELDS if k in after)
    if change.action in ("add", "edit"):
        return same_fields(kind, find(journey, kind, change.element_id), cast("Element", after))
    if change.action == "delete":
        return find(journey, kind, change.element_id) is None
    if change.action == "reorder":
        return [r.id for r in rows(journey, kind)] == after.get("order")
    rows_after = cast("list[Element]", after.get("rows", []))
    kept = {e["id"] for e in rows_after}
    gone = [e for e in _rows(change.before) if e["id"] not in kept]
    return all(same_fields(kind, find(journey, kind, e["id"]), e) for e in rows_after) and all(
        find(journey, kind, e["id"]) is None for e in gone
    )


def _rows(payload: dict[str, Json] | None) -> list[Element]:
    return cast("list[Element]", (payload or {}).get("rows", []))


def _reverse(session: Session, journey: JourneyMap, change: MapChange) -> None:
    kind = change.element_kind
    before: dict[str, Json] = change.before or {}
    if kind == "map":
        if change.action == "restore":
            apply_content(session, journey, stored_elements(before))
        else:
            _set_map_fields(journey, before)
        return
    if change.action == "add":
        remove(session, journey, kind, change.element_id)
    elif change.action == "edit":
        put_back(session, journey, kind, cast("Element", before))
    elif change.action == "delete":
        recreate(journey, kind, cast("Element", before))
        session.flush()
        if change.element_id is not None:
            reattach(session, journey, {change.element_id: _placement(before)})
            if kind == "stage":
                _origins_back(session, journey, {change.element_id})
    elif change.action == "reorder":
        set_order(journey, kind, cast("list[int]", before["order"]))
    elif change.action == "bulk":
        _reverse_bulk(session, journey, kind, before, change.after or {})


def _placement(before: dict[str, Json]) -> Placement:
    return cast("Placement", before.get("children", {}))


def _reverse_bulk(
    session: Session,
    journey: JourneyMap,
    kind: str,
    before: dict[str, Json],
    after: dict[str, Json],
) -> None:
    """Take back one table save and only it: rows it added go, rows it changed get their old
    values, rows it deleted come back (a stage with what hung from it). Records made before
    saves were differences hold the whole table, which the same reading handles."""
    old = {e["id"]: e for e in _rows(before)}
    new = {e["id"] for e in _rows(after)}
    for element_id in new - set(old):
        remove(session, journey, kind, element_id)
    for element_id, values in old.items():
        if element_id in new:
            put_back(session, journey, kind, values)
        else:
            recreate(journey, kind, values)
    session.flush()
    placed = cast("dict[str, Placement]", before.get("children", {}))
    reattach(session, journey, {int(k): v for k, v in placed.items()})
    if kind == "stage":
        _origins_back(session, journey, set(old) - new)


def _origins_back(session: Session, journey: JourneyMap, stage_ids: set[int]) -> None:
    """Opportunities that came from these stages point at them again once they are brought
    back: deleting a stage cleared their origin stage in the database (ON DELETE SET NULL),
    which the stage's own record cannot hold. The history says which stage each opportunity
    was last stored with; only origins still empty are set, and no version moves, as none
    moved when the database cleared them."""
    if not stage_ids:
        return
    last: dict[int, object] = {}
    query = (
        select(MapChange.after)
        .where(
            MapChange.map_id == journey.id,
            MapChange.element_kind == "opportunity",
            MapChange.action.in_(("add", "edit", "bulk")),
        )
        .order_by(MapChange.id)
    )
    for after in session.scalars(query):
        payload = cast("dict[str, Json]", after or {})
        rows = payload.get("rows") if "rows" in payload else [payload]
        for stored in cast("list[dict[str, Json]]", rows or []):
            if isinstance(stored.get("id"), int) and "origin_stage_id" in stored:
                last[cast("int", stored["id"])] = stored["origin_stage_id"]
    for opp in collection(journey, "opportunity"):
        stage = last.get(opp.id)
        if isinstance(opp, Opportunity) and opp.origin_stage_id is None and stage in stage_ids:
            session.execute(
                update(Opportunity)
                .where(Opportunity.id == opp.id, Opportunity.origin_stage_id.is_(None))
                .values(origin_stage_id=stage)
                .execution_options(synchronize_session=False)
            )
            session.expire(opp, ["origin_stage_id"])


def _set_map_fields(journey: JourneyMap, values: dict[str, Json]) -> None:
    for name in MAP_FIELDS:
        if name in values:
            setattr(journey, name, values[name])


def map_settings(journey: JourneyMap) -> dict[str, FieldValue]:
    return {"id": journey.id, **{k: getattr(journey, k) for k in MAP_FIELDS}}
