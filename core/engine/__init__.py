"""The analytics engine: health score, at-risk list, scorecards, funnel, what-if,
attribution, A/B comparison, backtest and expansion, all as polars lazy steps.

Every number follows docs/metrics.md. One-call functions take the tables
(a Dataset, or anything with `lazy(table)`), a MeasurementPlan and an optional as_of
(default: the date of the latest event) and return DataFrames. To compute several outputs
from the same data, build a Context once with `build_context` and call the `*_table`
functions on it: the events are then read and cut down only once.
"""

from core.engine.abtest import ab_table, ab_test
from core.engine.attribution import attribution, attribution_table
from core.engine.backtest import Backtest, backtest, backtest_table
from core.engine.expansion import csm_load, csm_load_table, expansion_ready, expansion_table
from core.engine.frames import Context, build_context
from core.engine.funnel import bottleneck, funnel, funnel_table
from core.engine.score import (
    SCORE_COLUMNS,
    at_risk,
    at_risk_table,
    explained_scores,
    history_table,
    reasons_table,
    score,
    score_history,
    score_table,
)
from core.engine.scorecard import (
    SCORECARD_COLUMNS,
    cohort_table,
    cohorts,
    judged_cohort_table,
    scorecard,
    scorecard_status,
    scorecard_table,
)
from core.engine.tables import (
    FrameTables,
    ParquetTables,
    RolledTables,
    Tables,
    analysis_date,
    default_as_of,
)
from core.engine.whatif import WhatIf, what_if

__all__ = [
    "SCORECARD_COLUMNS",
    "SCORE_COLUMNS",
    "Backtest",
    "Context",
    "FrameTables",
    "ParquetTables",
    "RolledTables",
    "Tables",
    "WhatIf",
    "ab_table",
    "ab_test",
    "at_risk",
    "at_risk_table",
    "attribution",
    "attribution_table",
    "backtest",
    "backtest_table",
    "bottleneck",
    "build_context",
    "cohort_table",
    "cohorts",
    "csm_load",
    "csm_load_table",
    "analysis_date",
    "default_as_of",
    "expansion_ready",
    "expansion_table",
    "explained_scores",
    "judged_cohort_table",
    "funnel",
    "funnel_table",
    "history_table",
    "reasons_table",
    "score",
    "score_history",
    "score_table",
    "scorecard",
    "scorecard_status",
    "scorecard_table",
    "what_if",
]
