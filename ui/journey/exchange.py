"""The Export & import tab: the map as JSON, Excel and Markdown, the measurement plan it feeds
(members: the plan reads every map of the workspace), and importing a map file back (who may
manage maps only)."""

from __future__ import annotations

import re

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.common.errors import UserError
from core.common.text import inert_markdown
from core.model.plan import plan_to_toml
from ui.clearing import empty_if_asked, empty_next_run
from ui.feedback import show_error
from ui.journey.access import actor
from ui.journey.maps import NEXT_MAP_KEY
from ui.state import plan, transaction


def exports(content: jm.MapContent, access: Access) -> None:
    slug = re.sub(r"[^a-z0-9]+", "-", content.info.name.lower()).strip("-") or "journey-map"
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(
        "JSON",
        jm.to_json(content),
        file_name=f"{slug}.json",
        mime="application/json",
        key="export_json",
    )
    c2.download_button(
        "Excel",
        jm.to_excel(content),
        file_name=f"{slug}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="export_excel",
    )
    c3.download_button(
        "Markdown",
        jm.to_markdown(content),
        file_name=f"{slug}.md",
        mime="text/markdown",
        key="export_md",
    )
    if not access.is_guest:
        c4.download_button(
            "Measurement plan (TOML)",
            plan_to_toml(plan(content.info.workspace_id)),
            file_name="plan.toml",
            mime="application/toml",
            key="export_plan",
        )
    st.caption("Charts: use the ⋯ menu on each chart to save it as PNG or SVG.")


def imports(access: Access) -> None:
    with st.form("journey_import"):
        st.markdown("**Import a map** (JSON or Excel exported from Waypoint)")
        upload = st.file_uploader("Map file", type=["json", "xlsx"], key="import_file")
        empty_if_asked("import_name")
        name = st.text_input("Name for the imported map (optional)", key="import_name")
        submitted = st.form_submit_button("Import", key="import_submit")
        if submitted and upload is None:
            st.warning("Choose a JSON or Excel file first.")
        if submitted and upload is not None:
            data = upload.getvalue()
            excel = upload.name.lower().endswith(".xlsx")
            try:
                doc = jm.from_excel(data) if excel else jm.from_json(data)
                with transaction() as s:
                    info, warnings = jm.build_map(
                        s, access.workspace_id, doc, actor(access), name=name or None
                    )
            except UserError as exc:
                show_error(exc)
                st.caption("Nothing was imported.")
                return
            for warning in warnings:
                st.toast(inert_markdown(warning), icon=":material/warning:")
            st.session_state[NEXT_MAP_KEY] = info.id
            empty_next_run("import_name")  # once stored, not before
            st.session_state.pop("import_file", None)
            st.toast(f"Imported {inert_markdown(info.name)}")
            st.rerun()
