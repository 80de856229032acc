"""Bulk editing: one kind of element as an editable table, saved in one undoable change.

The table remembers the map as it was when this person started editing it, and a save sends
only what they changed, added and deleted relative to that (core.journey.bulk): rows someone
else added meanwhile stay, and a row they changed that someone else changed too refuses the
whole save with both values. While the person has no unsaved edit, the table follows the map
as it is now, so it is never stale after their own change or a colleague's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import streamlit as st

from core import journey as jm
from core.common.errors import UserError
from core.journey import tables
from core.workspace.access import Access
from ui.feedback import show_error
from ui.journey.access import actor
from ui.state import transaction

_DTYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "longtext": pl.String(),
    "choice": pl.String(),
    "stage": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
}


def bulk(
    content: jm.MapContent, access: Access, kinds: tuple[str, ...], prefix: str = "bulk"
) -> None:
    """The table of the chosen kind; see the module docstring for what a save does."""
    kind = st.segmented_control(
        "Element kind",
        list(kinds),
        default=kinds[0],
        format_func=lambda k: jm.spec(k).plural,
        key=f"{prefix}_kind",
    )
    kind = kind or kinds[0]
    base_key = f"{prefix}_base_{content.info.id}_{kind}"
    loaded = _loaded(content, base_key)
    editor_key = f"{base_key}_editor_{loaded.info.version}"
    edited = st.data_editor(
        _frame(loaded, kind),
        num_rows="dynamic",
        hide_index=True,
        column_config=_column_config(kind, loaded),
        key=editor_key,
        width="stretch",
    )
    if loaded.info.version != content.info.version:
        st.caption(
            "Someone changed the map while you were editing this table; saving sends only "
            "your changes, and any row you both changed is shown to you before anything is "
            "overwritten."
        )
    label = f"Save {jm.spec(kind).plural.lower()}"
    if st.button(label, type="primary", key=f"{prefix}_save"):
        _save(loaded, access, kind, edited, base_key)


def _loaded(content: jm.MapContent, base_key: str) -> jm.MapContent:
    """The map this person's table started from: the current one unless they have unsaved
    edits in a table loaded earlier."""
    stored = st.session_state.get(base_key)
    if isinstance(stored, jm.MapContent) and stored.info.version != content.info.version:
        if _has_edits(f"{base_key}_editor_{stored.info.version}"):
            return stored
    st.session_state[base_key] = content
    return content


def _has_edits(editor_key: str) -> bool:
    state = st.session_state.get(editor_key)
    if not isinstance(state, dict):
        return False
    return any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def _save(
    loaded: jm.MapContent, access: Access, kind: str, edited: pl.DataFrame, base_key: str
) -> None:
    try:
        edit = tables.edited_table(loaded, kind, edited.to_dicts())
        if edit.empty:
            st.toast("Nothing to save: the table is as you loaded it")
            return
        with transaction() as s:
            saved = jm.save_table(s, loaded.info.id, kind, edit, actor(access))
    except jm.TableConflictError as exc:
        _show_conflicts(exc, base_key)
        return
    except UserError as exc:
        show_error(exc)
        return
    st.session_state.pop(base_key, None)
    noun = "change" if saved.count == 1 else "changes"
    st.toast(f"Saved {saved.count} {noun}; one Undo takes them all back")
    st.rerun()


def _show_conflicts(exc: jm.TableConflictError, base_key: str) -> None:
    """Nothing was saved: every row someone else changed, with both values."""
    show_error(exc)
    rows = [
        {
            "Row": r.what,
            "Yours": "deleted" if r.mine is None else _values(r.mine),
            "Saved by someone else": "deleted" if r.theirs is None else _values(r.theirs),
        }
        for r in exc.rows
    ]
    st.dataframe(pl.DataFrame(rows), hide_index=True, key=f"{base_key}_conflicts")
    if st.button("Load the table as it is now", key=f"{base_key}_reload"):
        st.session_state.pop(base_key, None)
        st.rerun()


def _values(values: Mapping[str, object]) -> str:
    return "; ".join(f"{name}: {value}" for name, value in values.items())


def _frame(content: jm.MapContent, kind: str) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {"id": pl.Int64(), "version": pl.Int64()}
    for f in jm.spec(kind).fields:
        schema["stage" if f.type == "stage" else f.name] = _DTYPES[f.type]
    return pl.DataFrame(tables.editor_rows(content, kind), schema=schema)


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
