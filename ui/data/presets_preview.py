"""The export as it will load, and the problems that stop it loading."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.common.downloads import csv_bytes
from core.data.presets.base import Preset
from core.data.presets.result import AccountJoin
from core.data.presets.service import preview
from core.data.readers import SourceFile
from core.data.validate import ValidationFailed, describe_problems, summarise_problems
from ui.data.presets_mapping import Mapping


def show_problems(problems: pl.DataFrame, heading: str) -> None:
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


def show_preview(
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
        show_problems(exc.problems, "The mapping is not complete yet:")
        return False
    for table, frame in shown.tables.items():
        if frame.is_empty():
            continue
        st.caption(f"{table} · file and row point at the export")
        st.dataframe(frame, hide_index=True, key=f"presets_preview_{table}")
    for note in shown.notes:
        st.caption(note)
    if len(shown.problems):
        show_problems(shown.problems, "These first rows already have problems; fix the mapping:")
        return False
    return True
