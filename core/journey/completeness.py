"""How complete a map is, against the eight parts of a complete onboarding journey map.

Each part weighs the same (12.5 points); within a part, the score is the share of its checks
that pass. Every failed check is a gap that names the element to fix, so the list doubles as
the room's to-do list.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.journey.kinds import ROLE_LABELS
from core.journey.store import MapContent

PARTS: tuple[str, ...] = (
    "Segments & roles",
    "Value milestones",
    "Stages & exit criteria",
    "Touchpoints by channel",
    "Owners & SLAs",
    "Signals & triggers",
    "Risk points & rescue plays",
    "Scorecard metrics",
)


@dataclass(frozen=True)
class Check:
    part: str
    ok: bool
    gap: str


@dataclass(frozen=True)
class Completeness:
    score: int
    parts: dict[str, float]
    gaps: list[Check]


def _c(part: int, ok: bool, gap: str) -> Check:  # noqa: FBT001 - a tiny local constructor
    return Check(PARTS[part], ok, gap)


def _roles(m: MapContent) -> list[Check]:
    used = {e["role"] for k in ("milestone", "touchpoint") for e in m.of(k) if e["role"]}
    missing = [
        ROLE_LABELS[r] for r in ("admin", "champion", "end_user", "exec_sponsor") if r not in used
    ]
    checks = [_c(0, m.info.segment is not None, "The map is not linked to a segment.")]
    checks += [_c(0, False, f"No milestone or touchpoint is for the {r.lower()}.") for r in missing]
    return checks or [_c(0, True, "")]


def _milestones(m: MapContent) -> list[Check]:
    items = m.of("milestone")
    checks = [_c(1, bool(items), "The map has no milestones; add the moments of customer value.")]
    for e in items:
        checks.append(
            _c(1, bool(e["event"]), f"Milestone {e['name']} has no event that proves it.")
        )
        checks.append(
            _c(1, e["target_day"] is not None, f"Milestone {e['name']} has no target day.")
        )
        checks.append(_c(1, e["stage_id"] is not None, f"Milestone {e['name']} is on no stage."))
    return checks


def _stages(m: MapContent) -> list[Check]:
    checks = [_c(2, len(m.stages) >= 3, "A journey needs at least three stages.")]
    for s in m.stages:
        checks.append(_c(2, bool(s["exit_criteria"]), f"Stage {s['name']} has no exit criteria."))
        checks.append(_c(2, bool(s["goal"]), f"Stage {s['name']} has no goal."))
        days = s["day_start"] is not None and s["day_end"] is not None
        checks.append(_c(2, days, f"Stage {s['name']} has no day range."))
    return checks


def _touchpoints(m: MapContent) -> list[Check]:
    checks = [
        _c(3, bool(m.children("touchpoint", s["id"])), f"Stage {s['name']} has no touchpoint.")
        for s in m.stages
    ]
    channels = {t["channel"] for t in m.of("touchpoint")}
    checks.append(
        _c(
            3,
            len(channels) >= 3,
            "Fewer than three channels are used; customers rarely onboard through one or two.",
        )
    )
    return checks


def _owners(m: MapContent) -> list[Check]:
    checks = [_c(4, bool(m.of("touchpoint")), "There are no touchpoints to give owners.")]
    for t in m.of("touchpoint"):
        checks.append(_c(4, bool(t["owner_team"]), f"Touchpoint {t['name']} has no owner team."))
        checks.append(_c(4, t["sla_hours"] is not None, f"Touchpoint {t['name']} has no SLA."))
    return checks


def _signals(m: MapContent) -> list[Check]:
    checks = [_c(5, bool(m.of("signal")), "The map has no signals or triggers.")]
    for s in m.of("signal"):
        checks.append(_c(5, bool(s["condition"]), f"Signal {s['name']} has no condition."))
        checks.append(_c(5, bool(s["play"]), f"Signal {s['name']} starts no play."))
    return checks


def _risks(m: MapContent) -> list[Check]:
    checks = [_c(6, bool(m.of("risk")), "The map has no risk points with rescue plays.")]
    for r in m.of("risk"):
        checks.append(_c(6, bool(r["intervention"]), f"Risk {r['name']} has no intervention."))
        checks.append(_c(6, bool(r["owner"]), f"Risk {r['name']} has no owner."))
        checks.append(_c(6, bool(r["escalation"]), f"Risk {r['name']} has no escalation."))
    return checks


def _scorecard(m: MapContent) -> list[Check]:
    ms = m.of("milestone")
    fv = [e for e in ms if e["is_first_value"]]
    act = [e for e in ms if e["is_activation"]]
    return [
        _c(
            7,
            bool(fv),
            "No milestone is marked as first value, so time-to-value cannot be measured.",
        ),
        _c(
            7,
            all(e["event"] for e in fv) if fv else False,
            "The first-value milestone has no proving event.",
        ),
        _c(7, bool(act), "No milestone is marked as activation."),
        _c(
            7,
            sum(1 for e in ms if e["event"]) >= 2,
            "Fewer than two milestones have events, so there is no funnel to measure.",
        ),
    ]


def completeness(m: MapContent) -> Completeness:
    """Score 0-100 and the gaps, each naming what to fix."""
    checks = [
        *_roles(m),
        *_milestones(m),
        *_stages(m),
        *_touchpoints(m),
        *_owners(m),
        *_signals(m),
        *_risks(m),
        *_scorecard(m),
    ]
    parts = {}
    for part in PARTS:
        mine = [c for c in checks if c.part == part]
        parts[part] = sum(c.ok for c in mine) / len(mine) if mine else 0.0
    score = round(sum(parts.values()) / len(PARTS) * 100)
    return Completeness(score, parts, [c for c in checks if not c.ok])
