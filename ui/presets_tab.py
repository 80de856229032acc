"""The Data page's "From other tools" tab: load a vendor export in a few clicks.

Widgets only: choosing, converting, merging and saving all happen in core.data.presets. The
mapping is guessed on every upload, corrected in an editor, previewed as it will load, and
can be saved for next month's export.
"""

from __future__ import annotations

import hashlib

import polars as pl
import streamlit as st

from core.common.downloads import csv_bytes
from core.common.text import inert_markdown
from core.data.presets import PRESET_NAMES, VENDOR_PRESETS, get_preset
from core.data.presets.base import Preset
from core.data.presets.convert import run_preset
from core.data.presets.guess import guess_mapping
from core.data.presets.join import account_join, id_column_guess
from core.data.presets.result import AccountJoin
from core.data.presets.saved import MappingError, SavedMapping, list_mappings, save_mapping
from core.data.presets.service import (
    import_into_workspace,
    mapping_from_rows,
    mapping_rows,
    preview,
    source_options,
)
from core.data.presets.sources import read_table, sample
from core.data.readers import SourceFile, UnreadableFile
from core.data.validate import ValidationFailed, describe_problems, summarise_problems
from core.model.contract import TABLES
from core.model.dataset import Dataset
from core.workspace import workspaces
from core.workspace.workspaces import WorkspaceInfo
from ui.state import transaction

FROM_PRESET = "A preset"
PROBLEMS_KEY = "presets_problems"
Mapping = dict[str, str | None]
JoinSettings = dict[str, str] | None


def _label(name: str) -> str:
    return VENDOR_PRESETS[name].label if name in VENDOR_PRESETS else "Any other file (map it)"


def _choose_preset(saved: list[SavedMapping]) -> tuple[Preset, SavedMapping | None]:
    names = [FROM_PRESET, *(m.name for m in saved)]
    start = st.selectbox(
        "Start from",
        names,
        key="presets_start",
        help="A saved mapping loads next month's export with the same choices.",
    )
    chosen = next((m for m in saved if m.name == start), None)
    if chosen is not None:
        st.caption(f"Saved mapping for **{_label(chosen.preset)}** → {chosen.target_table}")
        return get_preset(chosen.preset, chosen.target_table), chosen
    cols = st.columns([2, 1])
    name = cols[0].selectbox("Export from", PRESET_NAMES, format_func=_label, key="presets_preset")
    table = None
    if name == "csv":
        table = cols[1].selectbox("Into the table", TABLES, index=2, key="presets_table")
    preset = get_preset(name, table)
    cols[0].caption(preset.description)
    return preset, None


def _mapping_editor(
    preset: Preset, source: SourceFile, saved: SavedMapping | None, known: list[str]
) -> dict[str, str | None] | None:
    try:
        found = sample(source)
    except UnreadableFile as exc:
        st.error(inert_markdown(f"{source.name}: {exc}"), icon=":material/error:")
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


def _join_control(saved: SavedMapping | None) -> tuple[AccountJoin | None, dict[str, str] | None]:
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
        columns = read_table(source).columns
    except UnreadableFile as exc:
        st.error(inert_markdown(f"{upload.name}: {exc}"), icon=":material/error:")
        return None, None
    wanted = preset_join or {}
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
    if key is None:
        st.info("Choose the column that holds the export's account ids.", icon=":material/info:")
        return None, None
    try:
        return account_join(source, key, ident), {"key_column": key, "id_column": ident}
    except ValidationFailed as exc:
        st.error(inert_markdown(describe_problems(exc.problems, 1)[0]), icon=":material/error:")
        return None, None


def _show_problems(problems: pl.DataFrame, heading: str) -> None:
    st.error(heading, icon=":material/error:")
    for line in describe_problems(problems, 5):
        st.text(line)
    if len(problems) > 5:
        st.dataframe(summarise_problems(problems), hide_index=True, key="presets_problem_kinds")
    st.dataframe(problems.head(5000), hide_index=True, key="presets_problem_rows")
    st.download_button(
        "Download all problems (CSV)",
        csv_bytes(problems),
        file_name="import-problems.csv",
        mime="text/csv",
        key="presets_download_problems",
    )


def _preview(
    preset: Preset,
    sources: list[SourceFile],
    mapping: Mapping,
    join: AccountJoin | None,
    known: list[str],
) -> bool:
    """Show the first rows as they will load; False when the preview already finds problems."""
    st.markdown("**Preview: the first rows as they will load**")
    try:
        shown = preview(preset, sources, mapping, join=join, known_accounts=known)
    except ValidationFailed as exc:
        _show_problems(exc.problems, "The mapping is not complete yet:")
        return False
    for table, frame in shown.tables.items():
        if frame.is_empty():
            continue
        st.caption(f"{table} · file and row point at the export")
        st.dataframe(frame, hide_index=True, key=f"presets_preview_{table}")
    for note in shown.notes:
        st.caption(note)
    if len(shown.problems):
        _show_problems(shown.problems, "These first rows already have problems; fix the mapping:")
        return False
    return True


@st.dialog("Replace the saved mapping?")
def _confirm_replace(
    ws_id: int, name: str, preset: Preset, mapping: Mapping, join: JoinSettings
) -> None:
    st.write(inert_markdown(f"A mapping called “{name}” exists. Replace it with these choices?"))
    if st.button("Replace", type="primary", key="presets_replace_confirm"):
        _save(ws_id, name, preset, mapping, join)
        st.rerun()


def _save(ws_id: int, name: str, preset: Preset, mapping: Mapping, join: JoinSettings) -> None:
    table = preset.tables[0] if preset.name == "csv" else None
    try:
        with transaction() as session:
            saved = save_mapping(
                session, ws_id, name, preset.name, mapping, target_table=table, join=join
            )
    except MappingError as exc:
        st.error(inert_markdown(str(exc)))
        return
    st.toast(inert_markdown(f"Saved the mapping “{saved.name}”"), icon=":material/bookmark:")


def _save_control(
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


def _load(
    ws: WorkspaceInfo,
    dataset: Dataset,
    preset: Preset,
    sources: list[SourceFile],
    mapping: Mapping,
    join: AccountJoin | None,
) -> None:
    bar = st.progress(0.0, text="Reading the export…")

    def report(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    try:
        result = run_preset(
            preset, sources, mapping, join=join, on_progress=lambda f, m: report(0.6 * f, m)
        )
        with transaction() as session:
            segments = list(workspaces.measurement_plan(session, ws.id).segments)
            outcome = import_into_workspace(
                session,
                ws.id,
                preset,
                result,
                None if dataset.is_empty else dataset,
                segments,
                lambda f, m: report(0.6 + 0.4 * f, m),
            )
    except ValidationFailed as exc:
        bar.empty()
        st.session_state[PROBLEMS_KEY] = exc.problems
        return
    bar.empty()
    st.session_state.pop(PROBLEMS_KEY, None)
    message = "; ".join(outcome.summary.lines()) or "nothing new to add"
    st.toast(f"Loaded: {message}", icon=":material/check_circle:")
    st.session_state["presets_last_notes"] = [*outcome.summary.lines(), *outcome.notes]
    st.rerun()


def render(ws: WorkspaceInfo, dataset: Dataset) -> None:
    """The tab body."""
    st.markdown(
        "Load an export straight from **Segment**, **Mixpanel**, **Amplitude**, **HubSpot**, "
        "**Salesforce** or **Zendesk**, or any other file by choosing its columns. The export "
        "is merged into what is loaded: accounts and users are updated by id, events and "
        "touches are added once. If any row has a problem, nothing is changed."
    )
    for note in st.session_state.pop("presets_last_notes", []):
        st.success(note, icon=":material/check_circle:")
    with transaction() as session:
        saved_mappings = list_mappings(session, ws.id)
    preset, saved = _choose_preset(saved_mappings)
    uploads = st.file_uploader(
        "Export files",
        type=list(preset.file_types),
        accept_multiple_files=True,
        key="presets_files",
        help="Several files of the same export load together (e.g. one per month).",
    )
    if not uploads:
        st.session_state.pop(PROBLEMS_KEY, None)
        what = "the file" if preset.name == "csv" else f"a {preset.label} export"
        st.info(f"Upload {what} to see how it will load.", icon=":material/upload:")
        return
    table = preset.tables[0]
    sources = [SourceFile(u.name, table, u.getvalue()) for u in uploads]
    known = dataset.accounts.get_column("account_id").to_list()
    mapping = _mapping_editor(preset, sources[0], saved, known)
    if mapping is None:
        return
    join, join_settings = _join_control(saved)
    ready = _preview(preset, sources, mapping, join, known)
    _save_control(ws.id, preset, mapping, join_settings, saved)
    if st.button("Check and load", type="primary", disabled=not ready, key="presets_load"):
        _load(ws, dataset, preset, sources, mapping, join)
    problems = st.session_state.get(PROBLEMS_KEY)
    if problems is not None:
        _show_problems(
            problems,
            f"The import was refused: {len(problems):,} problem(s) found. Nothing was changed.",
        )
