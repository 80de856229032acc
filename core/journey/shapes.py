"""The shapes journey elements travel in: one TypedDict per kind, exactly as store.row_dict
builds them, and the document rows that templates and exports hold.

Elements stay plain dicts at runtime (pages, caches, exports and the JSON history read them by
key, and a snapshot is just these dicts saved); the types only tell the checker which keys each
kind has and what they hold. Code driven by kinds.KindSpec, which reads fields by a name it
does not know in advance, works on `field_values(element)`: the same dict, seen as field name ->
FieldValue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal, TypeAlias, TypedDict, cast, final

Kind: TypeAlias = Literal["stage", "milestone", "touchpoint", "signal", "risk", "opportunity"]
ChildKind: TypeAlias = Literal["milestone", "touchpoint", "signal", "risk"]
MapKind: TypeAlias = Literal["stage", ChildKind]

FieldValue: TypeAlias = str | int | float | bool | None
"""What one stored field holds in an element dict; dates travel as ISO text (store.plain)."""

CleanValue: TypeAlias = FieldValue | date
"""One field after kinds.clean_value: a date field holds a date until store.plain writes it."""

RawValues: TypeAlias = Mapping[str, object]
"""Values as a person, an editor table or a file gave them, before kinds.clean_value."""

CleanValues: TypeAlias = dict[str, CleanValue]
"""Checked values by field name, ready to write to a row (elements.clean)."""

Json: TypeAlias = "dict[str, Json] | list[Json] | str | int | float | bool | None"
"""A value read back from a JSON column: the history's before/after and a snapshot's content."""

Payload: TypeAlias = Mapping[str, object]
"""What a history record stores (store.record): an element, an order, the rows of a kind, the
map's settings. Every value is JSON-safe, but a TypedDict converts only to Mapping[str, object]
for the checker, so this says object rather than Json."""

Placement: TypeAlias = dict[str, list[int]]
"""Child kind -> ids of the elements that hung from one stage (elements.unplace_children)."""


# ------------------------------------------------------------------ elements (store.row_dict)


class Identity(TypedDict):
    """Every element: its database id and the version an edit must start from."""

    id: int
    version: int


class Positioned(Identity):
    """Elements with an order of their own (all kinds but opportunities)."""

    position: int


class _StageFields(TypedDict):
    name: str
    day_start: int | None
    day_end: int | None
    goal: str
    exit_criteria: str
    evidence: str


class _ChildFields(TypedDict):
    """What every element hanging from a stage has, besides the stage itself."""

    name: str
    role: str
    evidence: str


class _MilestoneFields(_ChildFields):
    target_day: int | None
    event: str
    is_first_value: bool
    is_activation: bool


class _TouchpointFields(_ChildFields):
    channel: str
    owner_team: str
    sla_hours: float | None
    emotion: int
    pain_point: str
    content: str


class _SignalFields(_ChildFields):
    kind: str
    event: str
    window_days: int | None
    condition: str
    play: str


class _RiskFields(_ChildFields):
    signal: str
    trigger: str
    intervention: str
    owner: str
    escalation: str


class _OpportunityFields(TypedDict):
    title: str
    owner: str
    measure: str
    target_date: str | None  # ISO date
    status: str
    value: int
    effort: int
    evidence: str


class OnStage(Positioned):
    """A placed element that hangs from a stage (None: not on any stage)."""

    stage_id: int | None


@final
class StageElement(Positioned, _StageFields):
    pass


@final
class MilestoneElement(OnStage, _MilestoneFields):
    pass


@final
class TouchpointElement(OnStage, _TouchpointFields):
    pass


@final
class SignalElement(OnStage, _SignalFields):
    pass


@final
class RiskElement(OnStage, _RiskFields):
    pass


@final
class OpportunityElement(Identity, _OpportunityFields):
    pass


ChildElement: TypeAlias = MilestoneElement | TouchpointElement | SignalElement | RiskElement
Element: TypeAlias = StageElement | ChildElement | OpportunityElement
ElementLists: TypeAlias = dict[str, list[Element]]
"""Kind -> its elements in display order: MapContent.elements, and what a snapshot saves."""


def field_values(element: Element) -> Mapping[str, FieldValue]:
    """The element as field name -> value, for code that reads fields named by a KindSpec.

    Every value row_dict puts in is a FieldValue; a TypedDict cannot say so for a key that is
    only known at run time, hence the cast (the same dict, no copy).
    """
    return cast("Mapping[str, FieldValue]", element)


# ------------------------------------------------------------------ documents (templates, files)


class _ByStageName(TypedDict):
    """A document names an element's stage instead of its id (None: on no stage)."""

    stage: str | None


class StageRow(_StageFields):
    pass


class MilestoneRow(_ByStageName, _MilestoneFields):
    pass


class TouchpointRow(_ByStageName, _TouchpointFields):
    pass


class SignalRow(_ByStageName, _SignalFields):
    pass


class RiskRow(_ByStageName, _RiskFields):
    pass


class OpportunityRow(_OpportunityFields):
    pass


class MapHeader(TypedDict):
    """A document's map settings."""

    name: str
    variant: str
    state: str
    segment: str | None
    template: str


class MapDocument(TypedDict):
    """A whole map as a document (exchange.to_document, templates): one list per kind."""

    schema: str
    schema_version: int
    map: MapHeader
    stages: list[StageRow]
    milestones: list[MilestoneRow]
    touchpoints: list[TouchpointRow]
    signals: list[SignalRow]
    risks: list[RiskRow]
    opportunities: list[OpportunityRow]
