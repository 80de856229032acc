"""What each kind of journey-map element holds, and how a typed-in value is checked.

One table of field specs drives validation, the bulk editors' columns, the exports and the
comparison, so adding a field to a kind is one line here and never a hunt through pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, TypeAlias

from core.db.models import (
    MapElement,
    Milestone,
    Opportunity,
    RiskPoint,
    SignalTrigger,
    Stage,
    Touchpoint,
)
from core.journey.errors import JourneyError
from core.journey.shapes import ChildKind, CleanValue, FieldValue, MapKind
from core.model.contract import CHANNELS, ROLES

ElementModel: TypeAlias = (
    type[Stage]
    | type[Milestone]
    | type[Touchpoint]
    | type[SignalTrigger]
    | type[RiskPoint]
    | type[Opportunity]
)
"""The table of one element kind (KindSpec.model)."""

ElementRow: TypeAlias = MapElement | Opportunity
"""A row of any element table: MapElement's subclasses have a position, opportunities do not."""

FieldType = Literal["text", "longtext", "int", "float", "bool", "choice", "stage", "date"]

EVIDENCE: tuple[str, ...] = ("observed", "assumed", "proposed")
EVIDENCE_LABELS = {
    "observed": "Observed in data",
    "assumed": "Assumed",
    "proposed": "Proposed",
}
ROLE_LABELS = {
    "": "Any role",
    "admin": "Admin / implementer",
    "champion": "Champion / buyer",
    "end_user": "End user",
    "exec_sponsor": "Executive sponsor",
}
SIGNAL_KINDS: tuple[str, ...] = (
    "usage_event",
    "inactivity",
    "ticket_sentiment",
    "stakeholder_engagement",
    "feature_adoption",
)
EARLY_CHURN_SIGNALS: tuple[str, ...] = (
    "no_first_value",
    "single_user",
    "sponsor_disengaged",
    "ticket_primary",
)
OPPORTUNITY_STATUSES: tuple[str, ...] = ("open", "in_progress", "done", "dropped")
MAX_NAME = 200
MAX_TEXT = 5000


@dataclass(frozen=True)
class FieldSpec:
    """One editable field: its type and the limits a value must respect."""

    name: str
    label: str
    type: FieldType
    required: bool = False
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    positive: bool = False  # the lower bound itself is not allowed (an SLA of 0 hours)


@dataclass(frozen=True)
class KindSpec:
    """One element kind: its table, its label field and its fields in display order."""

    kind: str
    label: str
    plural: str
    model: ElementModel
    label_field: str
    fields: tuple[FieldSpec, ...]
    has_stage: bool = True
    has_position: bool = True
    kept: tuple[FieldSpec, ...] = ()
    """Fields stored with the element and carried through history, snapshots, exports and
    duplicates, but never typed in (no form or table column): an opportunity's origin."""

    def field(self, name: str) -> FieldSpec:
        return next(f for f in (*self.fields, *self.kept) if f.name == name)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Every stored field, the kept ones last (what an element dict holds)."""
        return tuple(f.name for f in (*self.fields, *self.kept))


_EVIDENCE = FieldSpec("evidence", "Evidence", "choice", required=True, choices=EVIDENCE)
_STAGE = FieldSpec("stage_id", "Stage", "stage")
_ROLE = FieldSpec("role", "Role", "choice", choices=("", *ROLES))


ORIGIN_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("origin_note_id", "From note", "int"),
    FieldSpec("origin_stage_id", "From stage", "stage"),
    FieldSpec("origin_element", "From element", "text"),
    FieldSpec("origin_text", "The note's words", "longtext"),
)
"""Where an opportunity came from (kept fields): the sticky note, its stage, the map element
("kind:id", e.g. "touchpoint:12", "" for none) and the note's words, which outlive the note."""
CLEARED_BY_DATABASE = frozenset({"origin_note_id", "origin_stage_id"})
"""Kept fields the database sets to NULL when what they point at is deleted (ON DELETE SET
NULL, without moving the element's version): "is this element as a change left it" ignores
them, and putting one back checks that what it points at still exists."""


def _name(label: str = "Name") -> FieldSpec:
    return FieldSpec("name", label, "text", required=True)


KINDS: dict[str, KindSpec] = {
    "stage": KindSpec(
        "stage",
        "Stage",
        "Stages",
        Stage,
        "name",
        (
            _name(),
            FieldSpec("day_start", "From day", "int", low=0, high=3650),
            FieldSpec("day_end", "To day", "int", low=0, high=3650),
            FieldSpec("goal", "Goal", "longtext"),
            FieldSpec("exit_criteria", "Exit criteria", "longtext"),
            _EVIDENCE,
        ),
        has_stage=False,
    ),
    "milestone": KindSpec(
        "milestone",
        "Milestone",
        "Milestones",
        Milestone,
        "name",
        (
            _name(),
            _STAGE,
            _ROLE,
            FieldSpec("target_day", "Target day", "int", low=0, high=3650),
            FieldSpec("event", "Proving event", "text"),
            FieldSpec("is_first_value", "First value", "bool"),
            FieldSpec("is_activation", "Activation", "bool"),
            _EVIDENCE,
        ),
    ),
    "touchpoint": KindSpec(
        "touchpoint",
        "Touchpoint",
        "Touchpoints",
        Touchpoint,
        "name",
        (
            _name(),
            _STAGE,
            _ROLE,
            FieldSpec("channel", "Channel", "choice", required=True, choices=CHANNELS),
            FieldSpec("owner_team", "Owner team", "text"),
            FieldSpec("sla_hours", "SLA (hours)", "float", low=0, high=24 * 365, positive=True),
            FieldSpec("emotion", "Emotion", "int", required=True, low=-2, high=2),
            FieldSpec("pain_point", "Pain point", "longtext"),
            FieldSpec("content", "Content", "longtext"),
            _EVIDENCE,
        ),
    ),
    "signal": KindSpec(
        "signal",
        "Signal",
        "Signals & triggers",
        SignalTrigger,
        "name",
        (
            _name(),
            _STAGE,
            _ROLE,
            FieldSpec("kind", "Signal type", "choice", required=True, choices=SIGNAL_KINDS),
            FieldSpec("event", "Event", "text"),
            FieldSpec("window_days", "Window (days)", "int", low=1, high=3650),
            FieldSpec("condition", "Condition", "longtext"),
            FieldSpec("play", "Play it starts", "longtext"),
            _EVIDENCE,
        ),
    ),
    "risk": KindSpec(
        "risk",
        "Risk",
        "Risks & rescue plays",
        RiskPoint,
        "name",
        (
            _name(),
            _STAGE,
            _ROLE,
            FieldSpec("signal", "Churn signal", "choice", choices=("", *EARLY_CHURN_SIGNALS)),
            FieldSpec("trigger", "Trigger", "longtext"),
            FieldSpec("intervention", "Intervention", "longtext"),
            FieldSpec("owner", "Owner", "text"),
            FieldSpec("escalation", "Escalation", "longtext"),
            _EVIDENCE,
        ),
    ),
    "opportunity": KindSpec(
        "opportunity",
        "Opportunity",
        "Opportunities",
        Opportunity,
        "title",
        (
            FieldSpec("title", "Title", "text", required=True),
            FieldSpec("owner", "Owner", "text"),
            FieldSpec("measure", "Measure", "longtext"),
            FieldSpec("target_date", "Target date", "date"),
            FieldSpec("status", "Status", "choice", required=True, choices=OPPORTUNITY_STATUSES),
            FieldSpec("value", "Value (1-5)", "int", required=True, low=1, high=5),
            FieldSpec("effort", "Effort (1-5)", "int", required=True, low=1, high=5),
            _EVIDENCE,
        ),
        has_stage=False,
        has_position=False,
        kept=ORIGIN_FIELDS,
    ),
}
MAP_KINDS: tuple[MapKind, ...] = ("stage", "milestone", "touchpoint", "signal", "risk")
CHILD_KINDS: tuple[ChildKind, ...] = ("milestone", "touchpoint", "signal", "risk")


def spec(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        raise JourneyError(f"Unknown element kind “{kind}”.") from None


MAP_FIELD_LABELS = {"name": "Name", "variant": "Variant", "state": "State", "segment_id": "Segment"}
"""Labels of the map's own settings (history of kind "map")."""


def field_label(kind: str, name: str) -> str:
    """The field `name` of `kind` in words, e.g. "SLA (hours)" for sla_hours: history and
    comparison speak to the room, which never sees column identifiers. A field no spec knows
    (one a later version added) still reads as words."""
    known = KINDS.get(kind)
    if known is not None:
        for f in (*known.fields, *known.kept):
            if f.name == name:
                return f.label
    if kind == "map" and name in MAP_FIELD_LABELS:
        return MAP_FIELD_LABELS[name]
    words = name.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN from a data editor
        return True
    return isinstance(value, str) and not value.strip()


def _number(f: FieldSpec, value: object, where: str) -> float:
    if isinstance(value, bool):
        raise JourneyError(f"{where}: {f.label} must be a number, not yes/no.")
    try:
        number = float(value)  # type: ignore[arg-type]  # any typed-in object: float() decides
    except (TypeError, ValueError):
        raise JourneyError(f"{where}: {f.label} must be a number, got “{value}”.") from None
    if f.positive and number <= 0:
        raise JourneyError(f"{where}: {f.label} must be more than 0, got {value}.")
    if f.low is not None and number < f.low or f.high is not None and number > f.high:
        raise JourneyError(f"{where}: {f.label} must be between {f.low:g} and {f.high:g}.")
    return number


def _text(f: FieldSpec, value: object, where: str) -> str:
    text = str(value).strip()
    limit = MAX_NAME if f.type == "text" else MAX_TEXT
    if f.type == "text":
        text = " ".join(text.split())
    if len(text) > limit:
        raise JourneyError(f"{where}: {f.label} is too long (keep it under {limit} characters).")
    return text


def _date(f: FieldSpec, value: object, where: str) -> date:
    if isinstance(value, datetime):  # a datetime is a date too; keep only its day
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise JourneyError(f"{where}: {f.label} must be a date (YYYY-MM-DD).") from None


def _choice(f: FieldSpec, value: object, where: str) -> str:
    text = str(value).strip()
    if text not in f.choices:
        allowed = ", ".join(c or "(empty)" for c in f.choices)
        raise JourneyError(f"{where}: {f.label} “{text}” is not one of {allowed}.")
    return text


def clean_value(f: FieldSpec, value: object, where: str) -> CleanValue:
    """The stored form of one typed-in value, or a JourneyError that names field and element."""
    if _blank(value):
        if f.required:
            raise JourneyError(f"{where}: {f.label} is required.")
        return _empty(f)
    if f.type in ("text", "longtext"):
        return _text(f, value, where)
    if f.type == "bool":
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "y", "x")
        return bool(value)
    if f.type == "choice":
        return _choice(f, value, where)
    if f.type == "date":
        return _date(f, value, where)
    number = _number(f, value, where)
    if f.type in ("int", "stage"):
        if number != int(number):
            raise JourneyError(f"{where}: {f.label} must be a whole number, got {value}.")
        return int(number)
    return number


def _empty(f: FieldSpec) -> FieldValue:
    if f.type in ("text", "longtext", "choice"):
        return ""
    if f.type == "bool":
        return False
    return None


def defaults(kind: str) -> dict[str, FieldValue]:
    """The values a new element starts with before the user's own are applied."""
    values: dict[str, FieldValue] = {f.name: _empty(f) for f in spec(kind).fields}
    values.update({f.name: _empty(f) for f in spec(kind).kept})
    values["evidence"] = "proposed" if kind == "opportunity" else "assumed"
    if kind == "touchpoint":
        values.update(channel="email", emotion=0)
    if kind == "signal":
        values["kind"] = "usage_event"
    if kind == "opportunity":
        values.update(status="open", value=3, effort=3)
    return values
