"""Saving the choices made for an export as a named mapping, for next month's export."""

from __future__ import annotations

import streamlit as st

from core.common.text import inert_markdown
from core.data.presets.base import Preset
from core.data.presets.saved import SavedMapping, list_mappings, save_mapping
from ui.data.presets_mapping import JoinSettings, Mapping
from ui.feedback import user_errors
from ui.state import transaction


@st.dialog("Replace the saved mapping?")
def _confirm_replace(
    ws_id: int, name: str, preset: Preset, mapping: Mapping, join: JoinSettings
) -> None:
    st.write(inert_markdown(f"A mapping called “{name}” exists. Replace it with these choices?"))
    if st.button("Replace", type="primary", key="presets_replace_confirm"):
        if _save(ws_id, name, preset, mapping, join):
            st.rerun()


def _save(ws_id: int, name: str, preset: Preset, mapping: Mapping, join: JoinSettings) -> bool:
    """True when saved; otherwise the reason is on screen (kept there: no rerun follows)."""
    table = preset.tables[0] if preset.name == "csv" else None
    with user_errors():
        with transaction() as session:
            saved = save_mapping(
                session, ws_id, name, preset.name, mapping, target_table=table, join=join
            )
        st.toast(inert_markdown(f"Saved the mapping “{saved.name}”"), icon=":material/bookmark:")
        return True
    return False


def save_control(
    ws_id: int, preset: Preset, mapping: Mapping, join: JoinSettings, saved: SavedMapping | None
) -> None:
    cols = st.columns([3, 1], vertical_alignment="bottom")
    name = cols[0].text_input(
        "Save these choices as",
        value=saved.name if saved else "",
        max_chars=80,
        placeholder=f"e.g. {preset.label} monthly export",
        key="presets_save_name",
    )
    if cols[1].button("Save mapping", key="presets_save"):
        with transaction() as session:
            existing = {m.name.lower() for m in list_mappings(session, ws_id)}
        if " ".join(name.split()).lower() in existing:
            _confirm_replace(ws_id, name, preset, mapping, join)
        else:
            _save(ws_id, name, preset, mapping, join)
