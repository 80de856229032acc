"""The element forms of the Map tab: pick an element, edit, move or delete it, add a new one."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from core import journey as jm
from core.access.identity import Access
from core.common.errors import UserError
from core.journey import views
from core.model.contract import CHANNELS
from ui.feedback import user_errors
from ui.journey import conflict
from ui.journey.access import actor
from ui.journey.actions import attempt, control, flash
from ui.journey.fields import field_widget, stage_choices
from ui.journey.graph import SELECTED_KEY
from ui.state import run_access, transaction


def editor(content: jm.MapContent, access: Access, *, editable: bool) -> None:
    """The element picker (also set by clicking a node), then its form, or its details for
    whoever may not edit now (worded "Element" / "Details", never "edit")."""
    nodes = _all_nodes(content)
    selected = st.session_state.get(SELECTED_KEY)
    if selected not in nodes:
        selected = None
    if st.session_state.get("journey_pick") != selected:
        st.session_state["journey_pick"] = selected

    def picked() -> None:
        st.session_state[SELECTED_KEY] = st.session_state["journey_pick"]

    st.selectbox(
        "Element to edit" if editable else "Element",
        [None, *nodes],
        key="journey_pick",
        on_change=picked,
        format_func=lambda i: nodes[i] if i else "(choose, or click a node)",
    )
    parsed = views.parse_node_id(selected)
    if not parsed:
        return
    kind, element_id = parsed
    element = content.find(kind, element_id)
    if element is None:
        st.warning("That element was deleted meanwhile.")
        return
    if editable:
        _edit_form(content, access, kind, element)
    else:  # a viewer (or a locked map) reads the element: no edit wording
        st.markdown("**Details**")
        st.text(views.details(kind, element))


def _all_nodes(content: jm.MapContent) -> dict[str, str]:
    out = {}
    for kind in jm.MAP_KINDS:
        for e in content.of(kind):
            where = content.stage_name(e.get("stage_id")) if kind != "stage" else ""
            out[views.node_id(kind, e["id"])] = f"{jm.spec(kind).label}: {e['name']}" + (
                f" ({where})" if where else ""
            )
    return out


def _edit_form(
    content: jm.MapContent, access: Access, kind: str, element: Mapping[str, Any]
) -> None:
    """The element's fields and Save. The save is stored by the button's callback, first
    thing in the next run, like the add: a click elsewhere that starts another run before
    this page's body reaches the form no longer loses it."""
    spec = jm.spec(kind)
    started = conflict.started(kind, element)
    stages = stage_choices(content)
    prefix = f"ef_{kind}_{element['id']}_{started}"
    keys = {f.name: f"{prefix}_{f.name}" for f in spec.fields}
    with st.form(f"edit_{kind}_{element['id']}_{started}"):
        st.markdown(f"**Edit {spec.label.lower()}** · version {started}")
        columns = st.columns(2)
        for i, f in enumerate(spec.fields):
            with columns[i % 2] if f.type not in ("longtext",) else st.container():
                field_widget(f, element.get(f.name), keys[f.name], stages)
        st.form_submit_button(
            "Save changes",
            type="primary",
            key=f"{prefix}_save",
            on_click=_store_edit,
            args=(content.info.id, kind, dict(element), keys, started),
        )
    conflict.explain(kind, element["id"])
    flash(EDIT_REFUSED)
    _edit_buttons(content, access, kind, element)


EDIT_REFUSED = "journey_edit_refused"  # why the last save was refused, shown under its form


def _store_edit(
    map_id: int, kind: str, element: dict[str, Any], keys: dict[str, str], started: int
) -> None:
    """The Save button's callback: the fields that differ from what the form showed."""
    typed = {name: st.session_state.get(key) for name, key in keys.items()}
    changes = {k: v for k, v in typed.items() if conflict.plain(v) != element.get(k)}
    _save_edit(map_id, kind, element["id"], changes, started)


def _save_edit(
    map_id: int, kind: str, element_id: int, changes: dict[str, Any], started: int
) -> None:
    """Store `changes` made from version `started` (from a callback): a conflict keeps both
    versions for the form to show, any other refusal its reason."""
    if not changes:
        st.toast("Nothing changed")
        return
    try:
        with transaction() as s:
            jm.edit_element(s, map_id, kind, element_id, changes, started, actor(run_access()))
    except jm.ConflictError as exc:
        conflict.keep(exc, kind, element_id)
        return
    except UserError as exc:
        st.session_state[EDIT_REFUSED] = str(exc)
        return
    conflict.settle(kind, element_id)
    st.toast(f"Saved {jm.spec(kind).label.lower()}")


def _edit_buttons(
    content: jm.MapContent, access: Access, kind: str, element: Mapping[str, Any]
) -> None:
    map_id, element_id = content.info.id, element["id"]
    cols = st.columns(4)
    mine = conflict.pending(kind, element_id)
    if mine is not None:
        cols[0].button(
            "Show their version",
            key="conflict_reload",
            on_click=conflict.settle,
            args=(kind, element_id),
        )
        cols[1].button(
            "Save mine over theirs",
            key="conflict_overwrite",
            on_click=_overwrite,
            args=(map_id, kind, element_id, mine, element["version"]),
        )
        return
    if jm.spec(kind).has_position:
        for col, step, label, icon in (
            (cols[0], -1, "Move earlier", ":material/arrow_back:"),
            (cols[1], 1, "Move later", ":material/arrow_forward:"),
        ):
            col.button(  # stored by its callback, like Save
                label,
                key=f"move_{'up' if step < 0 else 'down'}_{kind}_{element_id}",
                icon=icon,
                on_click=control,
                args=(
                    partial(_move, map_id, kind, element_id, step),
                    label.replace("Move", "Moved"),
                ),
            )
    if cols[2].button("Delete", key=f"delete_{kind}_{element_id}", icon=":material/delete:"):
        _confirm_delete(map_id, access, kind, element)
    if cols[3].button("Close", key=f"close_{kind}_{element_id}"):
        st.session_state.pop(SELECTED_KEY, None)
        st.rerun()


def _move(map_id: int, kind: str, element_id: int, step: int, s: Session) -> None:
    jm.move_element(s, map_id, kind, element_id, step, actor(run_access()))


def _overwrite(map_id: int, kind: str, element_id: int, mine: dict[str, Any], theirs: int) -> None:
    """Save this person's values over the version (`theirs`) they were shown side by side."""
    conflict.settle(kind, element_id)
    _save_edit(map_id, kind, element_id, mine, theirs)


@st.dialog("Delete element")
def _confirm_delete(map_id: int, access: Access, kind: str, element: Mapping[str, Any]) -> None:
    st.write(f"Delete this {jm.spec(kind).label.lower()}? Undo brings it back.")
    st.text(element[jm.spec(kind).label_field])
    if kind == "stage":
        st.caption("Its milestones, touchpoints, signals and risks stay on the map, unplaced.")
    if st.button("Delete", type="primary", key="delete_element_confirm"):
        with user_errors():
            with transaction() as s:
                base = conflict.started(kind, element)
                jm.delete_element(s, map_id, kind, element["id"], actor(access), base)
            st.session_state.pop(SELECTED_KEY, None)
            st.toast("Deleted; Undo brings it back")
            st.rerun()


ADD_REFUSED = "journey_add_refused"  # why the last add was refused, shown under its form


def add_form(content: jm.MapContent) -> None:
    """The name typed is cleared once the element is stored, never before: an add the database
    refuses keeps it (kind, stage and channel stay for the next add).

    The add is stored by the button's callback, which Streamlit runs first thing in the next
    run: stored in the page's body, it was lost whenever a click elsewhere (a tab) started
    another run before the body reached the form."""
    stages = stage_choices(content)
    with st.form("journey_add"):
        st.markdown("**Add to the map**")
        c1, c2, c3, c4 = st.columns([2, 3, 2, 2])
        c1.selectbox(
            "Kind", list(jm.MAP_KINDS), key="add_kind", format_func=lambda k: jm.spec(k).label
        )
        c2.text_input("Name", key="add_name", max_chars=200)
        stage_ids = list(stages)
        presenting = content.info.presenting_stage_id
        c3.selectbox(
            "Stage",
            stage_ids,
            key="add_stage",
            index=stage_ids.index(presenting) if presenting in stage_ids else 0,
            format_func=lambda i: stages[i],
        )
        c4.selectbox("Channel (touchpoints)", list(CHANNELS), key="add_channel")
        st.form_submit_button(
            "Add", type="primary", key="add_submit", on_click=_store_add, args=(content.info.id,)
        )
        flash(ADD_REFUSED)


def _store_add(map_id: int) -> None:
    """The Add button's callback: store what the form holds, as whoever acts in this run."""
    kind = st.session_state["add_kind"]
    values: dict[str, Any] = {"name": st.session_state.get("add_name", "")}
    if kind != "stage":
        values["stage_id"] = st.session_state.get("add_stage")
    if kind == "touchpoint":
        values["channel"] = st.session_state.get("add_channel")
    added: dict[str, Any] = {}

    def store(s: Session) -> None:
        added.update(jm.add_element(s, map_id, kind, values, actor(run_access())))

    if attempt(store, f"Added {jm.spec(kind).label.lower()} — Undo takes it back", ADD_REFUSED):
        st.session_state[SELECTED_KEY] = views.node_id(kind, added["id"])
        st.session_state["add_name"] = ""  # a callback may set a widget's value
