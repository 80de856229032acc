"""Which map a member works on, and making, renaming, duplicating and deleting maps.

Members only: listing maps reads the whole workspace, which a guest's link does not reach. The
forms that make, change or delete maps are drawn only for who may manage maps
(Action.EDIT_JOURNEYS: owners and editors); core refuses anyone else anyway."""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.access.roles import Action
from core.common.text import inert_markdown
from core.journey.templates import TEMPLATES
from core.workspace.workspaces import measurement_plan
from ui.clearing import empty_if_asked, empty_next_run
from ui.feedback import user_errors
from ui.journey.access import actor
from ui.state import transaction

MAP_KEY = "journey_map_id"
NEXT_MAP_KEY = "journey_map_next"
MANAGE_KEY = "journey_manage"
"""The popover with the forms that make and change maps. Its forms are drawn only while it is
open: they were about a seventh of every run of the page, and a room's live refresh reruns
every screen after each change."""
STATES = ["current", "ideal"]


def maps(workspace_id: int) -> list[jm.MapInfo]:
    with transaction() as s:
        return jm.list_maps(s, workspace_id)


def _segments(workspace_id: int) -> list[str]:
    with transaction() as s:
        return list(measurement_plan(s, workspace_id).segments)


def choose_map(access: Access) -> jm.MapInfo | None:
    """The map picker (with the management popover for who may manage maps); None while the
    workspace has no map."""
    found = maps(access.workspace_id)
    manages = access.may(Action.EDIT_JOURNEYS)
    if not found:
        if not manages:
            st.info(
                "This workspace has no journey map yet; an owner or editor can create one.",
                icon=":material/info:",
            )
            return None
        st.info(
            "This workspace has no journey map yet. Create one from a template below: it comes "
            "filled with stages, milestones, touchpoints, signals and rescue plays to adapt.",
            icon=":material/info:",
        )
        _create_form(access, _segments(access.workspace_id))
        return None
    ids = [m.id for m in found]
    if NEXT_MAP_KEY in st.session_state:  # a map just made; set before the widget exists
        st.session_state[MAP_KEY] = st.session_state.pop(NEXT_MAP_KEY)
    if st.session_state.get(MAP_KEY) not in ids:
        st.session_state[MAP_KEY] = ids[0]
    titles = {m.id: m.title for m in found}
    left, right = st.columns([3, 2])
    map_id = left.selectbox("Journey map", ids, format_func=lambda i: titles[i], key=MAP_KEY)
    chosen = next(m for m in found if m.id == map_id)
    if manages and not st.session_state.get("journey_presenter"):
        manage = right.popover(
            "New, duplicate, rename, delete",
            icon=":material/edit_note:",
            key=MANAGE_KEY,
            on_change="rerun",
        )
        if manage.open:
            with manage:
                segments = _segments(access.workspace_id)  # read once for both forms
                _create_form(access, segments)
                _settings_form(chosen, access, segments)
    return chosen


def other_map(content: jm.MapContent, access: Access, key: str) -> jm.MapContent | None:
    """Another map of the workspace to set beside this one (members only: a guest's link
    reaches this map alone, so a guest has nothing to compare with).

    The map last chosen here stays chosen across switches of the map on screen while it is
    still another map of the workspace; otherwise the other state of the same segment is
    offered. The widget's value is set before it is drawn from that remembered choice, so
    nothing the browser still holds for the previous map's options can reset it to nothing.
    """
    if access.is_guest:
        return None
    others = [m for m in maps(content.info.workspace_id) if m.id != content.info.id]
    if not others:
        st.caption("Duplicate this map as the ideal state to compare the two.")
        return None
    info = content.info
    default = next(
        (m.id for m in others if m.state != info.state and m.segment == info.segment), NOTHING
    )
    options = [NOTHING, *(m.id for m in others)]
    remembered = st.session_state.get(_remembered(key), default)
    wanted = remembered if remembered in options else default
    if st.session_state.get(key, _UNSET) != wanted:
        st.session_state[key] = wanted
    titles = {m.id: m.title for m in others}
    chosen = st.selectbox(
        "Compare with",
        options,
        key=key,
        on_change=_remember,
        args=(key,),
        format_func=lambda i: titles.get(i, "(nothing)"),
    )
    if chosen == NOTHING:
        return None
    with transaction() as s:
        return jm.load(s, chosen)


_UNSET = object()
NOTHING = 0
"""The "(nothing)" choice: a number like the map ids (which start at 1), not None, which a
selectbox sends to the browser as no selection at all and shows as an empty box."""


def _remembered(key: str) -> str:
    return f"{key}_chosen"


def _remember(key: str) -> None:
    """The person picked a map (or nothing) to compare with: keep it for the next maps."""
    st.session_state[_remembered(key)] = st.session_state[key]


def _create_form(access: Access, segments: list[str]) -> None:
    with st.form("journey_create", border=True):
        st.markdown("**New map from a template**")
        key = st.selectbox(
            "Template",
            list(TEMPLATES),
            format_func=lambda k: f"{TEMPLATES[k].title}: {TEMPLATES[k].description}",
            key="create_template",
        )
        name = st.text_input("Name (optional)", key="create_name", max_chars=120)
        c1, c2, c3 = st.columns(3)
        segment = c1.selectbox(
            "Segment",
            [None, *segments],
            key="create_segment",
            format_func=lambda s: s or "All segments",
        )
        variant = c2.text_input("Variant", value="happy path", key="create_variant")
        state = c3.selectbox("State", STATES, key="create_state")
        if st.form_submit_button("Create map", type="primary", key="create_submit"):
            with user_errors():
                with transaction() as s:
                    info = jm.create_map(
                        s,
                        access.workspace_id,
                        key,
                        actor(access),
                        name=name,
                        segment=segment,
                        variant=variant,
                        state=state,
                    )
                st.session_state[NEXT_MAP_KEY] = info.id
                st.toast(f"Created {inert_markdown(info.name)}")
                st.rerun()


def _settings_form(info: jm.MapInfo, access: Access, segments: list[str]) -> None:
    with st.form(f"journey_settings_{info.id}"):
        st.markdown("**Map settings**")
        name = st.text_input("Name", value=info.name, key=f"set_name_{info.id}", max_chars=120)
        c1, c2, c3 = st.columns(3)
        options = [None, *segments]
        segment = c1.selectbox(
            "Segment",
            options,
            index=options.index(info.segment) if info.segment in options else 0,
            format_func=lambda s: s or "All segments",
            key=f"set_segment_{info.id}",
        )
        variant = c2.text_input("Variant", value=info.variant, key=f"set_variant_{info.id}")
        state = c3.selectbox(
            "State", STATES, key=f"set_state_{info.id}", index=0 if info.state == "current" else 1
        )
        if st.form_submit_button("Save settings", key=f"set_save_{info.id}"):
            started = {
                "name": info.name,
                "segment": info.segment,
                "variant": info.variant,
                "state": info.state,
            }
            changes = {"name": name, "segment": segment, "variant": variant, "state": state}
            with user_errors():
                with transaction() as s:
                    jm.update_map(s, info.id, changes, started, actor(access))
                st.toast("Map settings saved")
                st.rerun()
    _duplicate_form(info, access)
    if st.button("Delete this map…", key="delete_map", icon=":material/delete:"):
        _confirm_delete(info, access)


def _duplicate_form(info: jm.MapInfo, access: Access) -> None:
    empty_if_asked("duplicate_name")
    with st.form(f"journey_duplicate_{info.id}"):
        c1, c2 = st.columns([3, 1])
        copy_name = c1.text_input(
            "Duplicate as", key="duplicate_name", placeholder=f"{info.name} (ideal)"
        )
        copy_state = c2.selectbox("State of the copy", ["ideal", "current"], key="duplicate_state")
        if st.form_submit_button("Duplicate", key="duplicate_submit"):
            with user_errors():
                with transaction() as s:
                    copy = jm.duplicate_map(
                        s,
                        info.id,
                        copy_name or f"{info.name} (copy)",
                        actor(access),
                        state=copy_state,
                    )
                st.session_state[NEXT_MAP_KEY] = copy.id
                empty_next_run("duplicate_name")  # cleared once stored
                st.toast(f"Duplicated as {inert_markdown(copy.name)}")
                st.rerun()


@st.dialog("Delete journey map")
def _confirm_delete(info: jm.MapInfo, access: Access) -> None:
    st.write("Delete this map with its history, notes and opportunities? This cannot be undone.")
    st.text(info.name)
    left, right = st.columns(2)
    if left.button("Cancel", key="delete_map_cancel", width="stretch"):
        st.rerun()
    if right.button("Delete map", type="primary", key="delete_map_confirm", width="stretch"):
        with user_errors():
            with transaction() as s:
                jm.delete_map(s, info.id, actor(access))
            st.toast("Map deleted")
            st.rerun()
