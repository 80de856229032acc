"""The Data page's "From other tools" tab: load a vendor export in a few clicks.

Widgets only: choosing, converting, merging and saving all happen in core.data.presets. The
mapping is guessed on every upload, corrected in an editor (presets_mapping), previewed as it
will load (presets_preview), and can be saved for next month's export (presets_saved).
"""

from __future__ import annotations

import streamlit as st

from core.common.errors import UserError
from core.common.text import inert_markdown
from core.data.importing import import_preset_apart
from core.data.presets import PRESET_NAMES, VENDOR_PRESETS, get_preset
from core.data.presets.base import Preset
from core.data.presets.convert import run_preset
from core.data.presets.result import AccountJoin
from core.data.presets.saved import SavedMapping, list_mappings
from core.data.readers import SourceFile
from core.data.validate import ValidationFailed
from core.model.contract import TABLES
from core.model.dataset import Dataset
from core.workspace import workspaces
from core.workspace.workspaces import WorkspaceInfo
from ui.data.presets_mapping import Mapping, join_control, mapping_editor
from ui.data.presets_preview import show_preview, show_problems
from ui.data.presets_saved import save_control
from ui.feedback import show_error
from ui.state import transaction

FROM_PRESET = "A preset"
PROBLEMS_KEY = "presets_problems"
NOTES_KEY = "presets_last_notes"


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
        with transaction() as session:  # a short read, ended before the check starts
            segments = list(workspaces.measurement_plan(session, ws.id).segments)
        outcome = import_preset_apart(  # checks with no transaction open
            transaction,
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
    except UserError as exc:
        bar.empty()
        show_error(exc)
        return
    bar.empty()
    st.session_state.pop(PROBLEMS_KEY, None)
    message = "; ".join(outcome.summary.lines()) or "nothing new to add"
    st.toast(f"Loaded: {inert_markdown(message)}", icon=":material/check_circle:")
    st.session_state[NOTES_KEY] = [*outcome.summary.lines(), *outcome.notes]
    st.rerun()


def _upload(preset: Preset) -> list[SourceFile]:
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
        return []
    return [SourceFile(u.name, preset.tables[0], u.getvalue()) for u in uploads]


def render(ws: WorkspaceInfo, dataset: Dataset) -> None:
    """The tab body."""
    st.markdown(
        "Load an export straight from **Segment**, **Mixpanel**, **Amplitude**, **HubSpot**, "
        "**Salesforce** or **Zendesk**, or any other file by choosing its columns. The export "
        "is merged into what is loaded: accounts and users are updated by id, events and "
        "touches are added once. If any row has a problem, nothing is changed."
    )
    for note in st.session_state.pop(NOTES_KEY, []):
        st.success(note, icon=":material/check_circle:")
    with transaction() as session:
        saved_mappings = list_mappings(session, ws.id)
    preset, saved = _choose_preset(saved_mappings)
    sources = _upload(preset)
    if not sources:
        return
    known = dataset.accounts.get_column("account_id").to_list()
    mapping = mapping_editor(preset, sources[0], saved, known)
    if mapping is None:
        return
    join, join_settings = join_control(saved)
    ready = show_preview(preset, sources, mapping, join, known)
    save_control(ws.id, preset, mapping, join_settings, saved)
    if st.button("Check and load", type="primary", disabled=not ready, key="presets_load"):
        _load(ws, dataset, preset, sources, mapping, join)
    problems = st.session_state.get(PROBLEMS_KEY)
    if problems is not None:
        show_problems(
            problems,
            f"The import was refused: {len(problems):,} problem(s) found. Nothing was changed.",
        )
