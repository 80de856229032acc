"""Evidence cross-check: put each self-rating beside what the workspace actually shows.

Two readings, each turned into the highest level it can support (its "ceiling"):

Journey maps. Every map of the workspace is scored with core.journey's completeness (eight
parts, each 0-1); a capability's score is the mean, over the maps, of the parts it is about
(CAPABILITY_PARTS: e.g. "Value milestones" and "Stages & exit criteria" for "Milestones & exit
criteria"). Enablement also counts touchpoints that carry content; continuous improvement is
read from the maps' life: an ideal-state map, a change in the last 35 days, a repeated
assessment. Levels 1-2 need no documentation, so any score supports level 2; level 3
("defined") needs at least 0.5, level 4 at least 0.8 and level 5 at least 0.95. With no
journey map at all the maps say nothing, and the check says so instead of counting it as zero.

The primary KPI from the engine, per segment, against its target: on target supports up to
level 5, "near" (within 10% on the wrong side) up to 4, "off" up to 3. The weakest segment
(furthest off its target) decides, because an operationalized capability works for every
segment. Targets are the engine's (segment time-to-value target, the 70% activation and 85%
completion benchmarks); milestone velocity, the median days from start to the last milestone
of the funnel, is held against the segment's onboarding duration target. Adoption depth and
early retention have no target in the measurement plan: their values are shown without a
verdict rather than against a number we made up. With no customer data loaded there is no KPI
reading, and the check says so.

A rating is flagged when the median current level is above the lower of the two ceilings:
by a full level or more, "not supported"; by half a level, "above evidence". Teams tend to
over-rate themselves by half a level to a level, so half a level is worth a conversation.

Both readings are the workspace's own: reading the maps requires Action.READ in the workspace
(members only; a round's respondents do not reach its maps), and kpi_evidence computes from
data and a plan the caller has read through their own checked use cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import polars as pl
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.assessment.matrix import CAPABILITIES, CAPABILITY_KEYS
from core.assessment.results import RoundResults
from core.db.models import AssessmentRound, JourneyMap, MapChange
from core.engine.frames import Context, build_context
from core.engine.funnel import funnel_table
from core.engine.scorecard import ALL, metric_targets, scorecard_table
from core.engine.tables import Tables
from core.journey.completeness import PARTS
from core.journey.completeness import completeness as map_completeness
from core.journey.store import load as load_map
from core.model.plan import MeasurementPlan

NEAR_SHARE = 0.10
JOURNEY_THRESHOLDS: tuple[tuple[float, int], ...] = ((0.95, 5), (0.8, 4), (0.5, 3))
KPI_CEILING: dict[str, int] = {"on target": 5, "near": 4, "off": 3}
REVIEW_DAYS = 35  # a monthly review touches the map at least this often


# ------------------------------------------------------------------ journey maps

# The parts of core.journey's completeness score that speak to each capability. Enablement
# adds the share of touchpoints that carry content; continuous improvement is not a part of
# the map, so it is read from the map's life instead (see _improvement).
CAPABILITY_PARTS: dict[str, tuple[str, ...]] = {
    "milestones": ("Value milestones", "Stages & exit criteria"),
    "touchpoints": ("Touchpoints by channel", "Owners & SLAs"),
    "signals": ("Signals & triggers", "Scorecard metrics"),
    "automation": ("Signals & triggers", "Risk points & rescue plays"),
    "enablement": ("Segments & roles",),
}
MAX_GAPS = 2


@dataclass(frozen=True)
class JourneyCheck:
    capability: str
    score: float | None  # 0..1, None when there is no map to read
    facts: tuple[str, ...]

    @property
    def ceiling(self) -> int | None:
        if self.score is None:
            return None
        return next((lvl for bound, lvl in JOURNEY_THRESHOLDS if self.score >= bound), 2)


@dataclass(frozen=True)
class MapParts:
    """What the checks need from a workspace's maps, as plain values."""

    maps: int
    ideal_maps: int
    part_scores: dict[str, float]  # completeness part -> mean share over the maps
    gaps: dict[str, tuple[str, ...]]  # completeness part -> gap sentences, map name first
    touchpoints: int
    touchpoints_with_content: int
    recent_changes: int
    rounds: int


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 3)


def _pct(value: float) -> str:
    return f"{value:.0%}"


def _count(session: Session, query: Select[int]) -> int:
    return int(session.scalar(query) or 0)


def read_map_parts(session: Session, workspace_id: int, today: date | None = None) -> MapParts:
    """Score every map of the workspace with core.journey's completeness, plus map history."""
    require(session, Action.READ, workspace_id)
    ids = session.scalars(
        select(JourneyMap.id).where(JourneyMap.workspace_id == workspace_id).order_by(JourneyMap.id)
    ).all()
    contents = [load_map(session, map_id) for map_id in ids]
    scored = [(c, map_completeness(c)) for c in contents]
    scores = {
        part: _mean([done.parts[part] for _, done in scored]) if scored else 0.0 for part in PARTS
    }
    gaps = {
        part: tuple(
            f"{c.info.name}: {g.gap}" for c, done in scored for g in done.gaps if g.part == part
        )
        for part in PARTS
    }
    touchpoints = [t for c in contents for t in c.of("touchpoint")]
    start = datetime.combine(today or datetime.now(UTC).date(), datetime.min.time())
    since = start - timedelta(days=REVIEW_DAYS)
    return MapParts(
        maps=len(contents),
        ideal_maps=sum(1 for c in contents if c.info.state == "ideal"),
        part_scores=scores,
        gaps=gaps,
        touchpoints=len(touchpoints),
        touchpoints_with_content=sum(1 for t in touchpoints if str(t.get("content") or "").strip()),
        recent_changes=_count(
            session,
            select(func.count(MapChange.id)).where(
                MapChange.map_id.in_(ids or [-1]), MapChange.at >= since
            ),
        ),
        rounds=_count(
            session,
            select(func.count(AssessmentRound.id)).where(
                AssessmentRound.workspace_id == workspace_id
            ),
        ),
    )


def _from_parts(key: str, p: MapParts, extra: Sequence[tuple[float, str]] = ()) -> JourneyCheck:
    parts = CAPABILITY_PARTS[key]
    values = [p.part_scores[part] for part in parts] + [v for v, _ in extra]
    facts = [f"{part}: {_pct(p.part_scores[part])} complete" for part in parts]
    facts += [text for _, text in extra]
    facts += [gap for part in parts for gap in p.gaps[part]][:MAX_GAPS]
    return JourneyCheck(key, _mean(values), tuple(facts))


def _enablement(p: MapParts) -> JourneyCheck:
    share = p.touchpoints_with_content / p.touchpoints if p.touchpoints else 0.0
    text = f"{_pct(share)} of {p.touchpoints} touchpoints link enablement content"
    return _from_parts("enablement", p, [(share, text)])


def _improvement(p: MapParts) -> JourneyCheck:
    ideal = float(p.ideal_maps > 0)
    recent = float(p.recent_changes > 0)
    repeated = float(p.rounds >= 2)
    facts = (
        "an ideal (future-state) map exists" if ideal else "no ideal (future-state) map yet",
        f"{p.recent_changes} map changes in the last {REVIEW_DAYS} days",
        f"{p.rounds} assessment rounds so far",
    )
    return JourneyCheck("improvement", _mean([ideal, recent, repeated]), facts)


def journey_checks(parts: MapParts) -> dict[str, JourneyCheck]:
    """Per capability, what the journey maps show; no verdict at all without a map."""
    if parts.maps == 0:
        none = ("No journey map in this workspace yet, so the maps cannot confirm this.",)
        return {k: JourneyCheck(k, None, none) for k in CAPABILITY_KEYS}
    checks = {k: _from_parts(k, parts) for k in CAPABILITY_PARTS if k != "enablement"}
    checks["enablement"] = _enablement(parts)
    checks["improvement"] = _improvement(parts)
    return {k: checks[k] for k in CAPABILITY_KEYS}


def journey_evidence(session: Session, workspace_id: int) -> dict[str, JourneyCheck]:
    """What the workspace's maps show per capability; members of the workspace only."""
    return journey_checks(read_map_parts(session, workspace_id))


# ------------------------------------------------------------------ KPIs from the engine


@dataclass(frozen=True)
class KpiReading:
    segment: str
    value: float | None
    target: float | None
    higher_is_better: bool
    status: str | None  # on target | near | off | None (no value or no target)

    @property
    def miss(self) -> float | None:
        """How far off the target, as a share of it (0 when met); None without a status."""
        if self.status is None or self.value is None or not self.target:
            return None
        miss = self.target - self.value
        if not self.higher_is_better:
            miss = -miss
        return round(max(0.0, miss / self.target), 3)


@dataclass(frozen=True)
class KpiCheck:
    capability: str
    kpi_label: str
    readings: tuple[KpiReading, ...] = field(default_factory=tuple)
    note: str = ""

    @property
    def worst(self) -> KpiReading | None:
        """The segment furthest off its target (the first one on ties)."""
        rated = [r for r in self.readings if r.miss is not None]
        return max(rated, key=lambda r: r.miss or 0.0) if rated else None

    @property
    def ceiling(self) -> int | None:
        worst = self.worst
        return KPI_CEILING[worst.status] if worst and worst.status else None

    @property
    def shortfall(self) -> float | None:
        """How far the weakest segment is off its target, as a share of the target (0 = met)."""
        worst = self.worst
        return worst.miss if worst else None


def kpi_status(value: float | None, target: float | None, *, higher_is_better: bool) -> str | None:
    """The engine's rule: on target, near (within 10% on the wrong side) or off."""
    if value is None or target is None:
        return None
    if value >= target if higher_is_better else value <= target:
        return "on target"
    near = target * (1 - NEAR_SHARE) if higher_is_better else target * (1 + NEAR_SHARE)
    return "near" if (value >= near if higher_is_better else value <= near) else "off"


def _reading(segment: str, value: float | None, target: float | None, *, up: bool) -> KpiReading:
    return KpiReading(segment, value, target, up, kpi_status(value, target, higher_is_better=up))


def _velocity(ctx: Context, plan: MeasurementPlan, segment: str) -> KpiReading:
    """Milestone velocity: median days from start to the last milestone step of the funnel,
    against the segment's onboarding duration target (lower is better)."""
    table = funnel_table(ctx, segment)
    value = table.get_column("median_days_from_start").to_list()[-1] if table.height else None
    seg = plan.segments.get(segment)
    target = float(seg.duration_target_days) if seg else None
    return _reading(segment, value, target, up=False)


def kpi_evidence(
    data: Tables, plan: MeasurementPlan, as_of: date | None = None, *, has_data: bool = True
) -> dict[str, KpiCheck]:
    """Per capability, its primary KPI per segment against the target; notes when no data."""
    if not has_data:
        note = "No customer data is loaded, so the KPI cannot confirm this rating."
        return {c.key: KpiCheck(c.key, c.kpi_label, (), note) for c in CAPABILITIES}
    ctx = build_context(data, plan, as_of)
    card = scorecard_table(ctx).filter(pl.col("segment") != ALL)
    segments = card.get_column("segment").to_list()
    checks: dict[str, KpiCheck] = {}
    for cap in CAPABILITIES:
        readings = []
        for row in card.iter_rows(named=True):
            if cap.kpi == "milestone_velocity_days":
                readings.append(_velocity(ctx, plan, row["segment"]))
                continue
            target, up = metric_targets(plan, row["segment"]).get(cap.kpi, (None, True))
            value = row[cap.kpi]
            readings.append(_reading(row["segment"], value, target, up=up))
        note = _kpi_note(readings, cap.kpi_label, has_accounts=bool(segments))
        checks[cap.key] = KpiCheck(cap.key, cap.kpi_label, tuple(readings), note)
    return checks


def _kpi_note(readings: Sequence[KpiReading], label: str, *, has_accounts: bool) -> str:
    if not has_accounts:
        return "The loaded data has no account started by the analysis date."
    if all(r.target is None for r in readings):
        return f"The measurement plan sets no target for {label.lower()}; shown without a verdict."
    if all(r.value is None for r in readings):
        return f"No segment has a value for {label.lower()} yet."
    return ""


# ------------------------------------------------------------------ the cross-check


@dataclass(frozen=True)
class CrossCheck:
    capability: str
    name: str
    median_current: float | None
    journey: JourneyCheck
    kpi: KpiCheck

    @property
    def ceiling(self) -> int | None:
        found = [c for c in (self.journey.ceiling, self.kpi.ceiling) if c is not None]
        return min(found) if found else None

    @property
    def excess(self) -> float | None:
        if self.ceiling is None or self.median_current is None:
            return None
        return self.median_current - self.ceiling

    @property
    def verdict(self) -> str:
        """Symbol and word: the status must read without colour."""
        if self.median_current is None:
            return "– not rated"
        if self.excess is None:
            return "? no evidence"
        if self.excess >= 1:
            return "▲ not supported"
        if self.excess >= 0.5:
            return "△ above evidence"
        return "✓ supported"

    @property
    def flagged(self) -> bool:
        return self.excess is not None and self.excess >= 0.5


def cross_check(
    results: RoundResults, journey: dict[str, JourneyCheck], kpis: dict[str, KpiCheck]
) -> list[CrossCheck]:
    """One row per capability, in matrix order."""
    found = results.by_key()
    return [
        CrossCheck(c.key, c.name, found[c.key].median_current, journey[c.key], kpis[c.key])
        for c in CAPABILITIES
    ]
