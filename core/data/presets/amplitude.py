"""Amplitude export: a zip of gzipped JSON Lines files, one event per line.

The account is usually an Amplitude group (`groups.company`, which may be a list: the first
member is used), otherwise an event or user property. `event_time` is UTC without an offset.
`$insert_id` deduplicates, as Amplitude itself does.
"""

from __future__ import annotations

from core.data.presets.base import EVENT_EXPORT_SPECS, Field, Preset, user_fields

ACCOUNT_PATHS = (
    "groups.company",
    "groups.account",
    "groups.organization",
    "groups.org",
    "event_properties.account_id",
    "user_properties.account_id",
    "event_properties.company_id",
    "user_properties.company_id",
)

FIELDS = (
    Field("event", "Event name", candidates=("event_type",), required=True),
    Field(
        "timestamp",
        "Event time",
        "moment",
        ("event_time", "client_event_time", "server_upload_time"),
        required=True,
    ),
    Field("user_id", "User id", "id", ("user_id",)),
    Field(
        "account_id",
        "Account id",
        "id",
        ACCOUNT_PATHS,
        required=True,
        help="An Amplitude group (groups.NAME) or an event/user property.",
    ),
    Field("insert_id", "Insert id (for duplicates)", "id", ("$insert_id", "uuid")),
    *user_fields(
        role=("user_properties.role",),
        team=("user_properties.team", "user_properties.department"),
    ),
)

PRESET = Preset(
    name="amplitude",
    label="Amplitude",
    description="Export API zip of gzipped JSON Lines (or one of its files).",
    fields=FIELDS,
    specs=EVENT_EXPORT_SPECS,
    derive_users=True,
    file_types=("zip", "gz", "json", "jsonl", "ndjson"),
)
