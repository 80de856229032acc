"""Zendesk tickets (JSON Lines from the incremental export, an API JSON response, or CSV).

Each ticket becomes a touch with channel `ticket`: the organization is the account, the
requester the user. Satisfaction is "good"/"bad" in Zendesk's classic CSAT (5 and 1 here) or
a 1-5 score in the newer surveys; "offered" and "unoffered" mean nobody answered, so they load
as empty. `via.channel` (email, web, chat, api...) names the touchpoint.
"""

from __future__ import annotations

import polars as pl

from core.data.presets.base import Field, Preset, Tables, TableSpec

FIELDS = (
    Field(
        "account_id",
        "Organization (account) id",
        "id",
        ("organization_id", "Organization ID", "Organization Id", "Organization", "Organisation"),
        required=True,
    ),
    Field(
        "user_id",
        "Requester id",
        "id",
        ("requester_id", "Requester ID", "Requester id", "Requester"),
    ),
    Field(
        "timestamp",
        "Created at",
        "moment",
        ("created_at", "Created at", "Created", "Date created"),
        required=True,
    ),
    Field(
        "csat",
        "Satisfaction rating",
        "rating",
        ("satisfaction_rating.score", "satisfaction_rating", "Satisfaction Score", "Satisfaction"),
    ),
    Field("via", "Via (channel)", candidates=("via.channel", "Via", "Channel")),
    Field("ticket_id", "Ticket id (for duplicates)", "id", ("id", "Id", "ID", "Ticket ID")),
)


def _finish(tables: Tables) -> tuple[Tables, list[str]]:
    touches = tables["touches"].with_columns(
        pl.when(pl.col("touchpoint").is_not_null())
        .then(pl.format("Ticket via {}", pl.col("touchpoint").str.to_lowercase()))
        .alias("touchpoint")
    )
    return {**tables, "touches": touches}, []


PRESET = Preset(
    name="zendesk",
    label="Zendesk",
    description="Ticket export (JSON Lines, JSON or CSV) as ticket touches.",
    fields=FIELDS,
    specs=(
        TableSpec(
            "touches",
            {
                "account_id": "account_id",
                "user_id": "user_id",
                "timestamp": "timestamp",
                "csat": "csat",
                "touchpoint": "via",
            },
            constants={"channel": "ticket"},
            dedupe="ticket_id",
        ),
    ),
    finish=_finish,
    file_types=("jsonl", "ndjson", "json", "gz", "csv", "tsv", "txt", "xlsx", "xls"),
)
