"""Every chart builder of core/charts on small frames shaped like the engine's (same columns
and types as what the pages pass), for the schema check and the drawing tests.

`CHARTS` maps "module.builder" (a variant after a space: "module.builder [variant]") to a
function that builds the chart; tests/unit/test_chart_schema.py checks that every builder of
core/charts has an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import altair as alt
import polars as pl

from core.assessment.matrix import CAPABILITIES, LEVEL_NAMES
from core.assessment.results import CapabilityResult, HeatCell, RoundResults, TrendPoint
from core.charts import assessment, at_risk, data, journey, marks, scorecards

TTV_HIST = pl.DataFrame({"ttv_days": [3, 4, 5, 9, 21], "accounts": [2, 5, 3, 7, 1]})

KM = pl.DataFrame(
    {
        "day": [0, 1, 3, 8, 20],
        "reached": [0.0, 0.0, 0.25, 0.6, 0.8],
        "at_risk": [300, 300, 225, 120, 60],
    }
)

FUNNEL = pl.DataFrame(
    {
        "step": [1, 2, 3],
        "event": ["kickoff_completed", "integration_connected", "first_report_shared"],
        "reached": [290, 277, 200],
        "step_conversion": [0.97, 0.955, 0.72],
        "overall_conversion": [0.97, 0.92, 0.67],
        "dropoff": [10, 13, 77],
        "median_days_from_start": [3.0, 5.0, None],
    }
)

WHAT_IF_STEPS = FUNNEL.select("step", "event", "reached").with_columns(
    pl.Series("reached_what_if", [290.0, 277.0, 230.5]),
    pl.Series("extra", [0.0, 0.0, 30.5]),
)

COHORTS = pl.DataFrame(
    {
        "cohort": ["2025-01", "2025-02", "2025-03", "All"],
        "accounts": [8, 9, 4, 21],
        "ttv_median_days": [11.0, 7.0, None, 9.0],
        "fv_on_time_rate": [0.5, 0.625, None, 0.55],
        "activation_rate": [0.625, 0.75, 0.5, 0.66],
        "completion_rate": [0.375, None, None, 0.4],
        "early_retention_90d": [1.0, 0.875, None, 0.9],
    }
)
RATES = {
    "fv_on_time_rate": "First value on time",
    "activation_rate": "Activation rate",
    "completion_rate": "Onboarding completion",
    "early_retention_90d": "90-day retention",
}

AB = pl.DataFrame(
    {
        "variant": ["assisted", "self_serve", "assisted", "self_serve"],
        "n": [10, 129, 10, 129],
        "metric": ["activation_rate", "activation_rate", "fv_on_time_rate", "fv_on_time_rate"],
        "rate": [0.8, 0.59, 0.7, 0.4],
        "ci_low": [0.49, 0.5, 0.39, 0.32],
        "ci_high": [0.94, 0.67, 0.89, 0.49],
    }
)
AB_LABELS = {"activation_rate": "Activation rate", "fv_on_time_rate": "First value on time"}

ATTRIBUTION = pl.DataFrame(
    {
        "touchpoint": ["In-app checklist", "Welcome email", "Help center article"],
        "linear": [31.4, 31.0, 24.5],
        "markov": [26.5, 21.9, 23.1],
    }
)

BACKTEST = pl.DataFrame(
    {
        "as_of": [date(2024, 11, 10), date(2024, 12, 10), date(2025, 1, 9)],
        "precision": [None, 0.0, 0.5],
        "recall": [None, None, 0.25],
        "base_rate": [0.0, 0.0, 0.11],
    }
)

HISTORY = pl.DataFrame(
    {
        "as_of": [date(2024, 11, 2), date(2024, 11, 9), date(2024, 11, 16)],
        "score": [100, 62, 35],
        "action": ["healthy", "watch", "escalate"],
        "signals": ["", "no_login_14d", "no_login_14d, ticket_primary"],
    }
)

WEEKLY = pl.DataFrame(
    {
        "week": [date(2024, 10, 28), date(2024, 11, 4), date(2024, 11, 11)],
        "Events": [0, 14, 3],
        "Active users": [0, 3, 2],
        "Touches": [1, 5, 4],
    }
)

CSM_LOAD = pl.DataFrame(
    {
        "csm": ["(unassigned)", "Ivan Alvarez", "Samir Varga", "Ana Lee"],
        "segment": ["Enterprise", "Mid-Market", "Enterprise", None],
        "accounts": [1, 52, 10, 3],
        "contract_value": [128167.0, 2024612.0, 1910150.0, 9000.0],
        "at_risk": [1, 6, 1, 0],
        "ratio_low": [8, 30, 8, None],
        "ratio_high": [12, 50, 12, None],
        "status": ["under", "over", "within", None],
    }
)

PER_SEGMENT = pl.DataFrame(
    {
        "segment": ["SMB", "Mid-Market", "Enterprise"],
        "accounts": [90, 40, 20],
        "churned": [12, 3, 1],
        "contract_value": [1.2e6, 2.4e6, 3.1e6],
    }
)

CAPS = [c.name for c in CAPABILITIES]
PEOPLE = ["Ana", "Ben"]

HEAT = [
    HeatCell(person, c.key, c.name, level, min(level + 1, 5), LEVEL_NAMES[level])
    for person, level in zip(PEOPLE, (1, 4), strict=True)
    for c in CAPABILITIES
]

RESULTS = RoundResults(
    capabilities=tuple(
        CapabilityResult(c.key, c.name, "CS leadership", 2, 2.5, 4.0, 1, 4) for c in CAPABILITIES
    )
    + (CapabilityResult("unanswered", "Not answered", "Ops", 0, None, None, None, None),),
    respondents=tuple(PEOPLE),
    maturity_index=37.5,
    target_index=75.0,
    answered_capabilities=len(CAPABILITIES),
)

TREND = [
    TrendPoint(round_name, position, series, value)
    for position, round_name in enumerate(("2026 Q2", "2026 Q3"), start=1)
    for series, value in [("Maturity index", 30.0 + 10 * position)]
    + [(name, 1.5 + position) for name in CAPS]
]

TIMELINE = pl.DataFrame(
    {
        "stage": ["Kickoff", "Setup", "Adopt"],
        "day_start": [0, 7, 30],
        "day_end": [7, 30, 90],
        "order": [0, 1, 2],
    }
)

STAGES = ["Kickoff", "Setup", "Adopt"]


def emotion_frame(states: tuple[str, ...]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "stage": stage,
                "role": role,
                "state": state,
                "emotion": float(i - 1) * (2 if n == 0 else -1),
                "touchpoints": 1,
            }
            for n, state in enumerate(states)
            for i, stage in enumerate(STAGES)
            for role in ("Admin / implementer", "End user")
        ]
    )


OPPORTUNITIES = pl.DataFrame(
    {
        "title": ["Shorter kickoff", "Import wizard"],
        "value": [4, 5],
        "effort": [2, 4],
        "status": ["idea", "planned"],
        "evidence": ["Interview", "Data"],
        "owner": ["Ana", "Ben"],
    }
)

CHARTS: dict[str, Callable[[], alt.TopLevelMixin]] = {
    "scorecards.ttv_histogram": lambda: scorecards.ttv_histogram(TTV_HIST, 14.0),
    "scorecards.km_chart": lambda: scorecards.km_chart(KM, 14.0),
    "scorecards.funnel_chart": lambda: scorecards.funnel_chart(FUNNEL, 3),
    "scorecards.funnel_chart [no bottleneck]": lambda: scorecards.funnel_chart(FUNNEL, None),
    "scorecards.what_if_chart": lambda: scorecards.what_if_chart(WHAT_IF_STEPS),
    "scorecards.cohort_chart": lambda: scorecards.cohort_chart(COHORTS, RATES),
    "scorecards.cohort_ttv_chart": lambda: scorecards.cohort_ttv_chart(COHORTS, 14.0),
    "scorecards.ab_chart": lambda: scorecards.ab_chart(AB, AB_LABELS),
    "scorecards.attribution_chart": lambda: scorecards.attribution_chart(
        ATTRIBUTION, "markov", "Credit toward activation: Markov (removal effect)"
    ),
    "scorecards.backtest_chart": lambda: scorecards.backtest_chart(BACKTEST),
    "at_risk.score_history_chart": lambda: at_risk.score_history_chart(HISTORY, (30, 45, 60)),
    "at_risk.activity_chart": lambda: at_risk.activity_chart(WEEKLY),
    "at_risk.csm_load_chart": lambda: at_risk.csm_load_chart(CSM_LOAD),
    "assessment.heatmap_chart": lambda: assessment.heatmap_chart(HEAT),
    "assessment.current_target_chart": lambda: assessment.current_target_chart(RESULTS),
    "assessment.trend_chart": lambda: assessment.trend_chart(TREND),
    "assessment.trend_chart [capabilities]": lambda: assessment.trend_chart(TREND, index=False),
    "assessment.trend_chart [one round]": lambda: assessment.trend_chart(TREND[:1]),
    "data.accounts_per_segment_chart": lambda: data.accounts_per_segment_chart(PER_SEGMENT),
    "journey.stage_timeline": lambda: journey.stage_timeline(TIMELINE),
    "journey.emotion_curve": lambda: journey.emotion_curve(
        emotion_frame(("current", "ideal (Ideal journey)")), STAGES
    ),
    "journey.emotion_curve [one state]": lambda: journey.emotion_curve(
        emotion_frame(("current",)), STAGES
    ),
    "journey.value_effort_matrix": lambda: journey.value_effort_matrix(OPPORTUNITIES),
    "journey.completeness_bars": lambda: journey.completeness_bars(
        {"Stages": 1.0, "Milestones": 0.5, "Signals": 0.0}
    ),
    "marks.target_rule": lambda: marks.target_rule(14.0, "target 14 days"),
    "marks.target_rule [y]": lambda: marks.target_rule(0.5, "target 50%", "y"),
}
