"""Cached resources and the current workspace, shared by every page.

The database is the truth; session_state only remembers which workspace this browser tab
is looking at. Loaded datasets are cached as resources (shared, never copied) because a
20M-event frame must not be re-read or duplicated on every rerun. Every cached result is keyed
on the stored data version (DataKey), which each run reads from the database: an import made
through another app server, or another tab, is used at the next rerun.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import polars as pl
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.access import members
from core.access.guard import bind, system_factory
from core.access.identity import Access, PermissionDenied, Person, outside_any_workspace
from core.access.roles import Role
from core.data import store
from core.data.overview import DataSummary, accounts_per_segment, event_catalogue, summarise
from core.data.store import DatasetInfo
from core.db.config import database_url
from core.db.engine import make_engine, migrate, session_factory, startup_lock, unit_of_work
from core.engine.tables import analysis_date
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan, plan_to_toml
from core.workspace import workspaces
from core.workspace.demo_workspace import ensure_demo_workspace
from core.workspace.effective_plan import effective_plan
from core.workspace.workspaces import WorkspaceInfo

WORKSPACE_KEY = "workspace_id"
SEEN_KEY = "signed_in_recorded"
"""The person whose first sign-in this browser session has recorded (once, not every rerun)."""

DataKey = tuple[int, datetime, str, tuple[tuple[str, int], ...]]
"""What cached results of a stored data version are keyed on: its id, when it was stored, its
source and row counts. The id alone is not enough: SQLite hands a new import the id of a
deleted one when that was the newest (a deleted workspace's last import), and a cache keyed on
the id would serve the deleted workspace's data and scores to another workspace (SQLite
stores the time to the second, hence the source and counts too)."""


def _secrets() -> dict[str, Any] | None:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # noqa: BLE001 - no secrets file is the normal local case
        return None


@st.cache_resource(show_spinner="Preparing the database (first start creates a demo)…")
def _engine() -> Engine:
    engine = make_engine(database_url(_secrets()))
    with startup_lock(engine):  # app servers started together take turns
        migrate(engine)
        ensure_demo_workspace(session_factory(engine))
        _hand_local_workspaces_to_first_admin(engine)
    return engine


def _hand_local_workspaces_to_first_admin(engine: Engine) -> None:
    """Once sign-in is configured, nobody signs in as the local owner: the workspaces it alone
    owns (the demo, and everything from before sign-in) go to the first administrator."""
    from ui.identity import administrators, auth_configured

    admins = administrators()
    if not (auth_configured() and admins):
        return
    with unit_of_work(session_factory(engine)) as session:
        members.adopt_local_workspaces(session, admins[0])


@st.cache_resource
def _factory() -> sessionmaker[Session]:
    return session_factory(_engine())


@st.cache_resource
def system_sessions() -> sessionmaker[Session]:
    """Sessions acting as the system, for the server's own work that no person asked for (the
    journey page's watcher of open maps, ui/journey/push.py)."""
    return system_factory(_engine())


def app_factory() -> sessionmaker[Session]:
    """The app's sessions, with nobody bound: for signing guests in (core.access.links)."""
    return _factory()


_RUN = threading.local()
"""Who acts in this script run. Streamlit runs each script run (and each fragment rerun) in a
thread of its own, and app.py sets this at the top of every full run, so it is never carried
from one person's run to another's."""


def set_run_access(access: Access | None, person: Person | None = None) -> None:
    """Start this run's identity afresh (app.py), or set what it worked out."""
    _RUN.access = access
    _RUN.person = person
    if access is None:
        _RUN.workspaces = None


def run_person() -> Person:
    """The member acting in this run; a guest is nobody's person and reaches no workspace
    list (their access is the one thing their link names)."""
    if run_access().is_guest:
        raise PermissionDenied("A guest link reaches one thing only.")
    found = getattr(_RUN, "person", None)
    if found is None:
        from ui.identity import signed_in

        found = signed_in()
        if found is None:
            raise PermissionDenied("Sign in to continue.")
        _RUN.person = found
    return found


def run_access() -> Access:
    """Who acts in this run, in the workspace they look at (worked out once per run).

    A fragment's rerun runs in a thread of its own, without app.py: it works the access out
    again the same way (a guest from the link in the address first, so a guest's fragment can
    never run as anyone else)."""
    found = getattr(_RUN, "access", None)
    if found is None:
        from ui.session import resolve_access

        found = resolve_access()
        _RUN.access = found
    return found


@contextmanager
def transaction(access: Access | None = None) -> Iterator[Session]:
    """One user action, acting as this run's person (or `access`): committed at the end of
    the block, rolled back if it raises."""
    with unit_of_work(_factory()) as session:
        bind(session, access or run_access())
        yield session


def all_workspaces() -> list[WorkspaceInfo]:
    """The workspaces this run's person is a member of (read once per run)."""
    found = getattr(_RUN, "workspaces", None)
    if found is not None and not run_access().is_guest:
        return list(found)
    with transaction(outside_any_workspace(run_person())) as session:
        return workspaces.list_workspaces(session)


def is_member(person: Person, workspace_id: int) -> bool:
    with transaction(outside_any_workspace(person)) as session:
        return members.role_in(session, person, workspace_id) is not None


def member_access(person: Person) -> Access:
    """The chosen workspace of a member, with their role: one read per run (their workspaces
    and roles together), plus recording their first sign-in once per browser session."""
    with transaction(outside_any_workspace(person)) as session:
        if st.session_state.get(SEEN_KEY) != person.key:
            members.signed_in(session, person)
        found = workspaces.workspaces_with_roles(session)
    st.session_state[SEEN_KEY] = person.key
    _RUN.workspaces = [ws for ws, _ in found]
    if not found:
        return Access(0, "", Role.VIEWER, person.name, person=person.key, is_admin=person.is_admin)
    chosen = st.session_state.get(WORKSPACE_KEY)
    match, role = next(((w, r) for w, r in found if w.id == chosen), found[0])
    st.session_state[WORKSPACE_KEY] = match.id
    return Access(
        match.id,
        match.name,
        role,
        person.name,
        visitor=person.key,
        person=person.key,
        is_admin=person.is_admin,
    )


def current_workspace() -> WorkspaceInfo:
    """The workspace this tab looks at (a member's choice, or a guest's link); the page asking
    for it stops with what to do when the person has no workspace yet."""
    access = run_access()
    if access.workspace_id == 0:
        _no_workspace(access)
    known = getattr(_RUN, "workspaces", None) or []
    match = next((w for w in known if w.id == access.workspace_id), None)
    if match is not None and not access.is_guest:
        return match  # read with the person's memberships this run
    with transaction(access) as session:
        return workspaces.get_workspace(session, access.workspace_id)


def _no_workspace(access: Access) -> None:
    if access.is_admin:
        st.info("You have no workspace yet: create one in the sidebar.", icon=":material/add:")
    else:
        st.info(
            "You are not a member of any workspace yet. Ask a workspace owner to add your "
            "e-mail address; your access starts the next time you open Waypoint.",
            icon=":material/lock:",
        )
    st.stop()


def select_workspace(workspace_id: int) -> None:
    """Choose the workspace for this tab's next run (the run's access is worked out anew)."""
    st.session_state[WORKSPACE_KEY] = workspace_id
    set_run_access(None, getattr(_RUN, "person", None))


def dataset_info(workspace_id: int) -> DatasetInfo | None:
    with transaction() as session:
        return store.active_info(session, workspace_id)


def data_key(info: DatasetInfo | None) -> DataKey:
    """The cache key of a stored data version (see DataKey); id 0 for none."""
    if info is None:
        return (0, datetime.min, "", ())
    counts = tuple(sorted(info.row_counts.items()))
    return (info.id, info.created_at, info.source, counts)


@st.cache_resource(max_entries=3, show_spinner="Reading the workspace's data…")
def _dataset(key: DataKey) -> Dataset:
    with transaction() as session:
        return store.load_dataset(session, key[0])


def current_dataset(workspace_id: int) -> tuple[DatasetInfo | None, Dataset]:
    """The active data of a workspace; an empty Dataset when nothing is loaded yet."""
    info = dataset_info(workspace_id)
    if info is None:
        return None, Dataset.empty()
    return info, _dataset(data_key(info))


@st.cache_data(max_entries=8, show_spinner=False)
def overview(key: DataKey) -> tuple[DataSummary, pl.DataFrame, pl.DataFrame]:
    """Summary, accounts per segment and event catalogue of a stored dataset, computed once;
    the catalogue comes from the version's rollups (a full scan of 20M events without)."""
    from ui.engine_tables import version_rollups  # it reads through this module's transaction

    data = _dataset(key)
    rollups = version_rollups(key, data)
    names = rollups.event_names if rollups is not None else None
    return summarise(data), accounts_per_segment(data), event_catalogue(data, names)


@st.cache_data(max_entries=8, show_spinner="Computing the headline numbers…")
def headline(key: DataKey, as_of: date, plan_key: str, _plan: MeasurementPlan) -> dict:
    """The scorecard's "All" row, for the figures Home leads with; keyed on the plan's text."""
    from core.engine import scorecard
    from ui.engine_tables import engine_tables  # it reads through this module's transaction

    card = scorecard(engine_tables(key, _dataset(key)), _plan, as_of)
    return card.filter(pl.col("segment") == "All").row(0, named=True)


def workspace_as_of(ws: WorkspaceInfo, info: DatasetInfo | None, dataset: Dataset) -> date:
    """The analysis date of a workspace's pages (core.engine.analysis_date), using the stored
    latest-event date so a page never scans 20M events just to find it."""
    latest = info.last_event_at.date() if info and info.last_event_at else None
    return analysis_date(dataset, pinned=ws.as_of, latest_event=latest)


def stop_without_data(dataset: Dataset, why: str) -> None:
    """The empty state of every page that computes from data: say what to do, then stop."""
    if not dataset.is_empty:
        return
    st.info(why, icon=":material/upload_file:")
    st.page_link("pages/data.py", label="Go to Data", icon=":material/database:")
    st.stop()


def plan_key(the_plan: MeasurementPlan) -> str:
    """A plan as cache-key text (plans hold dicts, so they are not hashable themselves)."""
    return plan_to_toml(the_plan)


def plan(workspace_id: int) -> MeasurementPlan:
    """Segment targets plus the event lists the workspace's journey maps define."""
    with transaction() as session:
        return effective_plan(session, workspace_id)
