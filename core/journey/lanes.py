"""Lanes by role: one row per customer role, the stages as columns, each element in its role's
lane, so a room can read the journey one person at a time (the admin's, the champion's...).

Pure: MapContent in, plain text out (never HTML; the page escapes it). An element belongs to
the lane of its `role`. The journey's elements carry one role each, or none (`""`, "Any role"):
those concern every role and sit in a lane of their own, "All roles", rather than repeated in
each. Should an element ever carry several roles (a comma-separated value), it is shown in each
of their lanes. Opportunities have neither stage nor role and are not drawn here; stages are
the columns themselves. Elements on no stage get a last column, as in the grid.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from core.journey.kinds import CHILD_KINDS, ROLE_LABELS, spec
from core.journey.shapes import ChildElement, field_values
from core.journey.store import MapContent
from core.journey.views import UNPLACED, Grid
from core.model.contract import ROLES

ALL_ROLES = ""
"""The lane key of elements with no role: they concern every role."""
ALL_ROLES_LABEL = "All roles"
LANE_ORDER: tuple[str, ...] = (*ROLES, ALL_ROLES)


def lane_label(role: str) -> str:
    """A lane's name in words ("Admin / implementer", "All roles")."""
    return ALL_ROLES_LABEL if role == ALL_ROLES else ROLE_LABELS.get(role, role)


@dataclass(frozen=True)
class LaneItem:
    """One element in one cell: its kind, id and name (plain, unescaped)."""

    kind: str
    id: int
    name: str

    @property
    def text(self) -> str:
        """What the cell shows: the kind in words, then the name ("Risk: No sponsor")."""
        return f"{spec(self.kind).label}: {self.name}"


@dataclass(frozen=True)
class Lanes:
    """`cells[lane][column]` lists the elements of that role on that stage, in kind order."""

    roles: list[str]  # lane keys, in LANE_ORDER
    columns: list[str]  # stage names (plus UNPLACED when some element has no stage)
    stage_ids: list[int | None]
    cells: list[list[list[LaneItem]]]

    @property
    def labels(self) -> list[str]:
        return [lane_label(r) for r in self.roles]

    @property
    def empty(self) -> bool:
        return not any(item for lane in self.cells for cell in lane for item in cell)

    def cell_text(self, lane: int, column: int) -> str:
        return "\n".join(f"• {i.text}" for i in self.cells[lane][column])

    def to_grid(self) -> Grid:
        """The same lanes as a views.Grid (rows = lanes), for the HTML table and the picture."""
        cells = [
            [self.cell_text(r, c) for c in range(len(self.columns))] for r in range(len(self.roles))
        ]
        return Grid(list(self.columns), self.labels, cells)

    def to_frame(self) -> pl.DataFrame:
        """One row per element placed in a lane (for the CSV): lane, stage, kind, name."""
        rows = [
            {
                "Lane": lane_label(role),
                "Stage": self.columns[c],
                "Kind": spec(item.kind).label,
                "Element": item.name,
            }
            for r, role in enumerate(self.roles)
            for c in range(len(self.columns))
            for item in self.cells[r][c]
        ]
        schema = {"Lane": pl.String, "Stage": pl.String, "Kind": pl.String, "Element": pl.String}
        return pl.DataFrame(rows, schema=schema)


def element_roles(e: ChildElement) -> list[str]:
    """The lanes an element goes in: each role it names, or the "All roles" lane for none.
    A role no lane knows (a value a later version added) also goes to "All roles" rather than
    being lost."""
    raw = str(field_values(e).get("role") or "")
    named = [r.strip() for r in raw.split(",") if r.strip()]
    known = [r for r in ROLES if r in named]
    return known or [ALL_ROLES]


def _shown(kind: str, e: ChildElement, channels: Collection[str] | None) -> bool:
    return kind != "touchpoint" or channels is None or field_values(e)["channel"] in channels


def lanes(
    m: MapContent,
    *,
    roles: Collection[str] | None = None,
    channels: Collection[str] | None = None,
) -> Lanes:
    """The lanes of `m`. `roles` keeps only those lanes ("" keeps "All roles"); `channels`
    keeps only touchpoints of those channels (the toolbar's filters). Stages in stage order."""
    keep = [r for r in LANE_ORDER if roles is None or r in roles]
    stage_ids: list[int | None] = [s["id"] for s in m.stages]
    columns = [s["name"] for s in m.stages]
    known = set(stage_ids)
    if any(e["stage_id"] not in known for k in CHILD_KINDS for e in m.of(k)):
        stage_ids.append(None)
        columns.append(UNPLACED)
    where = {sid: i for i, sid in enumerate(stage_ids)}
    cells: list[list[list[LaneItem]]] = [[[] for _ in columns] for _ in keep]
    lane_of = {r: i for i, r in enumerate(keep)}
    for kind in CHILD_KINDS:
        for e in m.of(kind):
            if not _shown(kind, e, channels):
                continue
            column = where.get(e["stage_id"], where.get(None, 0))
            for role in element_roles(e):
                if role in lane_of:
                    cells[lane_of[role]][column].append(LaneItem(kind, e["id"], e["name"]))
    return Lanes(keep, columns, stage_ids, cells)
