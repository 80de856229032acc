"""A generic mapped file: any CSV, Excel, Parquet or JSON file into one contract table.

For exports we have no preset for: every contract column of the chosen table is a field,
guessed from the usual names and chosen by the user where the guess is wrong.
"""

from __future__ import annotations

from functools import cache

from core.data.presets.base import Field, FieldKind, Preset, TableSpec
from core.model.contract import CONTRACT

SYNONYMS: dict[str, tuple[str, ...]] = {
    "account_id": (
        "account_id",
        "account",
        "company_id",
        "customer_id",
        "organization_id",
        "org_id",
        "company",
        "customer",
    ),
    "account_name": ("account_name", "name", "company_name", "company", "customer_name"),
    "segment": ("segment", "tier", "customer_segment"),
    "contract_value": ("contract_value", "acv", "arr", "annual_contract_value", "contract_amount"),
    "start_date": ("start_date", "onboarding_start", "contract_start", "kickoff_date", "start"),
    "licensed_seats": ("licensed_seats", "seats", "licenses", "seat_count"),
    "csm": ("csm", "owner", "account_owner", "customer_success_manager"),
    "churn_date": ("churn_date", "churned_at", "cancellation_date", "churned_on"),
    "journey_variant": ("journey_variant", "variant", "onboarding_variant"),
    "user_id": ("user_id", "user", "distinct_id", "requester_id", "contact_id", "contact"),
    "role": ("role", "persona", "user_role"),
    "team": ("team", "department"),
    "event": ("event", "event_name", "event_type", "action", "name"),
    "timestamp": ("timestamp", "time", "event_time", "occurred_at", "created_at", "date"),
    "channel": ("channel", "medium", "type"),
    "touchpoint": ("touchpoint", "touch", "campaign", "subject"),
    "csat": ("csat", "satisfaction", "rating", "score"),
}
KINDS: dict[str, FieldKind] = {
    "string": "text",
    "float": "number",
    "int": "whole",
    "date": "day",
    "datetime": "moment",
}
SPECIAL: dict[str, FieldKind] = {
    "account_id": "id",
    "user_id": "id",
    "role": "role",
    "channel": "channel",
}


@cache
def generic_preset(table: str) -> Preset:
    """The `csv` preset for one contract table."""
    fields = tuple(
        Field(
            c.name,
            c.name.replace("_", " ").capitalize(),
            SPECIAL.get(c.name, KINDS[c.kind]),
            SYNONYMS.get(c.name, (c.name,)),
            required=c.required,
        )
        for c in CONTRACT[table]
    )
    return Preset(
        name="csv",
        label=f"Any file ({table})",
        description=f"Any CSV, Excel, Parquet or JSON Lines file, mapped to the {table} table.",
        fields=fields,
        specs=(TableSpec(table, {c.name: c.name for c in CONTRACT[table]}),),
        file_types=("csv", "tsv", "txt", "xlsx", "xls", "parquet", "jsonl", "ndjson", "json"),
    )
