"""Data: see what is loaded, import files, set the analysis date and the segment targets."""

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

from datetime import date

import altair as alt
import polars as pl
import streamlit as st

from core.common.downloads import csv_bytes
from core.data import store
from core.data.importing import import_files, with_current_tables
from core.data.readers import FORMATS, SourceFile, guess_table
from core.data.validate import ValidationFailed, describe_problems, summarise_problems
from core.model.contract import TABLES
from core.workspace import workspaces
from core.workspace.demo_workspace import demo_dataset
from core.workspace.workspaces import WorkspaceError
from ui import presets_tab
from ui.state import current_dataset, current_workspace, overview, transaction

ws = current_workspace()
info, dataset = current_dataset(ws.id)

st.title("Data")


# ------------------------------------------------------------------ analysis date


def _as_of_control() -> None:
    latest = info.last_event_at.date() if info and info.last_event_at else None
    pinned = ws.as_of is not None
    st.subheader("Analysis date")
    st.caption(
        "Every page computes its numbers as of this date: later events are ignored and "
        "accounts that start later are left out. By default it follows the latest event."
    )
    use_latest = st.toggle(
        f"Use the latest event date ({latest or 'no events yet'})",
        value=not pinned,
        key="as_of_follow_latest",
    )
    if use_latest:
        if pinned:
            with transaction() as session:
                workspaces.set_as_of(session, ws.id, None)
            st.toast("Analysis date follows the latest event again")
            st.rerun()
        return
    chosen = st.date_input(
        "Analysis date", value=ws.as_of or latest or date.today(), key="as_of_date"
    )
    if chosen != ws.as_of:
        with transaction() as session:
            workspaces.set_as_of(session, ws.id, chosen)
        st.toast(f"Analysis date set to {chosen}")
        st.rerun()


# ------------------------------------------------------------------ overview


def _overview() -> None:
    if dataset.is_empty:
        st.info(
            "Nothing is loaded in this workspace yet. Use **Import** to upload your tables or "
            "to load the demo data.",
            icon=":material/info:",
        )
        return
    summary, per_segment, catalogue = overview(info.id)  # type: ignore[union-attr]
    cols = st.columns(4)
    for col, table in zip(cols, TABLES, strict=True):
        col.metric(table.capitalize(), f"{summary.row_counts[table]:,}")
    st.markdown(
        f"Events from **{summary.first_event}** to **{summary.last_event}** · onboarding "
        f"starts from **{summary.first_start}** to **{summary.last_start}** · "
        f"**{summary.churned:,}** accounts have a churn date."
    )
    if info is not None:
        st.caption(f"Loaded {info.created_at:%Y-%m-%d %H:%M} UTC from {info.source}")

    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Accounts per segment**")
        chart = (
            alt.Chart(per_segment)
            .mark_bar()
            .encode(
                x=alt.X("accounts:Q", title="Accounts"),
                y=alt.Y("segment:N", sort="-x", title=None),
                tooltip=["segment", "accounts", "churned"],
            )
            .properties(height=160)
        )
        st.altair_chart(chart, width="stretch")
        st.dataframe(
            per_segment,
            hide_index=True,
            column_config={
                "contract_value": st.column_config.NumberColumn("Contract value", format="$%,.0f"),
            },
        )
    with right:
        st.markdown(f"**Event catalogue** · {len(catalogue)} distinct events")
        st.dataframe(
            catalogue,
            hide_index=True,
            height=360,
            column_config={
                "events": st.column_config.NumberColumn("Events", format="%,d"),
                "accounts": st.column_config.NumberColumn("Accounts", format="%,d"),
                "first_seen": st.column_config.DateColumn("First seen"),
                "last_seen": st.column_config.DateColumn("Last seen"),
            },
        )
        st.download_button(
            "Download the event catalogue (CSV)",
            csv_bytes(catalogue),
            file_name="event-catalogue.csv",
            mime="text/csv",
            key="download_catalogue",
        )


# ------------------------------------------------------------------ import


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
        st.dataframe(summarise_problems(problems), hide_index=True, key="import_problem_kinds")
    st.caption("Row 1 is the first data row under the header. Every problem:")
    st.dataframe(problems.head(5000), hide_index=True, key="import_problems")
    st.download_button(
        "Download all problems (CSV)",
        csv_bytes(problems),
        file_name="import-problems.csv",
        mime="text/csv",
        key="download_problems",
    )


def _assign_tables(uploads: list) -> list[SourceFile] | None:
    """Let the user confirm which table each file feeds; None when one is left unassigned."""
    sources = []
    for upload in uploads:
        guessed = guess_table(upload.name)
        table = st.selectbox(
            f"Table for **{upload.name}**",
            TABLES,
            index=TABLES.index(guessed) if guessed else None,
            placeholder="Choose the table this file holds",
            key=f"table_for_{upload.name}",
        )
        if table is None:
            return None
        sources.append(SourceFile(upload.name, table, upload.getvalue()))
    return sources


def _run_import(sources: list[SourceFile], *, replace_all: bool) -> None:
    bar = st.progress(0.0, text="Starting…")
    full = sources if replace_all else with_current_tables(sources, dataset)
    try:
        with transaction() as session:
            segments = list(workspaces.measurement_plan(session, ws.id).segments)
            loaded = import_files(
                session, ws.id, full, segments, lambda f, m: bar.progress(min(f, 1.0), text=m)
            )
    except ValidationFailed as exc:
        bar.empty()
        st.session_state["import_problems"] = exc.problems
        return
    bar.empty()
    st.session_state.pop("import_problems", None)
    counts = ", ".join(f"{v:,} {k}" for k, v in loaded.row_counts.items())
    st.toast(f"Loaded {counts}", icon=":material/check_circle:")
    st.rerun()


def _import() -> None:
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
            _run_import(sources, replace_all=replace_all)
    problems = st.session_state.get("import_problems")
    if problems is not None:
        _show_problems(problems)

    st.divider()
    st.markdown("**Demo data**")
    st.caption("A realistic made-up customer base, the same every time for the same size and seed.")
    cols = st.columns([1, 1, 2])
    accounts = cols[0].number_input("Accounts", 100, 20_000, 2000, step=100, key="demo_accounts")
    seed = cols[1].number_input("Seed", 0, 10_000, 7, key="demo_seed")
    if cols[2].button("Load demo data into this workspace", key="demo_load"):
        with st.spinner("Generating and saving the demo data…"):
            demo = demo_dataset(int(accounts), int(seed))
            with transaction() as session:
                store.save_dataset(
                    session, ws.id, demo, f"Demo data ({accounts} accounts, seed {seed})"
                )
        st.toast("Demo data loaded")
        st.rerun()


# ------------------------------------------------------------------ segments


def _segments() -> None:
    st.markdown(
        "The targets each segment is measured against. Accounts without a segment get one from "
        "their contract value (under $25,000 SMB, up to $100,000 Mid-Market, above that "
        "Enterprise)."
    )
    with transaction() as session:
        rows = workspaces.segment_rows(session, ws.id)
    edited = st.data_editor(
        pl.DataFrame(rows),
        num_rows="dynamic",
        hide_index=True,
        key="segments_editor",
        column_config={
            "name": st.column_config.TextColumn("Segment", required=True, max_chars=80),
            "ttv_target_days": st.column_config.NumberColumn(
                "First value due (days)", min_value=1, step=1, required=True
            ),
            "duration_target_days": st.column_config.NumberColumn(
                "Onboarding done (days)", min_value=1, step=1, required=True
            ),
            "adoption_target": st.column_config.NumberColumn(
                "Seat adoption target", min_value=0.0, max_value=1.0, step=0.05, required=True
            ),
            "csat_target": st.column_config.NumberColumn(
                "CSAT target", min_value=1.0, max_value=5.0, step=0.1, required=True
            ),
            "csm_ratio_low": st.column_config.NumberColumn("Accounts per CSM (low)", min_value=0),
            "csm_ratio_high": st.column_config.NumberColumn("Accounts per CSM (high)", min_value=0),
        },
    )
    if st.button("Save segments", type="primary", key="segments_save"):
        in_use = set(dataset.accounts.get_column("segment").drop_nulls().unique().to_list())
        try:
            with transaction() as session:
                workspaces.save_segments(session, ws.id, edited.to_dicts(), in_use)
        except WorkspaceError as exc:
            st.error(str(exc))
            return
        st.toast("Segments saved")
        st.rerun()


# ------------------------------------------------------------------ history


def _history() -> None:
    with transaction() as session:
        versions = store.history(session, ws.id)
    if not versions:
        st.info("No imports yet.")
        return
    st.caption("The last few imports are kept; switch back to one if a new file was wrong.")
    for version in versions:
        counts = " · ".join(f"{v:,} {k}" for k, v in version.row_counts.items())
        cols = st.columns([4, 1])
        active = info is not None and version.id == info.id
        cols[0].markdown(
            f"**{version.created_at:%Y-%m-%d %H:%M}** {'(active)' if active else ''}  \n"
            f"{counts}  \n"
        )
        cols[0].caption(version.source)
        if not active and cols[1].button("Use this", key=f"activate_{version.id}"):
            with transaction() as session:
                store.activate_version(session, ws.id, version.id)
            st.toast("Switched to the earlier import")
            st.rerun()


_as_of_control()
overview_tab, importer, other_tools, segments, history = st.tabs(
    ["Overview", "Import", "From other tools", "Segments", "History"]
)
with overview_tab:
    _overview()
with importer:
    _import()
with other_tools:
    presets_tab.render(ws, dataset)
with segments:
    _segments()
with history:
    _history()
