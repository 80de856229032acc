"""HubSpot company export (CSV or XLSX): property labels as headers.

The standard columns are "Record ID", "Company name", "Company owner" and "Create Date"; the
onboarding start, contract value and seats are the portal's own properties, so they are
guessed by their usual labels and otherwise chosen by the user. Create Date is only the last
resort for the start date: it is when the record was made, often long before the contract.
"""

from __future__ import annotations

from core.data.presets.base import Preset
from core.data.presets.crm import ACCOUNTS_SPEC, common_fields

PRESET = Preset(
    name="hubspot",
    label="HubSpot",
    description="Company export (CSV or Excel) as accounts.",
    fields=common_fields(
        account_id=("Record ID", "Company ID", "hs_object_id"),
        name=("Company name", "Name"),
        owner=("Company owner", "Customer Success Manager", "HubSpot owner"),
        start=("Close Date", "Create Date"),
        value=("Annual recurring revenue",),
    ),
    specs=(ACCOUNTS_SPEC,),
    file_types=("csv", "xlsx", "xls"),
)
