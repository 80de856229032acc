"""What HubSpot and Salesforce account exports have in common: one accounts table.

Only the id and the start date are required; contract value, seats, segment and churn date
are usually the customer's own properties, so each has the names we have seen used for it.
"""

from __future__ import annotations

from core.data.presets.base import Field, TableSpec

ACCOUNT_COLUMNS = (
    "account_id",
    "account_name",
    "segment",
    "contract_value",
    "start_date",
    "licensed_seats",
    "csm",
    "churn_date",
    "journey_variant",
)

ACCOUNTS_SPEC = TableSpec("accounts", {c: c for c in ACCOUNT_COLUMNS})


def common_fields(
    *,
    account_id: tuple[str, ...],
    name: tuple[str, ...],
    owner: tuple[str, ...],
    start: tuple[str, ...],
    value: tuple[str, ...],
) -> tuple[Field, ...]:
    """The accounts fields, with the vendor's own names first in each candidate list."""
    return (
        Field("account_id", "Account id", "id", account_id, required=True),
        Field("account_name", "Account name", candidates=name),
        Field(
            "start_date",
            "Onboarding start date",
            "day",
            ("Onboarding start date", "Contract start date", "Kickoff date", "start_date", *start),
            required=True,
            help="When onboarding started: contract signed or kickoff.",
        ),
        Field(
            "contract_value",
            "Annual contract value",
            "number",
            ("Annual contract value", "ACV", "Contract value", "ARR", "contract_value", *value),
        ),
        Field(
            "licensed_seats",
            "Licensed seats",
            "whole",
            ("Licensed seats", "Seats", "Number of seats", "Seat count", "Licenses"),
        ),
        Field("csm", "Customer success manager", candidates=(*owner, "CSM", "csm")),
        Field(
            "segment",
            "Segment",
            candidates=("Segment", "Customer segment", "Customer tier", "Tier"),
            help="Empty: derived from the contract value.",
        ),
        Field(
            "churn_date",
            "Churn date",
            "day",
            ("Churn date", "Churned date", "Cancellation date", "churn_date"),
        ),
        Field(
            "journey_variant",
            "Onboarding variant",
            candidates=("Onboarding variant", "Journey variant", "Onboarding track"),
        ),
    )
