"""Versions of a workspace's plan: every save of the health-score settings, with who and when.

One truth: the newest row of `plan_version` is the plan a workspace computes with. A save or a
restore adds the next number and never changes an earlier one, so the history says who set
which weights when, and any earlier version can be brought back (as a new version that copies
it). Every workspace has version 1 from its creation (the default settings), or, for a
workspace older than the table, the settings its row held (migration 0003). The workspace
row's `settings` column is no longer read or written.

A version holds what the plan file's top level says (windows, event lists, penalties and
bands) and the penalty of each journey-map signal, keyed by the signal's name and segment.
Segment targets stay with the segment table (Data page) and signal definitions with the
journey maps: those are edited where they live and are not versioned here.

Several owners may edit at once, so a save names the version it was based on; if another
version was saved since, the save is refused with PlanVersionConflict naming who saved in
between, and nothing is written. Saving or restoring needs EDIT_SETTINGS (owners); reading
the versions READ (members). A version is saved under the signed-in person's name; only in
local mode (one person, no sign-in) and for the system is the name the caller gives kept.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.identity import LOCAL_KEY, Access
from core.access.roles import Action
from core.common.errors import UserError
from core.db.models import PlanVersion, Workspace
from core.model.plan import (
    EVENT_LIST_KEYS,
    JourneySignal,
    MeasurementPlan,
    PlanError,
    plan_from_dict,
)

MAX_NOTE = 500
MAX_AUTHOR = 200
TOP_LEVEL_KEYS = ("window_days", "kickoff_days", "activation_window_days", "min_age_days")
BUILDER_KEYS = ("window_days", "min_age_days", "penalties", "bands")
"""What the score builder sets; the rest of a version's settings is kept as it was."""
FIRST_NOTE = "Default settings"

SignalKey = tuple[str, str | None]


class PlanVersionError(UserError):
    """A save or restore of the plan that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class PlanVersionInfo:
    """A plain copy of one version (ORM rows never leave a session)."""

    number: int
    saved_by: str
    saved_at: datetime | None
    note: str
    restored_from: int | None = None

    @property
    def who(self) -> str:
        return self.saved_by or "Waypoint"

    @property
    def when(self) -> str:
        return self.saved_at.strftime("%Y-%m-%d %H:%M") if self.saved_at else "unknown time"


class PlanVersionConflict(PlanVersionError):
    """Someone saved the plan after the version this save was based on; nothing was written.

    `since` are the versions saved in between, oldest first.
    """

    def __init__(self, base_version: int, since: list[PlanVersionInfo]) -> None:
        self.base_version = base_version
        self.since = since
        saved = "; ".join(f"{v.who} saved version {v.number} at {v.when}" for v in since)
        super().__init__(
            f"The plan changed since you opened version {base_version}: "
            f"{saved or 'another version was saved'}. Nothing of yours was saved; "
            "load the newest version, then make your change again."
        )


# ------------------------------------------------------------------ what a version holds


def settings_of(plan: MeasurementPlan) -> dict[str, Any]:
    """The plan's top level as the plan file writes it (windows, event lists, penalties,
    bands): what plan_from_dict reads back into the same values."""
    found: dict[str, Any] = {k: getattr(plan, k) for k in TOP_LEVEL_KEYS}
    for key in EVENT_LIST_KEYS:
        value = getattr(plan.events, key)
        if value is not None:
            found[key] = list(value)
    found["penalties"] = asdict(plan.penalties)
    found["bands"] = asdict(plan.bands)
    return found


def signal_penalties_of(signals: tuple[JourneySignal, ...]) -> list[dict[str, Any]]:
    return [{"name": s.name, "segment": s.segment, "penalty": s.penalty} for s in signals]


def stored_content(settings: dict[str, Any], signals: tuple[JourneySignal, ...]) -> dict[str, Any]:
    return {"settings": settings, "signal_penalties": signal_penalties_of(signals)}


def content_settings(content: dict[str, Any]) -> dict[str, Any]:
    return dict(content.get("settings") or {})


def penalties_by_signal(content: dict[str, Any]) -> dict[SignalKey, int]:
    """Each journey-map signal's penalty in a version, by (name, segment)."""
    found: dict[SignalKey, int] = {}
    for item in content.get("signal_penalties") or []:
        found[(str(item["name"]), item.get("segment"))] = int(item["penalty"])
    return found


def with_penalties(
    signals: tuple[JourneySignal, ...], penalties: dict[SignalKey, int]
) -> tuple[JourneySignal, ...]:
    """The maps' signals with the penalties a version sets (0, shown only, when it sets none)."""
    return tuple(replace(s, penalty=penalties.get((s.name, s.segment), s.penalty)) for s in signals)


# ------------------------------------------------------------------ reading


def _newest(session: Session, workspace_id: int) -> PlanVersion | None:
    query = (
        select(PlanVersion)
        .where(PlanVersion.workspace_id == workspace_id)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _info(row: PlanVersion) -> PlanVersionInfo:
    return PlanVersionInfo(row.number, row.saved_by, row.saved_at, row.note, row.restored_from)


def current_version(session: Session, workspace_id: int) -> PlanVersionInfo | None:
    require(session, Action.READ, workspace_id)
    row = _newest(session, workspace_id)
    return None if row is None else _info(row)


def current_number(session: Session, workspace_id: int) -> int:
    """The number of the plan in use; 0 for a workspace without any version."""
    require(session, Action.READ, workspace_id)
    row = _newest(session, workspace_id)
    return 0 if row is None else row.number


def version_content(
    session: Session, workspace_id: int, number: int | None = None
) -> dict[str, Any]:
    """What a version holds (the newest when `number` is None); {} (the defaults) when the
    workspace has none."""
    require(session, Action.READ, workspace_id)
    if number is None:
        row = _newest(session, workspace_id)
    else:
        row = _find(session, workspace_id, number)
    return dict(row.plan) if row is not None else {}


def list_versions(session: Session, workspace_id: int) -> list[PlanVersionInfo]:
    """Every version, newest first."""
    require(session, Action.READ, workspace_id)
    query = (
        select(PlanVersion)
        .where(PlanVersion.workspace_id == workspace_id)
        .order_by(PlanVersion.number.desc())
    )
    return [_info(row) for row in session.scalars(query)]


def _find(session: Session, workspace_id: int, number: int) -> PlanVersion | None:
    query = select(PlanVersion).where(
        PlanVersion.workspace_id == workspace_id, PlanVersion.number == number
    )
    return session.scalars(query).first()


def _since(session: Session, workspace_id: int, base_version: int) -> list[PlanVersionInfo]:
    query = (
        select(PlanVersion)
        .where(PlanVersion.workspace_id == workspace_id, PlanVersion.number > base_version)
        .order_by(PlanVersion.number)
        .execution_options(populate_existing=True)
    )
    return [_info(row) for row in session.scalars(query)]


# ------------------------------------------------------------------ writing


def first_version(session: Session, workspace_id: int) -> None:
    """Version 1 of a new workspace: the default settings, so restoring them is possible."""
    session.add(
        PlanVersion(
            workspace_id=workspace_id,
            number=1,
            plan=stored_content(settings_of(MeasurementPlan()), ()),
            saved_by="",
            note=FIRST_NOTE,
        )
    )
    session.flush()


def _saver(session: Session, access: Access) -> Access:
    """Who saves: the bound identity must be allowed to change the settings of
    `access.workspace_id`; the name recorded is the signed-in person's, or (local mode, the
    system) the one `access` carries."""
    who = require(session, Action.EDIT_SETTINGS, access.workspace_id)
    if who.is_system:
        return access
    if who.person == LOCAL_KEY:
        return replace(access, actor=access.actor.strip() or who.actor)
    return replace(access, actor=who.actor)


def _lock(session: Session, access: Access) -> Access:
    """Check who acts, then hold the workspace's row until the transaction ends, so saves of
    one workspace's plan queue behind each other (a write that changes nothing: it locks the
    row on PostgreSQL and takes SQLite's write lock before anything is read). Returns who
    saves (see _saver)."""
    access = _saver(session, access)
    locked = session.execute(
        update(Workspace)
        .where(Workspace.id == access.workspace_id)
        .values(name=Workspace.name)
        .returning(Workspace.id)
        .execution_options(synchronize_session=False)
    ).first()
    if locked is None:
        raise PlanVersionError("That workspace no longer exists; it may have been deleted.")
    return access


def _check_plan(content: dict[str, Any]) -> None:
    """Whatever is stored must read back as a plan with its bands in order."""
    try:
        plan = plan_from_dict(content_settings(content))
    except PlanError as exc:
        raise PlanVersionError(f"These settings cannot be saved: {exc}.") from exc
    bands = plan.bands
    if not bands.executive <= bands.escalate <= bands.watch:
        raise PlanVersionError("Keep the bands in order (executive ≤ escalate ≤ watch).")
    if any(not 0 <= p <= 100 for p in asdict(plan.penalties).values()):
        raise PlanVersionError("Penalties are points between 0 and 100.")
    if any(not 0 <= p <= 100 for p in penalties_by_signal(content).values()):
        raise PlanVersionError("Journey-map signal penalties are points between 0 and 100.")


def _clean_note(note: str) -> str:
    cleaned = " ".join(note.split())
    if len(cleaned) > MAX_NOTE:
        raise PlanVersionError(f"Keep the note under {MAX_NOTE} characters.")
    return cleaned


def _add(
    session: Session,
    access: Access,
    content: dict[str, Any],
    *,
    base_version: int,
    note: str,
    restored_from: int | None = None,
) -> PlanVersionInfo:
    """The next version after `base_version`, if that is still the newest; the unique
    (workspace, number) key decides between two saves from the same version at once."""
    workspace_id = access.workspace_id
    _check_plan(content)
    cleaned = _clean_note(note)
    newer = _since(session, workspace_id, base_version)
    if newer:
        raise PlanVersionConflict(base_version, newer)
    if current_number(session, workspace_id) != base_version:
        raise PlanVersionError(
            f"There is no version {base_version} of this workspace's plan; reload the page."
        )
    row = PlanVersion(
        workspace_id=workspace_id,
        number=base_version + 1,
        plan=content,
        saved_by=access.actor.strip()[:MAX_AUTHOR],
        note=cleaned,
        restored_from=restored_from,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise PlanVersionConflict(
            base_version, _since(session, workspace_id, base_version)
        ) from None
    session.refresh(row)
    return _info(row)


def save_settings(
    session: Session,
    access: Access,
    edited: MeasurementPlan,
    *,
    base_version: int,
    note: str = "",
) -> PlanVersionInfo:
    """Save the score builder's settings (penalties, bands, activity window, minimum age and
    the journey-map signals' penalties) as a new version; the rest of the base version's
    settings is kept as it was."""
    access = _lock(session, access)
    settings = content_settings(version_content(session, access.workspace_id, base_version))
    mine = settings_of(edited)
    settings.update({k: mine[k] for k in BUILDER_KEYS})
    return _add(
        session,
        access,
        stored_content(settings, edited.signals),
        base_version=base_version,
        note=note,
    )


def save_plan_file(
    session: Session,
    access: Access,
    uploaded: MeasurementPlan,
    *,
    base_version: int,
    note: str = "",
) -> PlanVersionInfo:
    """Save an uploaded plan file's settings whole (its top level and its signals' penalties)
    as a new version (see read_plan_file and file_notes for what a file cannot change)."""
    access = _lock(session, access)
    content = stored_content(settings_of(uploaded), uploaded.signals)
    return _add(session, access, content, base_version=base_version, note=note)


def restore_version(
    session: Session,
    access: Access,
    number: int,
    *,
    base_version: int,
    note: str = "",
) -> PlanVersionInfo:
    """Bring back an earlier version as a new one that copies it; history is never rewritten."""
    access = _lock(session, access)
    old = _find(session, access.workspace_id, number)
    if old is None:
        raise PlanVersionError(f"There is no version {number} of this workspace's plan.")
    return _add(
        session,
        access,
        dict(old.plan),
        base_version=base_version,
        note=note or f"Restored version {number}",
        restored_from=number,
    )


# ------------------------------------------------------------------ plan files


def _line_of(text: str, key_path: str) -> int | None:
    """The line a key is written on, when it is written once (for a message naming it)."""
    last = key_path.split(".")[-1].split("[")[0]
    pattern = re.compile(rf"^\s*\"?{re.escape(last)}\"?\s*=")
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if pattern.match(line)]
    return lines[0] if len(lines) == 1 else None


def read_plan_file(data: bytes, name: str) -> MeasurementPlan:
    """An uploaded plan file, checked by the plan parser; a bad one raises PlanError naming
    the file and the line or the key."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(f"{name}: not a text file in UTF-8 (byte {exc.start + 1}).") from exc
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{name}: not valid TOML: {exc}.") from exc
    try:
        return plan_from_dict(parsed)
    except PlanError as exc:
        match = re.match(r"(?:unknown key )?([A-Za-z_][\w.\[\]-]*)", str(exc))
        line = _line_of(text, match.group(1)) if match else None
        where = f", line {line}" if line else ""
        raise PlanError(f"{name}{where}: {exc}.") from exc


def file_notes(workspace_plan: MeasurementPlan, uploaded: MeasurementPlan) -> list[str]:
    """What a plan file says that a version does not take: segment targets (edited on the
    Data page) and signals that no journey map of the workspace defines."""
    notes: list[str] = []
    for name, seg in uploaded.segments.items():
        mine = workspace_plan.segments.get(name)
        if mine is None:
            notes.append(
                f"Segment “{name}” is not one of the workspace's segments: add it on the "
                "Data page; the file's targets for it were not taken."
            )
        elif _targets(seg) != _targets(mine):
            notes.append(
                f"The file's targets for segment “{name}” differ from the workspace's; segment "
                "targets are edited on the Data page and were not taken."
            )
    known = {(s.name, s.segment) for s in workspace_plan.signals}
    for signal in uploaded.signals:
        if (signal.name, signal.segment) not in known:
            where = f" ({signal.segment})" if signal.segment else ""
            notes.append(
                f"Signal “{signal.name}”{where} is on no journey map of this workspace; "
                "signals are defined on the Journey page and its penalty was not taken."
            )
    return notes


def _targets(seg: Any) -> tuple[Any, ...]:
    return (
        seg.ttv_target_days,
        seg.duration_target_days,
        seg.adoption_target,
        seg.csat_target,
        seg.csm_ratio_low,
        seg.csm_ratio_high,
        seg.activation_window_days,
    )
