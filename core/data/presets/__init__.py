"""Import presets: vendor exports (Segment, Mixpanel, Amplitude, HubSpot, Salesforce, Zendesk,
or any mapped file) converted to the four-table contract.

Streamlit-free: the Data page and `python -m core import` both call into here.
"""

from __future__ import annotations

from core.common.errors import UserError
from core.data.presets import amplitude, hubspot, mixpanel, salesforce, segment, zendesk
from core.data.presets.base import Preset
from core.data.presets.generic import generic_preset
from core.model.contract import TABLES

VENDOR_PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        segment.PRESET,
        mixpanel.PRESET,
        amplitude.PRESET,
        hubspot.PRESET,
        salesforce.PRESET,
        zendesk.PRESET,
    )
}
PRESET_NAMES: tuple[str, ...] = (*VENDOR_PRESETS, "csv")


class UnknownPreset(UserError):
    """A preset name or generic target table that does not exist; the message lists them."""


def get_preset(name: str, table: str | None = None) -> Preset:
    """A preset by name; the generic `csv` preset also needs the table it feeds."""
    key = name.strip().lower()
    if key in VENDOR_PRESETS:
        return VENDOR_PRESETS[key]
    if key != "csv":
        raise UnknownPreset(f"unknown preset {name!r} (use one of {', '.join(PRESET_NAMES)})")
    if table not in TABLES:
        raise UnknownPreset(f"the csv preset needs a target table: one of {', '.join(TABLES)}")
    return generic_preset(table)
