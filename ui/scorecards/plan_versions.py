"""The plan's versions in the score builder: save the settings as a new version (with who,
when and a note), upload a plan file, and restore an earlier version.

Each browser session remembers the version its builder was opened at (its base). A save
states that base, so a save made after someone else saved is refused with their name
(core/workspace/plan_versions.py). While nothing is edited the builder follows the newest
version by itself; with edits, it says who saved since and offers to load the newest.
Owners save and restore; everyone else sees the history read-only, with no save, upload or
restore drawn (core refuses them anyway). A version is saved under the signed-in person's
name; only in local mode (no sign-in) is a name typed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import polars as pl
import streamlit as st

from core.access.identity import LOCAL_KEY, Access
from core.access.roles import Action
from core.common.errors import UserError
from core.common.text import inert_markdown
from core.model.plan import MeasurementPlan, PlanError, plan_to_toml
from core.workspace import plan_versions as pv
from core.workspace.effective_plan import effective_plan, version_plan
from ui.state import transaction

BASE_KEY = "sb_base"
TOAST_KEY = "sb_toast"
ERROR_KEY = "sb_error"
UPLOAD_COUNT_KEY = "sb_upload_count"
AUTHOR_KEY = "sb_author"
NOTE_KEY = "sb_note"
WINDOW_KEY = "sb_window"
MIN_AGE_KEY = "sb_min_age"
RESTORE_KEY = "sb_restore_asked"
RESTORED_KEY = "sb_restored"
RESTORE_ERROR_KEY = "sb_restore_error"
DEFAULT_AUTHOR = "Owner"


def penalty_key(name: str) -> str:
    return f"sb_pen_{name}"


def journey_key(index: int) -> str:
    return f"sb_js_{index}"


def band_key(band: str) -> str:
    return f"sb_band_{band}"


def widget_values(plan: MeasurementPlan) -> dict[str, int]:
    """The builder's inputs (by key) as `plan` sets them."""
    values = {penalty_key(k): int(v) for k, v in asdict(plan.penalties).items()}
    values |= {band_key(k): int(v) for k, v in asdict(plan.bands).items()}
    values |= {journey_key(i): s.penalty for i, s in enumerate(plan.signals)}
    return values | {WINDOW_KEY: plan.window_days, MIN_AGE_KEY: plan.min_age_days}


def edited(plan: MeasurementPlan) -> bool:
    """Whether this session's inputs hold a value other than `plan`'s (read before they are
    drawn: the values the person left in them on the last run)."""
    return any(
        key in st.session_state and st.session_state[key] != value
        for key, value in widget_values(plan).items()
    )


@dataclass(frozen=True)
class Versions:
    """The history as this run read it: newest first, and the number in use (0: none)."""

    history: list[pv.PlanVersionInfo]
    current: int

    def since(self, base: int) -> list[pv.PlanVersionInfo]:
        return sorted((v for v in self.history if v.number > base), key=lambda v: v.number)


def load_versions(workspace_id: int) -> Versions:
    with transaction() as s:
        history = pv.list_versions(s, workspace_id)
    return Versions(history, history[0].number if history else 0)


def base_number(workspace_id: int, versions: Versions, plan: MeasurementPlan) -> int:
    """The version this session's builder was opened at (set to the one in use, `plan`, the
    first time it is shown in this workspace)."""
    found = st.session_state.get(BASE_KEY)
    if not isinstance(found, tuple) or found[0] != workspace_id:
        adopt(workspace_id, versions.current, plan)
        return versions.current
    return int(found[1])


def adopt(workspace_id: int, number: int, plan: MeasurementPlan | None = None) -> None:
    """Open the builder at version `number`, its inputs set to `plan` (that version's plan).

    Only before the inputs are drawn in a run (a callback, or the top of the builder): the
    values are set, not forgotten, so the browser shows them too."""
    st.session_state[BASE_KEY] = (workspace_id, number)
    if plan is not None:
        for key, value in widget_values(plan).items():
            st.session_state[key] = value


def base_plan(workspace_id: int, number: int) -> MeasurementPlan:
    with transaction() as s:
        return version_plan(s, workspace_id, number)


def show_feedback() -> None:
    """What the last save or restore did: a toast when it worked, the reason when not."""
    st.session_state.pop(RESTORED_KEY, None)  # the dialog's rerun was not needed
    toast = st.session_state.pop(TOAST_KEY, None)
    if toast:
        st.toast(toast, icon=":material/check_circle:")
    error = st.session_state.pop(ERROR_KEY, None)
    if error:
        st.error(inert_markdown(error, 2000), icon=":material/error:")


def show_newer(access: Access, versions: Versions, base: int) -> None:
    """Someone saved since this builder was opened and this person has edits: say who."""
    names = "; ".join(f"{v.who} saved version {v.number} at {v.when}" for v in versions.since(base))
    st.warning(
        inert_markdown(
            f"The plan changed since you opened version {base}: {names}. Saving your "
            "changes would be refused; load the newest version, then make them again."
        ),
        icon=":material/sync_problem:",
    )
    st.button(
        f"Load version {versions.current} (drops your changes)",
        key="sb_load_newest",
        on_click=_load,
        args=(access.workspace_id, versions.current),
    )


def _load(workspace_id: int, number: int) -> None:
    with transaction() as s:
        plan = version_plan(s, workspace_id, number)
    adopt(workspace_id, number, plan)


def may_save(access: Access) -> bool:
    """Whether this person may save or restore versions of the plan (owners)."""
    return access.may(Action.EDIT_SETTINGS)


def asks_name(access: Access) -> bool:
    """Local mode: nobody is signed in, so the name saved with a version is typed."""
    return access.person == LOCAL_KEY


def _saver(access: Access) -> Access:
    name = str(st.session_state.get(AUTHOR_KEY) or "").strip()
    return replace(access, actor=name or access.actor or DEFAULT_AUTHOR)


def _done(access: Access, saved: pv.PlanVersionInfo, what: str) -> None:
    """After a save or restore (in a button's callback): the builder opens at the new one."""
    _load(access.workspace_id, saved.number)
    st.session_state.pop(NOTE_KEY, None)
    who = inert_markdown(saved.who, 80)  # typed by a person; a toast renders Markdown
    st.session_state[TOAST_KEY] = f"{what} as version {saved.number} by {who}."


def _save(access: Access, edited: MeasurementPlan, base: int) -> None:
    """Button callback: runs before the next run draws the builder."""
    note = str(st.session_state.get(NOTE_KEY) or "")
    try:
        with transaction() as s:
            saved = pv.save_settings(s, _saver(access), edited, base_version=base, note=note)
    except UserError as exc:
        st.session_state[ERROR_KEY] = str(exc)
        return
    _done(access, saved, "Settings saved")


def show_save(access: Access, edited: MeasurementPlan, base: int, *, changed: bool) -> None:
    """Name, note and the save button (owners only: nothing is drawn for anyone else; nothing
    to save without a change)."""
    if not may_save(access):
        return
    with st.container(border=True):
        cols = st.columns([1, 2])
        if asks_name(access):
            cols[0].text_input(
                "Your name (saved with the version)",
                key=AUTHOR_KEY,
                max_chars=80,
                placeholder=DEFAULT_AUTHOR,
            )
        else:
            cols[0].caption(f"Saved as {inert_markdown(access.actor, 80)}.")
        cols[1].text_input(
            "Note (what changed and why)",
            key=NOTE_KEY,
            max_chars=pv.MAX_NOTE,
        )
        st.button(
            f"Save as version {base + 1}",
            key="sb_save",
            type="primary",
            icon=":material/save:",
            on_click=_save,
            args=(access, edited, base),
            disabled=not changed,
            help=None if changed else "Change a setting first.",
        )


# ------------------------------------------------------------------ plan files


def _file_plan(workspace_id: int, uploaded: MeasurementPlan) -> MeasurementPlan:
    """The plan the workspace would compute with once the file is saved."""
    content = pv.stored_content(pv.settings_of(uploaded), uploaded.signals)
    with transaction() as s:
        return effective_plan(s, workspace_id, content)


def _save_file(access: Access, uploaded: MeasurementPlan, base: int, name: str) -> None:
    note = str(st.session_state.get(NOTE_KEY) or "") or f"Uploaded {name}"
    try:
        with transaction() as s:
            saved = pv.save_plan_file(s, _saver(access), uploaded, base_version=base, note=note)
    except UserError as exc:
        st.session_state[ERROR_KEY] = str(exc)
        return
    st.session_state[UPLOAD_COUNT_KEY] = int(st.session_state.get(UPLOAD_COUNT_KEY, 0)) + 1
    _done(access, saved, f"{name} saved")


@dataclass(frozen=True)
class UploadedPlan:
    """A checked plan file: as written (what a save stores) and as the workspace would
    compute with it (what the preview shows)."""

    name: str
    written: MeasurementPlan
    effective: MeasurementPlan


def uploaded_plan(access: Access, current: MeasurementPlan) -> UploadedPlan | None:
    """An uploaded plan file (None: no file, or a bad one, shown with its line or field);
    what the file says but a version cannot take is listed."""
    count = int(st.session_state.get(UPLOAD_COUNT_KEY, 0))
    found = st.file_uploader(
        "Upload a plan file (TOML) to preview it and save it as a new version",
        type=["toml"],
        key=f"sb_upload_{count}",
    )
    if found is None:
        return None
    try:
        written = pv.read_plan_file(found.getvalue(), found.name)
    except PlanError as exc:
        st.error(inert_markdown(exc, 2000), icon=":material/error:")
        return None
    for note in pv.file_notes(current, written):
        st.caption(inert_markdown(note))
    return UploadedPlan(found.name, written, _file_plan(access.workspace_id, written))


def show_file_save(access: Access, base: int, upload: UploadedPlan) -> None:
    st.button(
        f"Save the file's settings as version {base + 1}",
        key="sb_save_file",
        type="primary",
        icon=":material/upload_file:",
        on_click=_save_file,
        args=(access, upload.written, base, upload.name),
    )


# ------------------------------------------------------------------ history and restore


def history_frame(versions: Versions) -> pl.DataFrame:
    rows = [
        {
            "Version": v.number,
            "Saved by": v.who,
            "Saved at": v.when,
            "Note": v.note,
            "In use": "✓ in use" if v.number == versions.current else "",
        }
        for v in versions.history
    ]
    schema = {
        "Version": pl.Int64,
        "Saved by": pl.String,
        "Saved at": pl.String,
        "Note": pl.String,
        "In use": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def show_history(access: Access, versions: Versions, base: int) -> None:
    """Every version (number, who, when, note), a download of any of them, and restore."""
    st.markdown("**Versions of the plan**")
    if not versions.history:
        st.caption("No version saved yet: the workspace uses the default settings.")
        return
    st.dataframe(history_frame(versions), hide_index=True, key="sb_history")
    numbers = [v.number for v in versions.history]
    cols = st.columns([2, 2, 2])
    chosen = int(
        cols[0].selectbox(
            "Version",
            numbers,
            format_func=lambda n: f"Version {n}" + (" (in use)" if n == versions.current else ""),
            key="sb_version_pick",
        )
    )
    with transaction() as s:
        plan = version_plan(s, access.workspace_id, chosen)
    cols[1].download_button(
        f"Download version {chosen} (TOML)",
        plan_to_toml(plan),
        f"measurement-plan-v{chosen}.toml",
        "application/toml",
        key="sb_version_toml",
        icon=":material/download:",
    )
    if not may_save(access):
        st.caption("Only the workspace's owners can save or restore versions.")
        return
    cols[2].button(
        f"Restore version {chosen}…",
        key="sb_restore",
        icon=":material/history:",
        on_click=_ask_restore,
        args=(chosen,),
        disabled=chosen == versions.current,
        help="Makes a new version that copies this one; no version is changed or deleted.",
    )
    asked = st.session_state.get(RESTORE_KEY)
    if isinstance(asked, int):
        confirm_restore(access, asked, base)


def _ask_restore(number: int) -> None:
    st.session_state[RESTORE_KEY] = number


def _dismiss() -> None:
    st.session_state.pop(RESTORE_KEY, None)


@st.dialog("Restore an earlier version", on_dismiss=_dismiss)
def confirm_restore(access: Access, number: int, base: int) -> None:
    """Asked until restored, cancelled or closed (the request is kept in session_state, so a
    click inside the dialog finds it open on the next run)."""
    if st.session_state.pop(RESTORED_KEY, False):
        st.rerun()  # the whole page, with the restored version in the builder
    st.markdown(
        f"Version {number}'s settings become version {base + 1}, the plan every page "
        "computes with. Every earlier version stays in the history."
    )
    if asks_name(access):
        st.text_input("Your name (saved with the version)", key="sb_restore_author", max_chars=80)
    error = st.session_state.pop(RESTORE_ERROR_KEY, None)
    if error:
        st.error(inert_markdown(error, 2000), icon=":material/error:")
    cols = st.columns(2)
    cols[0].button(
        f"Restore version {number}",
        key="sb_restore_confirm",
        type="primary",
        on_click=_restore,
        args=(access, number, base),
    )
    if cols[1].button("Cancel", key="sb_restore_cancel"):
        _dismiss()
        st.rerun()


def _restore(access: Access, number: int, base: int) -> None:
    """The dialog's button callback: runs before anything is drawn, so the builder's inputs
    can be set to the restored version."""
    name = str(st.session_state.get("sb_restore_author") or "").strip()
    who = replace(access, actor=name or _saver(access).actor)
    try:
        with transaction() as s:
            saved = pv.restore_version(s, who, number, base_version=base)
    except UserError as exc:
        st.session_state[RESTORE_ERROR_KEY] = str(exc)
        return
    _dismiss()
    _done(access, saved, f"Version {number} restored")
    st.session_state[RESTORED_KEY] = True
