"""Aggregation rules for a revealed round, and the trend across rounds.

Rules (each tested on hand-built answers):
- per capability, over the respondents who answered it: the median current and median target
  level (the mean of the two middle values for an even count), the spread of current levels
  (max - min), and a disagreement flag when that spread is DISAGREEMENT_SPREAD (2) levels or
  more: people then describe different realities and should talk before averaging;
- gap = median target - median current;
- the maturity index is the mean of the per-capability median current levels, mapped from the
  1-5 scale onto 0-100 ((mean - 1) / 4 * 100): 0 means every capability sits at "ad hoc",
  100 at "operationalized". The target index is the same over median targets. Capabilities
  nobody answered are left out of the mean (and `answered_capabilities` says how many
  counted); with no answers at all the index is missing, never 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from core.assessment.matrix import CAPABILITIES, LEVEL_NAMES
from core.assessment.rounds import AnswerRow, RoundInfo

DISAGREEMENT_SPREAD = 2


@dataclass(frozen=True)
class CapabilityResult:
    key: str
    name: str
    owner: str
    respondents: int
    median_current: float | None
    median_target: float | None
    min_current: int | None
    max_current: int | None

    @property
    def spread(self) -> int | None:
        if self.min_current is None or self.max_current is None:
            return None
        return self.max_current - self.min_current

    @property
    def disagreement(self) -> bool:
        return self.spread is not None and self.spread >= DISAGREEMENT_SPREAD

    @property
    def gap(self) -> float | None:
        if self.median_current is None or self.median_target is None:
            return None
        return self.median_target - self.median_current

    @property
    def agreement_label(self) -> str:
        """Symbol and word, so the status never depends on colour alone."""
        if self.spread is None:
            return "– no answers"
        return "⚠ disagree" if self.disagreement else "✓ agree"


@dataclass(frozen=True)
class RoundResults:
    capabilities: tuple[CapabilityResult, ...]
    respondents: tuple[str, ...]
    maturity_index: float | None
    target_index: float | None
    answered_capabilities: int

    def by_key(self) -> dict[str, CapabilityResult]:
        return {c.key: c for c in self.capabilities}

    @property
    def disagreements(self) -> tuple[CapabilityResult, ...]:
        return tuple(c for c in self.capabilities if c.disagreement)


def level_to_index(level: float) -> float:
    """Map a 1-5 level onto the 0-100 index scale."""
    return round((level - 1) / 4 * 100, 1)


def _index(levels: Sequence[float]) -> float | None:
    return level_to_index(sum(levels) / len(levels)) if levels else None


def capability_result(key: str, answers: Sequence[AnswerRow]) -> CapabilityResult:
    """Median, spread and flag for one capability over the answers given for it."""
    cap = next(c for c in CAPABILITIES if c.key == key)
    mine = [a for a in answers if a.capability == key]
    current = [a.current for a in mine]
    target = [a.target for a in mine]
    return CapabilityResult(
        key=key,
        name=cap.name,
        owner=cap.owner,
        respondents=len(mine),
        median_current=float(median(current)) if current else None,
        median_target=float(median(target)) if target else None,
        min_current=min(current) if current else None,
        max_current=max(current) if current else None,
    )


def round_results(answers: Sequence[AnswerRow]) -> RoundResults:
    """Everything the results view shows, computed from a round's answers."""
    caps = tuple(capability_result(c.key, answers) for c in CAPABILITIES)
    currents = [c.median_current for c in caps if c.median_current is not None]
    targets = [c.median_target for c in caps if c.median_target is not None]
    people = tuple(dict.fromkeys(a.respondent for a in answers))
    return RoundResults(caps, people, _index(currents), _index(targets), len(currents))


@dataclass(frozen=True)
class HeatCell:
    respondent: str
    capability: str
    capability_name: str
    current: int
    target: int
    level_name: str


def heatmap(answers: Sequence[AnswerRow]) -> list[HeatCell]:
    """Respondents x capabilities with the current level (and target) in each cell."""
    names = {c.key: c.name for c in CAPABILITIES}
    return [
        HeatCell(
            a.respondent,
            a.capability,
            names[a.capability],
            a.current,
            a.target,
            LEVEL_NAMES[a.current],
        )
        for a in answers
    ]


@dataclass(frozen=True)
class TrendPoint:
    round_name: str
    position: int
    series: str  # "Maturity index" or a capability name
    value: float | None


def trend(history: Sequence[tuple[RoundInfo, Sequence[AnswerRow]]]) -> list[TrendPoint]:
    """Index and per-capability median current level for each revealed round, oldest first.

    The index is on 0-100; capability points stay on the 1-5 scale (the page charts them
    separately).
    """
    points: list[TrendPoint] = []
    for position, (info, answers) in enumerate(history, start=1):
        res = round_results(answers)
        points.append(TrendPoint(info.name, position, "Maturity index", res.maturity_index))
        points.extend(
            TrendPoint(info.name, position, c.name, c.median_current) for c in res.capabilities
        )
    return points


def index_change(history: Sequence[tuple[RoundInfo, Sequence[AnswerRow]]]) -> float | None:
    """Change of the maturity index from the previous revealed round to the latest one."""
    found = [round_results(a).maturity_index for _, a in history]
    indexes = [i for i in found if i is not None]
    return round(indexes[-1] - indexes[-2], 1) if len(indexes) >= 2 else None
