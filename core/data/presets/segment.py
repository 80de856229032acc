"""Segment: JSON Lines (or a JSON array) of track, identify and group calls.

Track calls are the events; `context.groupId` names the account. Group calls tie a user to an
account, so a track call without a group still finds its account through its user, and, when
the start date trait is mapped, they also give the accounts themselves. Duplicates share a
`messageId` (Segment retries deliveries), so that is the insert id.
"""

from __future__ import annotations

import polars as pl

from core.data.presets.base import Field, Preset, Tables, TableSpec, user_fields

_TYPE = pl.col("_type").str.to_lowercase()

FIELDS = (
    Field("event", "Event name", candidates=("event",), required=True),
    Field(
        "timestamp",
        "Event time",
        "moment",
        ("timestamp", "originalTimestamp", "sentAt", "receivedAt"),
        required=True,
    ),
    Field("user_id", "User id", "id", ("userId",)),
    Field("anonymous_id", "Anonymous id (when there is no user id)", "id", ("anonymousId",)),
    Field(
        "account_id",
        "Account id on track calls",
        "id",
        (
            "context.groupId",
            "properties.groupId",
            "properties.account_id",
            "context.traits.groupId",
        ),
        help="Track calls without it take the account of their user's group call.",
    ),
    Field("group_id", "Account id on group calls", "id", ("groupId",)),
    Field("insert_id", "Insert id (for duplicates)", "id", ("messageId",)),
    Field("account_name", "Account name (group traits)", candidates=("traits.name",)),
    Field(
        "account_start",
        "Account start date (group traits)",
        "day",
        help=(
            "Only with this do group calls also load as accounts (e.g. traits.createdAt); "
            "leave it empty when the accounts come from your CRM."
        ),
    ),
    *user_fields(
        role=("traits.role", "context.traits.role"),
        team=("traits.department", "traits.team", "context.traits.department"),
    ),
)

SPECS = (
    TableSpec(
        "events",
        {
            "account_id": "account_id",
            "user_id": ("user_id", "anonymous_id"),
            "event": "event",
            "timestamp": "timestamp",
        },
        where=(_TYPE == "track") | _TYPE.is_null(),
        dedupe="insert_id",
    ),
    TableSpec(
        "users",
        {
            "user_id": "user_id",
            "account_id": ("group_id", "account_id"),
            "role": "role",
            "team": "team",
        },
        where=pl.col("user_id").is_not_null(),
    ),
    TableSpec(
        "accounts",
        {"account_id": "group_id", "account_name": "account_name", "start_date": "account_start"},
        where=(_TYPE == "group") & pl.col("group_id").is_not_null(),
    ),
)


def _finish(tables: Tables) -> tuple[Tables, list[str]]:
    """Group calls become accounts only when their start date is mapped."""
    accounts = tables["accounts"].unique("account_id", keep="last", maintain_order=True)
    if len(accounts) and accounts.get_column("start_date").is_null().all():
        note = (
            f"group calls name {len(accounts):,} account(s); they were not loaded as accounts "
            "because no start date is mapped (map 'Account start date' to load them)"
        )
        return {**tables, "accounts": accounts.head(0)}, [note]
    return {**tables, "accounts": accounts}, []


PRESET = Preset(
    name="segment",
    label="Segment",
    description="Track calls as events; identify and group calls for users and their accounts.",
    fields=FIELDS,
    specs=SPECS,
    extra_paths=("type",),
    finish=_finish,
    derive_users=True,
    file_types=("jsonl", "ndjson", "json", "gz"),
)
