"""Which export field feeds which contract field, and the optional id crosswalk: guessed on
every upload, corrected by the person, remembered by a saved mapping."""

from __future__ import annotations

import hashlib

import polars as pl
import streamlit as st

from core.common.errors import UserError
from core.data.presets.base import Preset
from core.data.presets.guess import guess_mapping
from core.data.presets.join import account_join, id_column_guess
from core.data.presets.result import AccountJoin
from core.data.presets.saved import SavedMapping
from core.data.presets.service import mapping_from_rows, mapping_rows, source_options
from core.data.presets.sources import read_table, sample
from core.data.readers import SourceFile, UnreadableFile
from core.data.validate import ValidationFailed, describe_problems
from ui.feedback import show_error

Mapping = dict[str, str | None]
"""Contract field: the export field it comes from (None: left empty)."""
JoinSettings = dict[str, str] | None
"""The crosswalk's column choices as a saved mapping keeps them."""


def _unreadable(name: str, exc: UnreadableFile) -> None:
    """The reader's sentence does not name the file; with several uploads it must."""
    show_error(UnreadableFile(f"{name}: {exc}"))


def mapping_editor(
    preset: Preset, source: SourceFile, saved: SavedMapping | None, known: list[str]
) -> Mapping | None:
    try:
        found = sample(source)
    except UnreadableFile as exc:
        _unreadable(source.name, exc)
        return None
    rows = mapping_rows(
        preset, guess_mapping(preset, found, known), saved.fields if saved else None
    )
    st.markdown("**Which field holds what**")
    st.caption(
        "Guessed from the field names and the first rows; correct any that are wrong. "
        "Fields marked * are required. Clear a cell to leave a field empty."
    )
    digest = hashlib.sha1(f"{preset.name}{preset.label}{source.name}{saved}".encode()).hexdigest()
    edited = st.data_editor(
        pl.DataFrame(rows),
        hide_index=True,
        width="stretch",
        height=(len(rows) + 1) * 35 + 3,  # every field visible, no inner scrolling
        key=f"presets_mapping_{digest[:12]}",
        disabled=["label", "how", "help"],
        column_order=["label", "source", "how", "help"],
        column_config={
            "label": st.column_config.TextColumn("Field"),
            "source": st.column_config.SelectboxColumn(
                "From the export's field", options=source_options(found.columns, rows)
            ),
            "how": st.column_config.TextColumn("Guessed"),
            "help": st.column_config.TextColumn("Note"),
        },
    )
    return mapping_from_rows(edited.to_dicts())


def _join_columns(source: SourceFile, wanted: dict[str, str]) -> tuple[str | None, str]:
    """The crosswalk's key and id columns, preselected from the saved mapping or a guess."""
    columns = read_table(source).columns
    cols = st.columns(2)
    key_default = wanted.get("key_column")
    key = cols[0].selectbox(
        "Column with the export's ids",
        columns,
        index=columns.index(key_default) if key_default in columns else None,
        key="presets_join_key",
    )
    id_default = wanted.get("id_column") or id_column_guess(columns)
    ident = cols[1].selectbox(
        "Column with our account ids",
        columns,
        index=columns.index(id_default) if id_default in columns else 0,
        key="presets_join_id",
    )
    return key, ident


def join_control(saved: SavedMapping | None) -> tuple[AccountJoin | None, JoinSettings]:
    """Optional crosswalk: a file whose column links the export's account ids to ours."""
    preset_join = saved.join if saved else None
    on = st.toggle(
        "The export's account ids are not our account ids: join them through another file",
        value=preset_join is not None,
        key="presets_join_on",
        help="E.g. the HubSpot export's “Product group ID” column links product ids to record ids.",
    )
    if not on:
        return None, None
    upload = st.file_uploader(
        "File with both ids (e.g. the CRM export)",
        type=["csv", "xlsx", "xls", "parquet", "tsv", "txt"],
        key="presets_join_file",
    )
    if upload is None:
        st.info("Upload the file that holds both ids to continue.", icon=":material/info:")
        return None, None
    source = SourceFile(upload.name, "accounts", upload.getvalue())
    try:
        key, ident = _join_columns(source, preset_join or {})
    except UnreadableFile as exc:
        _unreadable(upload.name, exc)
        return None, None
    if key is None:
        st.info("Choose the column that holds the export's account ids.", icon=":material/info:")
        return None, None
    try:
        return account_join(source, key, ident), {"key_column": key, "id_column": ident}
    except ValidationFailed as exc:
        show_error(UserError(describe_problems(exc.problems, 1)[0]))
        return None, None
