"""The roadmap: which capabilities to work on first, and the next concrete steps for each.

Ranking: the largest gap (median target - median current) first; among equal gaps, the
capability whose primary KPI is furthest off target (its weakest segment, as a share of the
target) first; then capabilities without a KPI reading; then matrix order. Capabilities
nobody rated, or whose target is already reached, come last.

The steps start from the level the team stands on: the median current level rounded down,
or the evidence ceiling when the evidence supports less (a team that rated itself 4 while the
maps support 2 gets the steps from 2 to 3 first).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from core.assessment.evidence import CrossCheck
from core.assessment.matrix import LEVEL_NAMES, capability
from core.assessment.results import RoundResults


@dataclass(frozen=True)
class RoadmapItem:
    rank: int
    capability: str
    name: str
    owner: str
    median_current: float | None
    median_target: float | None
    gap: float | None
    kpi_label: str
    kpi_shortfall: float | None
    verdict: str
    from_level: int | None
    steps: tuple[str, ...]

    @property
    def headline(self) -> str:
        if self.from_level is None:
            return "Not rated in this round."
        if not self.steps:
            return "At the top level: keep it running and measured."
        nxt = self.from_level + 1
        return (
            f"From {self.from_level} ({LEVEL_NAMES[self.from_level]}) to {nxt} ({LEVEL_NAMES[nxt]})"
        )


def _start_level(current: float | None, ceiling: int | None) -> int | None:
    if current is None:
        return None
    level = math.floor(current)
    return min(level, ceiling) if ceiling is not None else level


def _sort_key(item: RoadmapItem, position: int) -> tuple[int, float, int, float, int]:
    active = item.gap is not None and item.gap > 0
    shortfall = item.kpi_shortfall
    return (
        0 if active else 1,
        -(item.gap or 0.0),
        0 if shortfall is not None else 1,
        -(shortfall or 0.0),
        position,
    )


def roadmap(results: RoundResults, checks: Sequence[CrossCheck]) -> list[RoadmapItem]:
    """Every capability, ranked; `rank` starts at 1."""
    by_key = {c.capability: c for c in checks}
    unranked: list[RoadmapItem] = []
    for res in results.capabilities:
        cap = capability(res.key)
        check = by_key.get(res.key)
        start = _start_level(res.median_current, check.ceiling if check else None)
        unranked.append(
            RoadmapItem(
                rank=0,
                capability=res.key,
                name=cap.name,
                owner=cap.owner,
                median_current=res.median_current,
                median_target=res.median_target,
                gap=res.gap,
                kpi_label=cap.kpi_label,
                kpi_shortfall=check.kpi.shortfall if check else None,
                verdict=check.verdict if check else "? no evidence",
                from_level=start,
                steps=cap.steps_from(start) if start is not None else (),
            )
        )
    ordered = sorted(enumerate(unranked), key=lambda pair: _sort_key(pair[1], pair[0]))
    return [_with_rank(item, rank) for rank, (_, item) in enumerate(ordered, start=1)]


def _with_rank(item: RoadmapItem, rank: int) -> RoadmapItem:
    return replace(item, rank=rank)
