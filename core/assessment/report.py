"""Everything the results view and the downloads show for one revealed round, in one call.

Members of the workspace get the whole report (build_report). A respondent reaches their own
round and nothing else of the workspace, so theirs (respondent_report) holds the round's
answers and what follows from them alone: no evidence cross-check (the workspace's maps and
customer data) and no other round (the trend has this one point).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.assessment.evidence import (
    CrossCheck,
    JourneyCheck,
    KpiCheck,
    cross_check,
    journey_evidence,
    kpi_evidence,
)
from core.assessment.export import markdown_report
from core.assessment.results import (
    HeatCell,
    RoundResults,
    TrendPoint,
    heatmap,
    index_change,
    round_results,
    trend,
)
from core.assessment.roadmap import RoadmapItem, roadmap
from core.assessment.rounds import (
    AnswerRow,
    History,
    RoundInfo,
    get_round,
    revealed_answers,
    revealed_history,
)
from core.engine.tables import Tables
from core.model.plan import MeasurementPlan


@dataclass(frozen=True)
class RoundReport:
    info: RoundInfo
    answers: tuple[AnswerRow, ...]
    results: RoundResults
    heat: tuple[HeatCell, ...]
    history: History
    trend: tuple[TrendPoint, ...]
    index_change: float | None
    journey: dict[str, JourneyCheck]
    kpis: dict[str, KpiCheck]
    checks: tuple[CrossCheck, ...]
    roadmap: tuple[RoadmapItem, ...]

    def markdown(self) -> str:
        return markdown_report(
            self.info, self.results, self.checks, self.roadmap, self.index_change
        )


def _up_to(history: History, round_id: int) -> History:
    """The revealed rounds up to and including this one (a report shows its own past)."""
    ids = [info.id for info, _ in history]
    return history[: ids.index(round_id) + 1] if round_id in ids else history


def build_report(
    session: Session,
    round_id: int,
    data: Tables,
    plan: MeasurementPlan,
    as_of: date | None = None,
    *,
    has_data: bool,
) -> RoundReport:
    """Results, evidence and roadmap of a revealed round; AssessmentError while hidden.
    Members of the round's workspace only (the evidence reads its maps and data)."""
    info = get_round(session, round_id)
    require(session, Action.READ, info.workspace_id)
    answers = revealed_answers(session, round_id)
    history = _up_to(revealed_history(session, info.workspace_id), round_id)
    journey = journey_evidence(session, info.workspace_id)
    kpis = kpi_evidence(data, plan, as_of, has_data=has_data)
    return _report(info, answers, history, (journey, kpis))


def respondent_report(session: Session, round_id: int) -> RoundReport:
    """What a respondent sees of their own revealed round: results, heatmap, answers and the
    roadmap from the ratings alone, without evidence and without other rounds."""
    info = get_round(session, round_id)
    answers = revealed_answers(session, round_id)
    return _report(info, answers, [(info, answers)], None)


def _report(
    info: RoundInfo,
    answers: Sequence[AnswerRow],
    history: History,
    evidence: tuple[dict[str, JourneyCheck], dict[str, KpiCheck]] | None,
) -> RoundReport:
    """The report of a round's answers; without `evidence` (journey and KPI checks) it has
    no cross-check and no change of the index."""
    results = round_results(answers)
    journey, kpis = evidence if evidence is not None else ({}, {})
    checks = cross_check(results, journey, kpis) if evidence is not None else []
    return RoundReport(
        info=info,
        answers=tuple(answers),
        results=results,
        heat=tuple(heatmap(answers)),
        history=history,
        trend=tuple(trend(history)),
        index_change=index_change(history) if evidence is not None else None,
        journey=journey,
        kpis=kpis,
        checks=tuple(checks),
        roadmap=tuple(roadmap(results, checks)),
    )
