"""The element forms of the Map tab: pick an element, edit, move or delete it, add a new one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from core import journey as jm
from core.access.identity import Access
from core.common.errors import UserError
from core.journey import views
from core.model.contract import CHANNELS
from ui.feedback import show_error, user_errors
from ui.journey import conflict
from ui.journey.access import actor
from ui.journey.actions import attempt, flash, run
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
    spec = jm.spec(kind)
    started = conflict.started(kind, element)
    stages = stage_choices(content)
    prefix = f"ef_{kind}_{element['id']}_{started}"
    with st.form(f"edit_{kind}_{element['id']}_{started}"):
        st.markdown(f"**Edit {spec.label.lower()}** · version {started}")
        values: dict[str, Any] = {}
        columns = st.columns(2)
        for i, f in enumerate(spec.fields):
            with columns[i % 2] if f.type not in ("longtext",) else st.container():
                values[f.name] = field_widget(f, element.get(f.name), f"{prefix}_{f.name}", stages)
        saved = st.form_submit_button("Save changes", type="primary", key=f"{prefix}_save")
    if saved:
        changes = {k: v for k, v in values.items() if conflict.plain(v) != element.get(k)}
        _save_edit(content, access, kind, element, changes, started)
    _edit_buttons(content, access, kind, element)


def _save_edit(
    content: jm.MapContent,
    access: Access,
    kind: str,
    element: Mapping[str, Any],
    changes: dict[str, Any],
    started: int,
) -> None:
    if not changes:
        st.toast("Nothing changed")
        return
    map_id, element_id = content.info.id, element["id"]
    try:
        with transaction() as s:
            jm.edit_element(s, map_id, kind, element_id, changes, started, actor(access))
    except jm.ConflictError as exc:
        conflict.show(exc, kind, element_id)
        return
    except UserError as exc:
        show_error(exc)
        return
    conflict.settle(kind, element_id)
    st.toast(f"Saved {jm.spec(kind).label.lower()}")
    st.rerun()


def _edit_buttons(
    content: jm.MapContent, access: Access, kind: str, element: Mapping[str, Any]
) -> None:
    map_id, element_id = content.info.id, element["id"]
    cols = st.columns(4)
    mine = conflict.pending(kind, element_id)
    if mine is not None:
        if cols[0].button("Show their version", key="conflict_reload"):
            conflict.settle(kind, element_id)
            st.rerun()
        if cols[1].button("Save mine over theirs", key="conflict_overwrite"):
            conflict.settle(kind, element_id)
            _save_edit(content, access, kind, element, mine, element["version"])
        return
    if jm.spec(kind).has_position:
        if cols[0].button(
            "Move earlier", key=f"move_up_{kind}_{element_id}", icon=":material/arrow_back:"
        ):
            run(lambda s: jm.move_element(s, map_id, kind, element_id, -1, actor(access)))
        if cols[1].button(
            "Move later", key=f"move_down_{kind}_{element_id}", icon=":material/arrow_forward:"
        ):
            run(lambda s: jm.move_element(s, map_id, kind, element_id, 1, actor(access)))
    if cols[2].button("Delete", key=f"delete_{kind}_{element_id}", icon=":material/delete:"):
        _confirm_delete(map_id, access, kind, element)
    if cols[3].button("Close", key=f"close_{kind}_{element_id}"):
        st.session_state.pop(SELECTED_KEY, None)
        st.rerun()


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
