"""Bulk editing: one kind of element as an editable table, saved in one undoable change."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core import journey as jm
from core.common.errors import UserError
from core.journey import tables
from core.workspace.access import Access
from ui.feedback import show_error
from ui.journey import conflict
from ui.journey.access import actor
from ui.state import transaction


def bulk(
    content: jm.MapContent, access: Access, kinds: tuple[str, ...], prefix: str = "bulk"
) -> None:
    """The table of the chosen kind, as loaded when this person opened it; saving checks
    every row against what is stored, so nobody's edit is overwritten."""
    kind = st.segmented_control(
        "Element kind",
        list(kinds),
        default=kinds[0],
        format_func=lambda k: jm.spec(k).plural,
        key=f"{prefix}_kind",
    )
    kind = kind or kinds[0]
    base_key = f"{prefix}_base_{content.info.id}_{kind}"
    if base_key not in st.session_state:
        st.session_state[base_key] = (content.info.version, _frame(content, kind))
    base_rev, frame = st.session_state[base_key]
    if base_rev != content.info.version:
        st.caption(
            f"The map has changed since this table was loaded (revision {base_rev}); "
            "saving still checks every row, so nobody's edit is overwritten."
        )
    edited = st.data_editor(
        frame,
        num_rows="dynamic",
        hide_index=True,
        column_config=_column_config(kind, content),
        key=f"{base_key}_editor_{base_rev}",
        width="stretch",
    )
    c1, c2 = st.columns(2)
    if c1.button(f"Save {jm.spec(kind).plural.lower()}", type="primary", key=f"{prefix}_save"):
        _save(content, access, kind, edited, base_key)
    if c2.button("Reload from the map", key=f"{prefix}_reload"):
        st.session_state.pop(base_key, None)
        st.rerun()


def _save(
    content: jm.MapContent, access: Access, kind: str, edited: pd.DataFrame, base_key: str
) -> None:
    try:
        with transaction() as s:
            rows = _rows_for_core(edited, content, kind)
            count = jm.save_kind(s, content.info.id, kind, rows, actor(access))
    except jm.ConflictError as exc:
        conflict.show(exc, kind, 0)
        return
    except UserError as exc:
        show_error(exc)
        return
    st.session_state.pop(base_key, None)
    st.toast(f"Saved {count} change(s); one Undo takes them all back")
    st.rerun()


def _frame(content: jm.MapContent, kind: str) -> pd.DataFrame:
    return pd.DataFrame(tables.editor_rows(content, kind), columns=tables.editor_columns(kind))


def _column_config(kind: str, content: jm.MapContent) -> dict[str, Any]:
    config: dict[str, Any] = {"id": None, "version": None}
    for f in jm.spec(kind).fields:
        if f.type == "stage":
            config["stage"] = st.column_config.SelectboxColumn(
                "Stage", options=[s["name"] for s in content.stages]
            )
        elif f.type == "choice":
            config[f.name] = st.column_config.SelectboxColumn(
                f.label, options=list(f.choices), required=f.required
            )
        elif f.type == "bool":
            config[f.name] = st.column_config.CheckboxColumn(f.label)
        elif f.type in ("int", "float"):
            config[f.name] = st.column_config.NumberColumn(
                f.label, step=1 if f.type == "int" else 0.5, required=f.required
            )
        elif f.type == "date":
            config[f.name] = st.column_config.DateColumn(f.label)
        else:
            config[f.name] = st.column_config.TextColumn(
                f.label, required=f.required, max_chars=200 if f.type == "text" else 5000
            )
    return config


def _rows_for_core(frame: pd.DataFrame, content: jm.MapContent, kind: str) -> list[dict]:
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return tables.from_editor(content, kind, records)
