"""What a preset is: the fields it can fill, where it looks for them, and the tables it feeds.

A preset is data, not a class hierarchy: a list of Fields (contract fields plus helpers such
as the insert id) with the source names each vendor documents, and a list of TableSpecs saying
which export rows feed which contract table. Vendor quirks that do not fit (Segment's group
calls, Salesforce's report footer) are small hook functions on the preset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from core.data.presets import values
from core.model.contract import CHANNELS, ROLES

FieldKind = Literal["id", "text", "moment", "day", "number", "whole", "rating", "role", "channel"]

KIND_RULES: dict[FieldKind, str] = {
    "moment": "not a date-time (ISO 8601, epoch seconds or milliseconds, or an Excel date)",
    "day": "not a date (YYYY-MM-DD, M/D/YYYY, D/M/YYYY or an Excel date)",
    "number": "not a number",
    "whole": "not a whole number",
    "rating": "not a satisfaction rating (good/bad, 1-5, 0-10 or a percentage)",
    "role": f"not a role (use one of {', '.join(ROLES)})",
    "channel": f"not a channel (use one of {', '.join(CHANNELS)})",
}
COERCE: dict[FieldKind, Callable[[pl.Expr], pl.Expr]] = {
    "id": values.identifier,
    "text": values.text,
    "moment": values.moment,
    "day": values.day,
    "number": values.number,
    "whole": values.whole_number,
    "rating": values.rating,
    "role": lambda e: values.choice(e, ROLES),
    "channel": lambda e: values.choice(e, CHANNELS),
}


@dataclass(frozen=True)
class Field:
    """One thing the import needs; `candidates` are source names tried in order by the guesser."""

    name: str
    label: str
    kind: FieldKind = "text"
    candidates: tuple[str, ...] = ()
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class TableSpec:
    """Which rows of the export feed `table`, and which field fills each contract column.

    A tuple of fields means the first of them that has a value (Segment: a group call's
    groupId, else the track call's context.groupId).
    """

    table: str
    columns: Mapping[str, str | tuple[str, ...]]
    where: pl.Expr | None = None
    constants: Mapping[str, str] = field(default_factory=dict)
    dedupe: str | None = None


Tables = dict[str, pl.DataFrame]
FinishHook = Callable[[Tables], tuple[Tables, list[str]]]


@dataclass(frozen=True)
class Preset:
    """A vendor export and how it becomes contract tables."""

    name: str
    label: str
    description: str
    fields: tuple[Field, ...]
    specs: tuple[TableSpec, ...]
    extra_paths: tuple[str, ...] = ()
    prepare: Callable[[pl.DataFrame], pl.DataFrame] | None = None
    finish: FinishHook | None = None
    derive_users: bool = False
    file_types: tuple[str, ...] = ()  # offered by the page's uploader

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.table for s in self.specs))


def user_fields(*, role: tuple[str, ...] = (), team: tuple[str, ...] = ()) -> tuple[Field, ...]:
    """Role and team, for presets whose export carries people's attributes."""
    return (
        Field(
            "role",
            "User role",
            "role",
            candidates=role,
            help="admin, champion, end_user or exec_sponsor; empty means end_user",
        ),
        Field("team", "User team / department", candidates=team),
    )


# Product-analytics exports that carry one event per row with its user: events deduplicated
# by insert id, and the users (with their account) derived from the same rows.
EVENT_EXPORT_SPECS: tuple[TableSpec, ...] = (
    TableSpec(
        "events",
        {
            "account_id": "account_id",
            "user_id": "user_id",
            "event": "event",
            "timestamp": "timestamp",
        },
        dedupe="insert_id",
    ),
    TableSpec(
        "users",
        {"user_id": "user_id", "account_id": "account_id", "role": "role", "team": "team"},
    ),
)
