"""The Members page: the list for everyone in the workspace, changes for its owners."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.access import members
from core.access.members import MemberInfo
from core.access.roles import MEMBER_ROLES, Action
from core.common.errors import UserError
from core.common.text import inert_markdown
from ui.clearing import empty_if_asked, empty_next_run
from ui.feedback import confirmed, show_error
from ui.state import current_workspace, run_access, transaction

ROLE_HELP = (
    "**Owner**: members, data import, segment targets and score settings, rename and delete. "
    "**Editor**: journey maps and workshops, assessment rounds, risk states and notes. "
    "**Viewer**: reads everything, changes nothing."
)


def members_page() -> None:
    ws = current_workspace()
    access = run_access()
    st.title("Members")
    st.caption(f"Who can open **{inert_markdown(ws.name)}**. {ROLE_HELP}")
    with transaction() as session:
        found = members.list_members(session, ws.id)
    st.dataframe(_frame(found), hide_index=True, width="stretch")
    st.download_button(
        "Download the member list (CSV)",
        _frame(found).write_csv().encode("utf-8"),
        file_name="members.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    if not access.may(Action.MANAGE_MEMBERS):
        st.info("Only the workspace's owners can add or change members.", icon=":material/lock:")
        return
    _add_form(ws.id)
    _change_form(ws.id, found)


def _frame(found: list[MemberInfo]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Person": [m.person for m in found],
            "Name": [m.name for m in found],
            "Role": [m.role.label for m in found],
            "Status": ["waiting for first sign-in" if m.pending else "active" for m in found],
            "Added by": [m.added_by for m in found],
        },
        schema={k: pl.String for k in ("Person", "Name", "Role", "Status", "Added by")},
    )


def _add_form(workspace_id: int) -> None:
    empty_if_asked("member_email")
    with st.form("add_member", border=True):
        st.subheader("Add a member")
        left, right = st.columns([3, 1])
        email = left.text_input("E-mail address", key="member_email", max_chars=254)
        role = right.selectbox("Role", [r.value for r in MEMBER_ROLES], index=1, key="member_role")
        if st.form_submit_button("Add", type="primary"):
            try:
                with transaction() as session:
                    added = members.add_member(session, workspace_id, email, role)
            except UserError as exc:
                show_error(exc)
                return
            empty_next_run("member_email")
            st.toast(f"Added {inert_markdown(added.person)} as {added.role.label}")
            st.rerun()


_REMOVING = "removing_member"


@st.dialog("Remove a member", on_dismiss=lambda: st.session_state.pop(_REMOVING, None))
def _confirm_remove(workspace_id: int, person: str) -> None:
    st.write(f"Remove **{inert_markdown(person)}** from this workspace? They lose access at once.")
    if confirmed(_REMOVING, "remove", "Remove"):
        try:
            with transaction() as session:
                members.remove_member(session, workspace_id, person)
        except UserError as exc:
            show_error(exc)
            return
        st.session_state.pop(_REMOVING, None)
        st.toast(f"Removed {inert_markdown(person)}")
        st.rerun()


def _change_form(workspace_id: int, found: list[MemberInfo]) -> None:
    if not found:
        return
    with st.form("change_member", border=True):
        st.subheader("Change or remove a member")
        left, mid = st.columns([3, 1])
        person = left.selectbox("Member", [m.person for m in found], key="change_person")
        role = mid.selectbox("New role", [r.value for r in MEMBER_ROLES], key="change_role")
        change, remove = st.columns(2)
        changed = change.form_submit_button("Change role")
        if remove.form_submit_button("Remove from workspace…"):
            st.session_state[_REMOVING] = person
    if changed:
        try:
            with transaction() as session:
                members.change_role(session, workspace_id, person, role)
        except UserError as exc:
            show_error(exc)
            return
        st.toast(f"{inert_markdown(person)} is now {role}")
        st.rerun()
    if st.session_state.get(_REMOVING):
        _confirm_remove(workspace_id, str(st.session_state[_REMOVING]))
