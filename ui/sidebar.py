"""The sidebar workspace switcher: choose, create, rename and delete workspaces."""

from __future__ import annotations

import streamlit as st

from core.access.identity import Person
from core.access.roles import Action
from core.common.text import inert_markdown
from core.workspace import workspaces
from core.workspace.workspaces import WorkspaceError, WorkspaceInfo
from ui import identity
from ui.clearing import empty_if_asked, empty_next_run
from ui.feedback import confirmed, show_error
from ui.state import (
    all_workspaces,
    current_workspace,
    run_access,
    select_workspace,
    transaction,
)

_DELETING = "deleting_workspace"


@st.dialog("Delete workspace", on_dismiss=lambda: st.session_state.pop(_DELETING, None))
def _confirm_delete(ws: WorkspaceInfo) -> None:
    st.write(
        f"Delete **{inert_markdown(ws.name)}** with its data, journey maps and assessments? "
        "This cannot be undone."
    )
    confirm = st.text_input("Type the workspace name to confirm", key="delete_confirm_name")
    if confirmed(_DELETING, "delete", "Delete"):
        if confirm.strip() != ws.name:
            st.error("The name does not match; nothing was deleted.")
            return
        with transaction() as session:
            workspaces.delete_workspace(session, ws.id)
        st.session_state.pop("workspace_id", None)
        st.session_state.pop(_DELETING, None)
        st.toast(f"Deleted {inert_markdown(ws.name)}")
        st.rerun()


def _create_form() -> None:
    empty_if_asked("new_workspace_name")
    with st.form("create_workspace", border=False):
        name = st.text_input("New workspace name", key="new_workspace_name")
        if st.form_submit_button("Create workspace", width="stretch"):
            try:
                with transaction() as session:
                    created = workspaces.create_workspace(session, name)
            except WorkspaceError as exc:
                show_error(exc)
                return
            select_workspace(created.id)
            empty_next_run("new_workspace_name")  # cleared once stored
            st.toast(f"Created {inert_markdown(created.name)}")
            st.rerun()


def _rename_form(ws: WorkspaceInfo) -> None:
    with st.form("rename_workspace", border=False):
        name = st.text_input("Rename to", value=ws.name, key="rename_workspace_name")
        if st.form_submit_button("Rename", width="stretch"):
            try:
                with transaction() as session:
                    renamed = workspaces.rename_workspace(session, ws.id, name)
            except WorkspaceError as exc:
                show_error(exc)
                return
            st.toast(f"Renamed to {inert_markdown(renamed.name)}")
            st.rerun()


def account_box(person: Person) -> None:
    """Who is signed in, and the way out; in local mode, say that nobody signs in."""
    if person.is_local:
        st.sidebar.caption(
            "Local mode: no sign-in",
            help="Waypoint runs as one local owner "
            "on this machine only. Configure sign-in to share it (README).",
        )
        if identity.override_set():
            st.sidebar.error(
                "No sign-in, reachable from other machines: everyone who opens this address "
                "owns every workspace. For a throwaway demo only.",
                icon=":material/warning:",
            )
        return
    st.sidebar.caption(f"Signed in as {inert_markdown(person.name)} ({inert_markdown(person.key)})")
    if st.sidebar.button("Sign out", icon=":material/logout:", key="sign_out"):
        st.logout()


def workspace_switcher() -> WorkspaceInfo | None:
    """Draw the switcher and return the workspace the page should show."""
    access = run_access()
    if access.workspace_id == 0:
        with st.sidebar.expander("Create a workspace", expanded=True):
            _create_form()
        return None
    ws = current_workspace()
    options = all_workspaces()
    ids = [w.id for w in options]
    names = {w.id: w.name for w in options}
    # The widget follows the database-backed choice, so creating or deleting a workspace
    # elsewhere moves it too; picking in the widget updates the choice through the callback.
    st.session_state["workspace_select"] = ws.id
    st.sidebar.selectbox(
        "Workspace",
        ids,
        format_func=lambda i: names[i],
        key="workspace_select",
        on_change=lambda: select_workspace(st.session_state["workspace_select"]),
    )
    owner = access.may(Action.MANAGE_WORKSPACE)
    if not (owner or access.is_admin):
        st.sidebar.caption(f"You are {access.role.label} here.")
        return ws
    with st.sidebar.expander("Manage workspaces"):
        if access.is_admin:
            _create_form()
        if owner:
            _rename_form(ws)
            if st.button("Delete this workspace…", key="delete_workspace", width="stretch"):
                st.session_state[_DELETING] = ws.id
    # Kept open through reruns (a wrong name, a typo) until it is cancelled or done.
    if st.session_state.get(_DELETING) == ws.id:
        _confirm_delete(ws)
    return ws
