"""Mixpanel raw export: JSON Lines of {"event", "properties": {"time", "distinct_id", ...}}.

`time` is epoch seconds in the raw export API and milliseconds in some pipelines; both are
accepted, told apart by size. The account is whatever property the project uses for it, so
it has to be named (the guesser tries the usual names). `$insert_id` is Mixpanel's own
deduplication key.
"""

from __future__ import annotations

from core.data.presets.base import EVENT_EXPORT_SPECS, Field, Preset, user_fields

ACCOUNT_PROPERTIES = (
    "properties.account_id",
    "properties.company_id",
    "properties.group_id",
    "properties.$group_id",
    "properties.organization_id",
    "properties.org_id",
    "properties.account",
    "properties.company",
)

FIELDS = (
    Field("event", "Event name", candidates=("event",), required=True),
    Field("timestamp", "Event time", "moment", ("properties.time",), required=True),
    Field("user_id", "User id", "id", ("properties.distinct_id", "properties.$user_id")),
    Field(
        "account_id",
        "Account id",
        "id",
        ACCOUNT_PROPERTIES,
        required=True,
        help="The event property that holds the account (group key).",
    ),
    Field("insert_id", "Insert id (for duplicates)", "id", ("properties.$insert_id",)),
    *user_fields(role=("properties.role",), team=("properties.team", "properties.department")),
)

PRESET = Preset(
    name="mixpanel",
    label="Mixpanel",
    description="Raw event export (JSON Lines); the account comes from a property you name.",
    fields=FIELDS,
    specs=EVENT_EXPORT_SPECS,
    derive_users=True,
    file_types=("jsonl", "ndjson", "json", "gz"),
)
