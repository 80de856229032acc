"""Use cases for workspaces and their segments: one function per thing a user does.

Each function takes an open Session inside a unit of work and raises WorkspaceError with a
sentence a user can act on; pages show that sentence and never see a database error.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.access.guard import acting, require
from core.access.members import add_owner, require_creator
from core.access.roles import Action, Role
from core.common.errors import UserError
from core.db.models import Member, Segment, Workspace
from core.model.plan import (
    EVENT_LIST_KEYS,
    MeasurementPlan,
    SegmentPlan,
    default_segments,
    plan_from_dict,
)
from core.workspace.plan_versions import content_settings, first_version, version_content

MAX_NAME = 80


class WorkspaceError(UserError):
    """A workspace action that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class WorkspaceInfo:
    """A plain, cache-safe copy of a workspace row (ORM objects never leave a session)."""

    id: int
    name: str
    description: str
    is_demo: bool
    as_of: date | None


def _info(ws: Workspace) -> WorkspaceInfo:
    return WorkspaceInfo(ws.id, ws.name, ws.description, ws.is_demo, ws.as_of)


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise WorkspaceError("A workspace needs a name.")
    if len(cleaned) > MAX_NAME:
        raise WorkspaceError(f"Keep the name under {MAX_NAME} characters.")
    return cleaned


def _ensure_unique(session: Session, name: str, except_id: int | None = None) -> None:
    query = select(Workspace.id).where(func.lower(Workspace.name) == name.lower())
    found = session.scalars(query).first()
    if found is not None and found != except_id:
        raise WorkspaceError(f"A workspace called “{name}” already exists.")


def _get(session: Session, workspace_id: int, action: Action = Action.READ) -> Workspace:
    """The workspace, once the acting person is allowed `action` in it."""
    require(session, action, workspace_id)
    ws = session.get(Workspace, workspace_id)
    if ws is None:
        raise WorkspaceError("That workspace no longer exists; it may have been deleted.")
    return ws


def list_workspaces(session: Session) -> list[WorkspaceInfo]:
    """The workspaces the acting person is a member of (every one, for the system)."""
    return [ws for ws, _ in workspaces_with_roles(session)]


def workspaces_with_roles(session: Session) -> list[tuple[WorkspaceInfo, Role]]:
    """The acting person's workspaces with their role in each, in one read (the app asks at
    every rerun; the system is owner of every workspace)."""
    access = acting(session)
    order = (Workspace.created_at, Workspace.id)
    if access.is_system:
        everything = session.scalars(select(Workspace).order_by(*order))
        return [(_info(ws), Role.OWNER) for ws in everything]
    rows = session.execute(
        select(Workspace, Member.role)
        .join(Member, Member.workspace_id == Workspace.id)
        .where(Member.person == access.person)
        .order_by(*order)
    )
    return [(_info(ws), Role(role)) for ws, role in rows]


def get_workspace(session: Session, workspace_id: int) -> WorkspaceInfo:
    return _info(_get(session, workspace_id))


def create_workspace(
    session: Session, name: str, description: str = "", *, is_demo: bool = False
) -> WorkspaceInfo:
    """A new workspace starts with the three standard segments and the default plan."""
    name = _clean_name(name)
    require_creator(session)
    _ensure_unique(session, name)
    ws = Workspace(name=name, description=description.strip(), is_demo=is_demo, settings={})
    for position, (seg_name, seg) in enumerate(default_segments().items()):
        ws.segments.append(_segment_row(seg_name, seg, position))
    session.add(ws)
    session.flush()
    add_owner(session, ws.id)  # refuses anyone but an administrator or the system
    first_version(session, ws.id)
    return _info(ws)


def rename_workspace(session: Session, workspace_id: int, name: str) -> WorkspaceInfo:
    ws = _get(session, workspace_id, Action.MANAGE_WORKSPACE)
    name = _clean_name(name)
    _ensure_unique(session, name, except_id=workspace_id)
    ws.name = name
    return _info(ws)


def delete_workspace(session: Session, workspace_id: int) -> None:
    session.delete(_get(session, workspace_id, Action.MANAGE_WORKSPACE))


def set_as_of(session: Session, workspace_id: int, as_of: date | None) -> None:
    """Pin the analysis date for every page; None goes back to the date of the latest event."""
    _get(session, workspace_id, Action.EDIT_SETTINGS).as_of = as_of


# ------------------------------------------------------------------ segments and the plan


def _segment_row(name: str, seg: SegmentPlan, position: int) -> Segment:
    lists = {k: list(v) for k in EVENT_LIST_KEYS if (v := getattr(seg, k)) is not None}
    return Segment(
        name=name,
        position=position,
        ttv_target_days=seg.ttv_target_days,
        duration_target_days=seg.duration_target_days,
        adoption_target=seg.adoption_target,
        csat_target=seg.csat_target,
        csm_ratio_low=seg.csm_ratio_low,
        csm_ratio_high=seg.csm_ratio_high,
        event_lists=lists,
    )


SEGMENT_FIELDS = (
    "name",
    "ttv_target_days",
    "duration_target_days",
    "adoption_target",
    "csat_target",
    "csm_ratio_low",
    "csm_ratio_high",
)


def segment_rows(session: Session, workspace_id: int) -> list[dict[str, object]]:
    """The segments as plain rows, in the order the editor shows them."""
    ws = _get(session, workspace_id)
    return [{f: getattr(s, f) for f in SEGMENT_FIELDS} for s in ws.segments]


def _number(value: object) -> float:
    """A typed-in target as a number; anything else is the caller's "needs a number"."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"not a number: {value!r}")
    return float(value)


def _check_segment(row: dict[str, object], number: int) -> SegmentPlan:
    where = f"Segment row {number}"
    try:
        plan = SegmentPlan(
            ttv_target_days=int(_number(row["ttv_target_days"])),
            duration_target_days=int(_number(row["duration_target_days"])),
            adoption_target=_number(row["adoption_target"]),
            csat_target=_number(row["csat_target"]),
            csm_ratio_low=int(_number(row.get("csm_ratio_low") or 0)),
            csm_ratio_high=int(_number(row.get("csm_ratio_high") or 0)),
        )
    except (TypeError, ValueError, KeyError) as exc:
        raise WorkspaceError(f"{where}: every target needs a number.") from exc
    if plan.ttv_target_days < 1 or plan.duration_target_days < 1:
        raise WorkspaceError(f"{where}: day targets must be at least 1.")
    if plan.duration_target_days < plan.ttv_target_days:
        raise WorkspaceError(f"{where}: onboarding cannot end before first value is due.")
    if not 0 <= plan.adoption_target <= 1:
        raise WorkspaceError(f"{where}: adoption target is a share between 0 and 1.")
    if not 1 <= plan.csat_target <= 5:
        raise WorkspaceError(f"{where}: CSAT target is on the 1-5 scale.")
    return plan


def save_segments(
    session: Session,
    workspace_id: int,
    rows: list[dict[str, object]],
    in_use: Collection[str] = (),
) -> None:
    """Replace the segment table with the edited rows; all rows are checked before any change.

    `in_use` names the segments the loaded data refers to: those cannot be removed, or the
    loaded accounts would point at a segment with no targets.
    """
    ws = _get(session, workspace_id, Action.EDIT_SETTINGS)
    checked: dict[str, SegmentPlan] = {}
    for number, row in enumerate(rows, start=1):
        name = " ".join(str(row.get("name") or "").split())
        if not name:
            raise WorkspaceError(f"Segment row {number}: a segment needs a name.")
        if name.lower() in {n.lower() for n in checked}:
            raise WorkspaceError(f"Segment row {number}: “{name}” appears twice.")
        checked[name] = _check_segment(row, number)
    if not checked:
        raise WorkspaceError("Keep at least one segment.")
    removed = sorted(set(in_use) - set(checked))
    if removed:
        raise WorkspaceError(
            f"Segment “{removed[0]}” has accounts in the loaded data; "
            "load data without it before removing or renaming it."
        )
    existing = {s.name: s for s in ws.segments}
    kept: list[Segment] = []
    for position, (name, seg) in enumerate(checked.items()):
        segment = existing.get(name) or Segment(name=name, event_lists={})
        for key, value in asdict(seg).items():
            if key not in EVENT_LIST_KEYS:
                setattr(segment, key, value)
        segment.position = position
        kept.append(segment)
    ws.segments = kept


def measurement_plan(
    session: Session, workspace_id: int, content: dict[str, Any] | None = None
) -> MeasurementPlan:
    """The plan every page computes with: the settings of the plan's newest version
    (core/workspace/plan_versions.py; `content` instead, for a version or a file not saved
    yet) plus this workspace's segments."""
    ws = _get(session, workspace_id)
    if content is None:
        content = version_content(session, workspace_id)
    base = plan_from_dict(content_settings(content))
    segments = {}
    for s in ws.segments:
        stored = s.event_lists or {}
        lists: dict[str, Any] = {k: tuple(v) for k, v in stored.items() if k in EVENT_LIST_KEYS}
        segments[s.name] = SegmentPlan(
            ttv_target_days=s.ttv_target_days,
            duration_target_days=s.duration_target_days,
            adoption_target=s.adoption_target,
            csat_target=s.csat_target,
            csm_ratio_low=s.csm_ratio_low,
            csm_ratio_high=s.csm_ratio_high,
            **lists,
        )
    return MeasurementPlan(**{**base.__dict__, "segments": segments})
