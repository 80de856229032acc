"""Maturity self-assessment on the six-capability onboarding matrix.

- matrix: the capabilities, owners, KPIs, level descriptions and next steps.
- rounds: open / join / answer / reveal / close (service functions taking a Session).
- results: medians, spread, disagreement, maturity index, heatmap cells, trend.
- evidence: journey-map completeness and engine KPIs beside the ratings.
- roadmap: capabilities ranked by gap and KPI shortfall, with next steps and owners.
- export: answers CSV and the one-page Markdown report (the charts: core.charts.assessment).
- report: all of the above for one revealed round in a single call.
"""

from core.assessment.evidence import (
    CrossCheck,
    JourneyCheck,
    KpiCheck,
    KpiReading,
    cross_check,
    journey_checks,
    journey_evidence,
    kpi_evidence,
    kpi_status,
    read_map_parts,
)
from core.assessment.export import answers_csv, answers_frame, markdown_report
from core.assessment.matrix import (
    CAPABILITIES,
    CAPABILITY_KEYS,
    LEVEL_NAMES,
    LEVELS,
    Capability,
    capability,
    level_label,
)
from core.assessment.report import RoundReport, build_report
from core.assessment.results import (
    DISAGREEMENT_SPREAD,
    CapabilityResult,
    HeatCell,
    RoundResults,
    TrendPoint,
    heatmap,
    index_change,
    level_to_index,
    round_results,
    trend,
)
from core.assessment.roadmap import RoadmapItem, roadmap
from core.assessment.rounds import (
    AnswerInput,
    AnswerRow,
    AssessmentError,
    Progress,
    RespondentInfo,
    RoundInfo,
    close_round,
    delete_round,
    get_round,
    join_round,
    list_rounds,
    my_answers,
    open_round,
    progress,
    reopen_round,
    respondent_by_token,
    reveal_round,
    revealed_answers,
    revealed_history,
    round_by_token,
    save_answers,
)

__all__ = [
    "CAPABILITIES",
    "CAPABILITY_KEYS",
    "DISAGREEMENT_SPREAD",
    "LEVELS",
    "LEVEL_NAMES",
    "AnswerInput",
    "AnswerRow",
    "AssessmentError",
    "Capability",
    "CapabilityResult",
    "CrossCheck",
    "HeatCell",
    "JourneyCheck",
    "KpiCheck",
    "KpiReading",
    "Progress",
    "RespondentInfo",
    "RoadmapItem",
    "RoundInfo",
    "RoundReport",
    "RoundResults",
    "TrendPoint",
    "answers_csv",
    "answers_frame",
    "build_report",
    "capability",
    "close_round",
    "cross_check",
    "delete_round",
    "get_round",
    "heatmap",
    "index_change",
    "join_round",
    "journey_checks",
    "journey_evidence",
    "kpi_evidence",
    "kpi_status",
    "level_label",
    "level_to_index",
    "list_rounds",
    "markdown_report",
    "my_answers",
    "open_round",
    "progress",
    "read_map_parts",
    "reopen_round",
    "respondent_by_token",
    "reveal_round",
    "revealed_answers",
    "revealed_history",
    "roadmap",
    "round_by_token",
    "round_results",
    "save_answers",
    "trend",
]
