"""Bulk editing: one kind of element as an editable table, saved in one undoable change.

The table remembers the map as it was when this person started editing it, and a save sends
only what they changed, added and deleted relative to that (core.journey.bulk): rows someone
else added meanwhile stay, and a row they changed that someone else changed too refuses the
whole save with both values. While the person has no unsaved edit (a cell typed back as it
was is none), the table follows the map as it is now, so it is never stale after their own
change (a form, a converted note, their own table save) or a colleague's. A refused save stays
on screen, with a button that drops the edits and loads the table afresh, until the person
saves again or loads afresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.common.errors import UserError
from core.journey import tables
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


@dataclass(frozen=True)
class _Table:
    """The table this person loaded: the map it showed and the key of its editor (a new key
    for every table loaded, so a table loaded afresh starts without the old cell edits)."""

    content: jm.MapContent
    editor_key: str


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
    base_key = _base_key(content, prefix, kind)
    table = _loaded(content, kind, base_key)
    loaded = table.content
    edited = st.data_editor(
        _frame(loaded, kind),
        num_rows="dynamic",
        hide_index=True,
        column_config=_column_config(kind, loaded),
        key=table.editor_key,
        width="stretch",
    )
    behind = loaded.info.version != content.info.version
    if behind:
        st.caption(
            "The map changed while you were editing this table; saving sends only your "
            "changes, and any row changed since you loaded it is shown to you before anything "
            "is overwritten."
        )
    label = f"Save {jm.spec(kind).plural.lower()}"
    if st.button(label, type="primary", key=f"{prefix}_save"):
        _save(table, access, kind, edited, base_key)
    refused = _conflicts_shown(table, base_key)
    if behind or refused:
        st.button(
            "Drop my edits and load the table as it is now",
            key=f"{base_key}_reload",
            on_click=_forget,
            args=(base_key,),
        )


def _loaded(content: jm.MapContent, kind: str, base_key: str) -> _Table:
    """The table this person's editor started from: the map as it is now, unless they hold
    unsaved edits in a table loaded from an earlier version. Their own change elsewhere (a
    form, a converted note, an earlier table save) therefore shows at once, like anyone's."""
    stored = st.session_state.get(base_key)
    if isinstance(stored, _Table):
        if stored.content.info.version == content.info.version:
            return stored
        if _has_edits(stored, kind):
            return stored
    count = int(st.session_state.get(f"{base_key}_loads", 0)) + 1
    st.session_state[f"{base_key}_loads"] = count
    table = _Table(content, f"{base_key}_editor_{content.info.version}_{count}")
    st.session_state[base_key] = table
    return table


def unsaved_edits(content: jm.MapContent, prefix: str, kinds: tuple[str, ...]) -> bool:
    """Whether one of this person's tables of this map (under `prefix`, of `kinds`) holds an
    edit not yet saved: its tab is then drawn even while closed, so the edit survives a look
    elsewhere."""
    tables = ((kind, st.session_state.get(_base_key(content, prefix, kind))) for kind in kinds)
    return any(isinstance(table, _Table) and _has_edits(table, kind) for kind, table in tables)


def _base_key(content: jm.MapContent, prefix: str, kind: str) -> str:
    """Where the table of one kind of this map is kept in this person's session."""
    return f"{prefix}_base_{content.info.id}_{kind}"


def _forget(base_key: str) -> None:
    """The next run loads the table afresh from the map (a new editor, no cell edits)."""
    st.session_state.pop(base_key, None)
    st.session_state.pop(f"{base_key}_conflict", None)


def _has_edits(table: _Table, kind: str) -> bool:
    """Whether the editor holds an edit that would change the map: cells typed back to what
    they were, or clicked without a change, do not keep the table on an old version."""
    state = st.session_state.get(table.editor_key)
    if not isinstance(state, Mapping):
        return False
    if not any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows")):
        return False
    try:
        edit = tables.edited_table(table.content, kind, _applied(table.content, kind, state))
    except UserError:
        return True  # an edit that cannot even be read is still the person's edit
    return not edit.empty


def _applied(content: jm.MapContent, kind: str, state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The loaded rows with the editor's cell edits, deletions and added rows applied."""
    rows = _frame(content, kind).to_dicts()
    for position, changes in (state.get("edited_rows") or {}).items():
        index = int(position)
        if 0 <= index < len(rows) and isinstance(changes, Mapping):
            rows[index] = {**rows[index], **changes}
    gone = {int(i) for i in state.get("deleted_rows") or []}
    kept = [row for i, row in enumerate(rows) if i not in gone]
    added = [dict(r) for r in state.get("added_rows") or [] if isinstance(r, Mapping)]
    return kept + added


def _save(table: _Table, access: Access, kind: str, edited: pl.DataFrame, base_key: str) -> None:
    loaded = table.content
    try:
        edit = tables.edited_table(loaded, kind, edited.to_dicts())
        if edit.empty:
            st.toast("Nothing to save: the table is as you loaded it")
            return
        with transaction() as s:
            saved = jm.save_table(s, loaded.info.id, kind, edit, actor(access))
    except jm.TableConflictError as exc:
        # Kept for the runs that follow, so the rows and the reload button stay on screen.
        st.session_state[f"{base_key}_conflict"] = (table.editor_key, exc)
        return
    except UserError as exc:
        show_error(exc)
        return
    _forget(base_key)
    noun = "change" if saved.count == 1 else "changes"
    st.toast(f"Saved {saved.count} {noun}; one Undo takes them all back")
    st.rerun()


def _conflicts_shown(table: _Table, base_key: str) -> bool:
    """Nothing was saved: every row someone else changed, with both values. Shown until the
    person saves again, reloads, or the table is loaded afresh."""
    kept = st.session_state.get(f"{base_key}_conflict")
    if not kept or kept[0] != table.editor_key:
        st.session_state.pop(f"{base_key}_conflict", None)
        return False
    exc: jm.TableConflictError = kept[1]
    show_error(exc)
    rows = [
        {
            "Row": r.what,
            "Yours": "deleted" if r.mine is None else _values(r, r.mine),
            "Saved by someone else": "deleted" if r.theirs is None else _values(r, r.theirs),
        }
        for r in exc.rows
    ]
    st.dataframe(pl.DataFrame(rows), hide_index=True, key=f"{base_key}_conflicts")
    return True


def _values(row: jm.RowConflict, values: Mapping[str, object]) -> str:
    """A row's values with each field in words ("Owner team: CS"), never its identifier."""
    return "; ".join(f"{row.label(name)}: {value}" for name, value in values.items())


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
