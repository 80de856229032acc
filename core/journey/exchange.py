"""Maps in and out: JSON and Excel with a versioned schema, and Markdown for sharing.

The document form names stages instead of database ids, so a file can be read by a person and
imported into any workspace; export then import gives back an identical map. Every imported
value passes the same checks as a typed-in one, and a bad file creates nothing.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

import fastexcel
import xlsxwriter
from polars.exceptions import PanicException
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.common.archives import check_workbook
from core.common.text import inert_markdown
from core.db.models import JourneyMap, Segment
from core.journey import limits
from core.journey.elements import clean
from core.journey.errors import JourneyError
from core.journey.kinds import CHILD_KINDS, EVIDENCE_LABELS, ROLE_LABELS, defaults, spec
from core.journey.shapes import field_values
from core.journey.store import (
    COLLECTION,
    CONTENT_KINDS,
    Actor,
    MapContent,
    MapInfo,
    map_info,
    new_row,
    record,
    unique_map_name,
)

SCHEMA = "waypoint.journey-map"
SCHEMA_VERSION = 1
MAP_KEYS = ("name", "variant", "state", "segment", "template")
STATES = ("current", "ideal")


ORIGIN_COLUMNS = ("origin_stage", "origin_element", "origin_text")
"""An opportunity's origin in a file: its stage by name, the element as "kind:name" and the
note's words. Ids mean nothing in another database, and notes are not exported, so the note
itself is left out; importing points the origin at the imported copy of its stage and
element, and a file without these columns (an older export) imports as before."""


def _export_fields(kind: str) -> list[str]:
    if kind == "opportunity":
        return [*(f.name for f in spec(kind).fields), *ORIGIN_COLUMNS]
    names = list(spec(kind).field_names)
    return ["stage" if n == "stage_id" else n for n in names]


def to_document(mapc: MapContent) -> dict[str, Any]:
    """The map as a plain document: schema header, map settings, one list per element kind."""
    info = mapc.info
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "map": {
            "name": info.name,
            "variant": info.variant,
            "state": info.state,
            "segment": info.segment,
            "template": info.template,
        },
    }
    for kind in CONTENT_KINDS:
        doc[COLLECTION[kind]] = [_export_row(mapc, kind, e) for e in mapc.of(kind)]
    return doc


def _export_row(mapc: MapContent, kind: str, element: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for name in _export_fields(kind):
        if name == "stage":
            out["stage"] = mapc.stage_name(element.get("stage_id")) or None
        elif name == "origin_stage":
            out[name] = mapc.stage_name(element.get("origin_stage_id")) or None
        elif name == "origin_element":
            out[name] = _element_ref(mapc, element.get("origin_element"))
        else:
            out[name] = element.get(name)
    return out


def _element_ref(mapc: MapContent, origin: object) -> str:
    """ "touchpoint:12" as "touchpoint:Welcome call" (names travel, ids do not); "" when the
    element is gone or there was none."""
    kind, _, ident = str(origin or "").partition(":")
    if kind not in ("stage", *CHILD_KINDS) or not ident.isdigit():
        return ""
    found = mapc.find(kind, int(ident))
    return f"{kind}:{field_values(found)[spec(kind).label_field]}" if found else ""


def to_json(mapc: MapContent) -> bytes:
    return json.dumps(to_document(mapc), indent=2, ensure_ascii=False).encode("utf-8")


def _check_size(data: bytes | str) -> None:
    if len(data) > limits.MAX_FILE_BYTES:
        raise JourneyError(
            f"The file is larger than {limits.MAX_FILE_BYTES // 1024 // 1024} MB; "
            f"a map may have {limits.describe()}."
        )


def from_json(data: bytes | str) -> dict[str, Any]:
    _check_size(data)
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise JourneyError(f"The file is not valid JSON ({exc}).") from None
    except RecursionError:
        raise JourneyError("The file is not valid JSON (it is nested too deeply).") from None
    return check_document(doc)


def check_document(doc: Any) -> dict[str, Any]:
    """Refuse files that are not journey maps or come from a newer schema, before reading."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise JourneyError(
            "This file is not a Waypoint journey map (its schema header is missing)."
        )
    version = doc.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise JourneyError("The file's schema_version is missing or not a whole number.")
    if version > SCHEMA_VERSION:
        raise JourneyError(
            f"The file uses schema version {version}; this app reads up to {SCHEMA_VERSION}. "
            "Update the app or export the map again from it."
        )
    if not isinstance(doc.get("map"), dict):
        raise JourneyError("The file has no “map” section with the map's name and settings.")
    total = 0
    for kind in CONTENT_KINDS:
        items = doc.get(COLLECTION[kind], [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise JourneyError(f"“{COLLECTION[kind]}” in the file must be a list of rows.")
        total += len(items)
        if len(items) > limits.limit_for(kind) or total > limits.MAX_ELEMENTS:
            raise JourneyError(
                f"The map has too many {spec(kind).plural.lower()} ({len(items):,}); "
                f"a map may have {limits.describe()}."
            )
    _refuse_unstorable(doc)
    return doc


def _refuse_unstorable(doc: dict[str, Any]) -> None:
    """Values no database column can hold, named with where they are: a NUL character
    (PostgreSQL cannot store one), a number too large for a float, a list or record where
    the map's own settings are plain text."""
    for key in MAP_KEYS:
        problem = _unstorable(doc["map"].get(key), setting=True)
        if problem:
            raise JourneyError(f"The map's {key} {problem}.")
    for kind in CONTENT_KINDS:
        for number, row in enumerate(doc.get(COLLECTION[kind], []), start=1):
            for field, value in row.items():
                problem = "contains a NUL character" if "\x00" in field else _unstorable(value)
                if problem:
                    raise JourneyError(f"{spec(kind).plural}, row {number}: {field} {problem}.")


def _unstorable(value: Any, *, setting: bool = False) -> str | None:
    if isinstance(value, str):
        return "contains a NUL character" if "\x00" in value else None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return "is too large a number"
    if setting and isinstance(value, list | dict):
        return "must be text"
    return None


# ------------------------------------------------------------------ building a map


def _segment_id(session: Session, workspace_id: int, name: Any) -> tuple[int | None, list[str]]:
    if not name:
        return None, []
    query = select(Segment.id).where(Segment.workspace_id == workspace_id, Segment.name == name)
    found = session.scalars(query).first()
    if found is None:
        return None, [f"Segment “{name}” does not exist in this workspace; the map has none."]
    return found, []


def _map_setting(doc: dict[str, Any], key: str, default: str) -> str:
    value = doc["map"].get(key)
    return " ".join(str(value).split()) if value else default


def build_map(
    session: Session,
    workspace_id: int,
    doc: Mapping[str, Any],
    actor: Actor,
    name: str | None = None,
) -> tuple[MapInfo, list[str]]:
    """Create a map from a checked document; every row is validated, else nothing is created.

    Returns the map and any warnings (such as a segment this workspace does not have). Only
    who may manage the workspace's maps (Action.EDIT_JOURNEYS) may import or create one.
    """
    require(session, Action.EDIT_JOURNEYS, workspace_id)
    doc = check_document(doc)
    name = " ".join((name or _map_setting(doc, "name", "")).split())
    if not name:
        raise JourneyError("A map needs a name.")
    if len(name) > 120:
        raise JourneyError("Keep the map name under 120 characters.")
    unique_map_name(session, workspace_id, name)
    state = _map_setting(doc, "state", "current")
    if state not in STATES:
        raise JourneyError(f"Map state “{state}” must be current or ideal.")
    segment_id, warnings = _segment_id(session, workspace_id, doc["map"].get("segment"))
    journey = JourneyMap(
        workspace_id=workspace_id,
        name=name,
        variant=_map_setting(doc, "variant", "happy path")[:200],
        state=state,
        template=_map_setting(doc, "template", "")[:40],
        segment_id=segment_id,
    )
    session.add(journey)
    session.flush()
    _fill(session, journey, doc)
    record(session, journey, actor, "create", "map", journey.id, None, {"name": name})
    session.flush()
    return map_info(session, journey), warnings


Checked = dict[str, list[tuple[dict[str, Any], str | None]]]


def _fill(session: Session, journey: JourneyMap, doc: dict[str, Any]) -> None:
    """Check every row in one pass, then write stages, then everything else: linear in the
    size of the map (a check or a flush per row made 8,000 stages take minutes)."""
    checked = _checked_rows(doc)
    stages = [
        new_row(journey, "stage", values, position=number)
        for number, (values, _) in enumerate(checked["stage"])
    ]
    session.flush()
    stage_ids = {
        str(values["name"]).lower(): row.id
        for (values, _), row in zip(checked["stage"], stages, strict=True)
    }
    made: dict[tuple[str, str], list[tuple[str | None, int]]] = {}
    for (values, _), row in zip(checked["stage"], stages, strict=True):
        made[("stage", str(values["name"]).lower())] = [(None, row.id)]
    for kind in CHILD_KINDS:
        children = []
        for number, (values, stage_key) in enumerate(checked[kind]):
            values["stage_id"] = stage_ids[stage_key] if stage_key is not None else None
            children.append((values, stage_key, new_row(journey, kind, values, position=number)))
        session.flush()
        for values, stage_key, row in children:
            made.setdefault((kind, str(values["name"]).lower()), []).append((stage_key, row.id))
    for values, _ in checked["opportunity"]:
        _point_origin(values, stage_ids, made)
        new_row(journey, "opportunity", values)
    session.flush()


def _point_origin(
    values: dict[str, Any],
    stage_ids: Mapping[str, int],
    made: Mapping[tuple[str, str], list[tuple[str | None, int]]],
) -> None:
    """An imported opportunity's origin pointed at the imported copies: its stage by name, its
    element ("kind:name") by kind and name, in the origin's stage when the name repeats in
    several stages. A reference that names nothing in the file is dropped; the words stay."""
    stage_key = values.pop("origin_stage", None)
    values["origin_stage_id"] = stage_ids.get(stage_key) if stage_key else None
    kind, _, name = str(values.pop("origin_element", "") or "").partition(":")
    found = made.get((kind, " ".join(name.split()).lower()), [])
    here = [i for key, i in found if key == stage_key] or [i for _, i in found]
    values["origin_element"] = f"{kind}:{here[0]}" if here else ""


def _checked_rows(doc: dict[str, Any]) -> Checked:
    """Every row cleaned and checked against the map's rules, without touching the database.

    Each value is paired with the key of its stage (the stage's name, lower-cased), resolved
    to an id once the stages exist.
    """
    checked: Checked = {}
    stage_keys: set[str] = set()
    for kind in ("stage", *CHILD_KINDS, "opportunity"):
        s = spec(kind)
        names: set[tuple[str, str | None]] = set()
        checked[kind] = []
        for number, raw in enumerate(doc.get(COLLECTION[kind], []), start=1):
            where = f"{s.plural}, row {number}"
            values = {k: v for k, v in raw.items() if k in s.field_names}
            known = {"stage", *(ORIGIN_COLUMNS if kind == "opportunity" else ())}
            extra = set(raw) - set(s.field_names) - known
            if extra:
                raise JourneyError(f"{where}: unknown column(s) {', '.join(sorted(extra))}.")
            stage_key = _stage_ref(stage_keys, raw.get("stage"), where) if s.has_stage else None
            for ident in ("stage_id", "origin_note_id", "origin_stage_id", "origin_element"):
                values.pop(ident, None)  # ids of another database; origin_element is re-read
            merged = {**defaults(kind), **clean(kind, values, where)}
            if kind == "opportunity":
                merged.update(_origin_refs(stage_keys, raw, where))
            _check_row(kind, merged, stage_key, names, where)
            checked[kind].append((merged, stage_key))
            if kind == "stage":
                stage_keys.add(str(merged["name"]).lower())
    return checked


def _check_row(
    kind: str,
    values: dict[str, Any],
    stage_key: str | None,
    names: set[tuple[str, str | None]],
    where: str,
) -> None:
    """The rules of core.journey.elements.check_whole, against the rows seen so far."""
    start, end = values.get("day_start"), values.get("day_end")
    if kind == "stage" and start is not None and end is not None and end < start:
        raise JourneyError(f"{where}: the day range ends (day {end}) before it starts ({start}).")
    per_map = kind in ("stage", "milestone", "opportunity")
    key = (str(values.get(spec(kind).label_field, "")).lower(), None if per_map else stage_key)
    if key in names:
        place = "in this map" if per_map else "in that stage"
        raise JourneyError(
            f"{where}: a {spec(kind).label.lower()} with that name already exists {place}."
        )
    names.add(key)


def _origin_refs(stage_keys: set[str], raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """An opportunity row's origin as the file gives it (stage name, "kind:name"), checked as
    text; _point_origin resolves both once the map's elements exist. A stage name that is not
    one of the file's stages is dropped rather than refusing the file: the origin's words
    still say where the idea came from."""
    stage = raw.get("origin_stage")
    key = " ".join(str(stage).split()).lower() if stage else None
    element = raw.get("origin_element") or ""
    if not isinstance(element, str) or len(element) > 400:
        raise JourneyError(f"{where}: origin_element must be “kind:name” text.")
    return {"origin_stage": key if key in stage_keys else None, "origin_element": element}


def _stage_ref(stage_keys: set[str], name: Any, where: str) -> str | None:
    if name is None or (isinstance(name, str) and not name.strip()):
        return None
    key = " ".join(str(name).split()).lower()
    if key not in stage_keys:
        raise JourneyError(f"{where}: stage “{name}” is not one of the map's stages.")
    return key


# ------------------------------------------------------------------ Excel


def to_excel(mapc: MapContent) -> bytes:
    """One sheet for the map settings, one per element kind; text is always written as text,
    so a label such as =HYPERLINK(...) can never become a formula."""
    doc = to_document(mapc)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    about = book.add_worksheet("map")
    header = {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, **doc["map"]}
    for r, (key, value) in enumerate(header.items()):
        about.write_string(r, 0, key)
        _write(about, r, 1, value)
    for kind in CONTENT_KINDS:
        sheet = book.add_worksheet(COLLECTION[kind])
        columns = _export_fields(kind)
        for c, column in enumerate(columns):
            sheet.write_string(0, c, column)
        for r, row in enumerate(doc[COLLECTION[kind]], start=1):
            for c, column in enumerate(columns):
                _write(sheet, r, c, row.get(column))
    book.close()
    return buffer.getvalue()


def _write(sheet: Any, row: int, col: int, value: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))


def from_excel(data: bytes) -> dict[str, Any]:
    _check_size(data)
    try:
        check_workbook(data)
        return _read_excel(data)
    except JourneyError:
        raise
    except (Exception, PanicException) as exc:  # noqa: BLE001 - any unreadable workbook (a refused one, a reader error or panic) is the same user problem
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise JourneyError(
            f"The file could not be read as an Excel workbook ({first_line})."
        ) from None


def _read_excel(data: bytes) -> dict[str, Any]:
    reader = fastexcel.read_excel(data)
    names = set(reader.sheet_names)
    if "map" not in names:
        raise JourneyError("The workbook has no “map” sheet; export a map to see the layout.")
    about = reader.load_sheet("map", header_row=None, dtypes="string").to_polars()
    if about.width < 2:
        raise JourneyError("The “map” sheet needs two columns: each setting and its value.")
    header = {row[0]: row[1] for row in about.iter_rows() if row[0]}
    doc: dict[str, Any] = {
        "schema": header.get("schema"),
        "schema_version": _int_or_none(header.get("schema_version")),
        "map": {k: header.get(k) for k in MAP_KEYS},
    }
    for kind in CONTENT_KINDS:
        sheet_name = COLLECTION[kind]
        if sheet_name not in names:
            doc[sheet_name] = []
            continue
        frame = reader.load_sheet(sheet_name, dtypes="string").to_polars()
        doc[sheet_name] = [_excel_row(kind, r) for r in frame.iter_rows(named=True)]
    return check_document(doc)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def _excel_row(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    """Cells come back as text; numbers and flags are turned back by the normal checks."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or str(key).startswith("__UNNAMED"):
            continue
        field = "stage_id" if key == "stage" else key
        ftype = spec(kind).field(field).type if field in spec(kind).field_names else "text"
        out[key] = value if ftype != "bool" or value is None else value.lower() == "true"
    return out


# ------------------------------------------------------------------ Markdown


def to_markdown(mapc: MapContent) -> str:
    """A readable summary for sharing: stages in order with what hangs from them."""
    info = mapc.info
    lines = [
        f"# {inert_markdown(info.name)}",
        "",
        f"Segment: {inert_markdown(info.segment or 'all')} · "
        f"variant: {inert_markdown(info.variant)} · "
        f"state: {inert_markdown(info.state)} · revision {info.version}",
        "",
    ]
    for stage in mapc.stages:
        lines += _md_stage(mapc, stage)
    unplaced = [e for k in CHILD_KINDS for e in mapc.children(k, None)]
    if unplaced:
        lines += ["## Not placed on a stage", ""]
        lines += [f"- {inert_markdown(e['name'])}" for e in unplaced] + [""]
    if mapc.of("opportunity"):
        lines += [
            "## Opportunities",
            "",
            "| Title | Owner | Status | Value | Effort | Evidence | Came from |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for o in mapc.of("opportunity"):
            lines.append(
                f"| {inert_markdown(o['title'])} | {inert_markdown(o['owner'])} "
                f"| {inert_markdown(o['status'])} | {o['value']} | {o['effort']} "
                f"| {EVIDENCE_LABELS.get(o['evidence'], o['evidence'])} "
                f"| {_md_origin(mapc, o)} |"
            )
        lines.append("")
    return "\n".join(lines)


def _md_origin(mapc: MapContent, opportunity: Mapping[str, Any]) -> str:
    """Where an opportunity came from, for the summary: the note's words and its stage."""
    words = str(opportunity.get("origin_text") or "")
    stage = mapc.stage_name(opportunity.get("origin_stage_id"))
    if not words and not stage:
        return ""
    said = f"“{inert_markdown(words, 120)}”" if words else "a note"
    return f"{said} in {inert_markdown(stage)}" if stage else said


def _days(stage: Mapping[str, Any]) -> str:
    start, end = stage.get("day_start"), stage.get("day_end")
    if start is None and end is None:
        return ""
    return f" (days {'' if start is None else start}-{'' if end is None else end})"


def _md_stage(mapc: MapContent, stage: Mapping[str, Any]) -> list[str]:
    lines = [f"## {inert_markdown(stage['name'])}{_days(stage)}", ""]
    if stage["goal"]:
        lines.append(f"**Goal:** {inert_markdown(stage['goal'])}  ")
    if stage["exit_criteria"]:
        lines.append(f"**Exit criteria:** {inert_markdown(stage['exit_criteria'])}")
    lines.append("")
    for kind in CHILD_KINDS:
        items = mapc.children(kind, stage["id"])
        if not items:
            continue
        lines += [f"**{spec(kind).plural}**", ""]
        for e in items:
            lines.append(f"- {inert_markdown(e['name'])}{_md_detail(kind, e)}")
        lines.append("")
    return lines


def _md_detail(kind: str, e: Mapping[str, Any]) -> str:
    bits: list[str] = []
    if e.get("role"):
        bits.append(ROLE_LABELS.get(e["role"], e["role"]))
    if kind == "milestone":
        bits += [
            f"day {e['target_day']}" if e["target_day"] is not None else "",
            f"event {inert_markdown(e['event'])}" if e["event"] else "",
            "first value" if e["is_first_value"] else "",
            "activation" if e["is_activation"] else "",
        ]
    elif kind == "touchpoint":
        bits += [
            e["channel"],
            inert_markdown(e["owner_team"]),
            f"SLA {e['sla_hours']:g} h" if e["sla_hours"] is not None else "",
            f"emotion {e['emotion']:+d}",
        ]
        if e["pain_point"]:
            bits.append(f"pain: {inert_markdown(e['pain_point'])}")
    elif kind == "signal":
        bits += [
            e["kind"],
            inert_markdown(e["condition"]),
            f"play: {inert_markdown(e['play'])}" if e["play"] else "",
        ]
    elif kind == "risk":
        bits += [
            f"{inert_markdown(e['trigger'])} → {inert_markdown(e['intervention'])}",
            f"owner {inert_markdown(e['owner'])}" if e["owner"] else "",
            f"escalation: {inert_markdown(e['escalation'])}" if e["escalation"] else "",
        ]
    bits.append(EVIDENCE_LABELS.get(e["evidence"], e["evidence"]).lower())
    shown = [b for b in bits if b]
    return f" — {'; '.join(shown)}" if shown else ""
