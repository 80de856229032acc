"""The Import tab: upload table files, confirm which table each feeds, check and load them.

An import is all or nothing: when any row breaks the data contract, nothing changes and the
problems stay on screen (in session state) until the next import, so they can be fixed.
"""

from __future__ import annotations

import polars as pl
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.common.downloads import csv_bytes
from core.common.errors import UserError
from core.common.text import inert_markdown
from core.data.importing import import_apart, with_current_tables
from core.data.readers import FORMATS, SourceFile, guess_table
from core.data.validate import ValidationFailed, describe_problems, summarise_problems
from core.model.contract import TABLES
from core.model.dataset import Dataset
from core.workspace import workspaces
from core.workspace.workspaces import WorkspaceInfo
from ui.feedback import show_error
from ui.state import transaction

PROBLEMS_KEY = "import_problems"


PROBLEM_COLUMNS = {
    "file": st.column_config.TextColumn("File or table"),
    "row": st.column_config.NumberColumn("Row", format="%d"),
    "column": st.column_config.TextColumn("Column"),
    "value": st.column_config.TextColumn("Value"),
    "rule": st.column_config.TextColumn("Problem"),
    "rows": st.column_config.NumberColumn("Rows", format="%d"),
    "first_row": st.column_config.NumberColumn("First row", format="%d"),
}


def _show_problems(problems: pl.DataFrame) -> None:
    st.error(
        f"The import was refused: {len(problems):,} problem(s) found. Nothing was changed; the "
        "data loaded before is still in place. Fix the rows below and upload again.",
        icon=":material/error:",
    )
    for line in describe_problems(problems, 5):
        st.text(line)
    if len(problems) > 5:
        st.markdown("**By kind of problem**")
        st.dataframe(
            summarise_problems(problems),
            hide_index=True,
            column_config=PROBLEM_COLUMNS,
            key="import_problem_kinds",
        )
    st.caption(
        "Row 1 is the first data row under a file's header. A table named “… already "
        "loaded” is one you did not upload this time: it was checked as it is stored, and its "
        "row counts the stored rows (fix it by uploading that table too). Every problem:"
    )
    st.dataframe(
        problems.head(5000),
        hide_index=True,
        column_config=PROBLEM_COLUMNS,
        key="import_problems",
    )
    st.download_button(
        "Download all problems (CSV)",
        csv_bytes(problems),
        file_name="import-problems.csv",
        mime="text/csv",
        key="download_problems",
    )


def _assign_tables(uploads: list[UploadedFile]) -> list[SourceFile] | None:
    """Let the user confirm which table each file feeds; None when one is left unassigned."""
    sources = []
    for upload in uploads:
        guessed = guess_table(upload.name)
        table = st.selectbox(
            f"Table for **{inert_markdown(upload.name)}**",
            TABLES,
            index=TABLES.index(guessed) if guessed else None,
            placeholder="Choose the table this file holds",
            key=f"table_for_{upload.name}",
        )
        if table is None:
            return None
        sources.append(SourceFile(upload.name, table, upload.getvalue()))
    return sources


def _run_import(
    ws: WorkspaceInfo, dataset: Dataset, sources: list[SourceFile], *, replace_all: bool
) -> None:
    bar = st.progress(0.0, text="Starting…")

    def report(fraction: float, message: str) -> None:
        bar.progress(min(fraction, 1.0), text=message)

    full = sources if replace_all else with_current_tables(sources, dataset)
    try:
        with transaction() as session:  # a short read, ended before the check starts
            segments = list(workspaces.measurement_plan(session, ws.id).segments)
        loaded = import_apart(transaction, ws.id, full, segments, report)
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
    counts = ", ".join(f"{v:,} {k}" for k, v in loaded.row_counts.items())
    st.toast(f"Loaded {counts}", icon=":material/check_circle:")
    st.rerun()


def show_import(ws: WorkspaceInfo, dataset: Dataset) -> None:
    st.markdown(
        "Upload any of the four tables: **accounts**, **users**, **events**, **touches** "
        "(CSV, Parquet, JSON Lines or Excel; several files at once; files for the same table "
        "are combined). Every file is checked against the data contract first; if any row "
        "has a problem, the whole import is refused and what is loaded now stays as it is."
    )
    uploads = st.file_uploader(
        "Table files",
        type=[ext.lstrip(".") for ext in FORMATS],
        accept_multiple_files=True,
        key="import_files",
    )
    replace_all = st.checkbox(
        "Replace every table (tables you do not upload become empty)",
        value=False,
        key="import_replace_all",
        help="Off: tables you leave out keep their data and are checked with the new files.",
    )
    if uploads:
        sources = _assign_tables(uploads)
        if sources is None:
            st.warning("Choose a table for every file to continue.")
        elif st.button("Check and load", type="primary", key="import_run"):
            _run_import(ws, dataset, sources, replace_all=replace_all)
    problems = st.session_state.get(PROBLEMS_KEY)
    if problems is not None:
        _show_problems(problems)
