"""The scorecards page's cached computations, keyed on the stored data version
(ui.state.DataKey), analysis date, plan text and filters (never on the data or plan objects
themselves, which are not hashable cheaply).

Each section calls the public function with its view; the cached function underneath takes
the data and plan as `_`-prefixed arguments, which Streamlit leaves out of the key. They are
cached as resources: the frames are read-only, so sharing them saves copying on every rerun.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from core.common.scalars import as_date
from core.engine import (
    Backtest,
    Context,
    Tables,
    WhatIf,
    ab_table,
    attribution_table,
    backtest,
    build_context,
    judged_cohort_table,
    what_if,
)
from core.engine.calibration import Calibration, calibrate
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan, plan_to_toml
from core.scorecards.bundle import (
    FilteredTables,
    Filters,
    ScorecardBundle,
    build_bundle,
    csm_options,
    start_range,
)
from core.scorecards.plan_preview import PlanComparison, compare_plans
from ui.scorecards.context import ScorecardsContext, ScorecardsView
from ui.state import DataKey


@st.cache_resource(max_entries=4, show_spinner="Computing the scorecards for these filters…")
def _bundle(
    data_key: DataKey,
    as_of: date,
    plan_key: str,
    filters: Filters,
    _data: Tables,
    _plan: MeasurementPlan,
) -> tuple[ScorecardBundle, Context]:
    return build_bundle(_data, _plan, as_of, filters)


@st.cache_resource(max_entries=32, show_spinner="Working out the what-if…")
def _what_if(
    data_key: DataKey,
    as_of: date,
    plan_key: str,
    filters: Filters,
    step: int,
    percent: int,
    _data: Tables,
    _plan: MeasurementPlan,
) -> WhatIf:
    _, ctx = _bundle(data_key, as_of, plan_key, filters, _data, _plan)
    return what_if(ctx, step, percent / 100, filters.segment)


@st.cache_resource(max_entries=8, show_spinner="Computing the cohorts…")
def _cohorts(
    data_key: DataKey,
    as_of: date,
    plan_key: str,
    filters: Filters,
    _data: Tables,
    _plan: MeasurementPlan,
) -> pl.DataFrame:
    return judged_cohort_table(_bundle(data_key, as_of, plan_key, filters, _data, _plan)[1])


@st.cache_resource(max_entries=8, show_spinner="Comparing the journey variants…")
def _ab(
    data_key: DataKey,
    as_of: date,
    plan_key: str,
    filters: Filters,
    _data: Tables,
    _plan: MeasurementPlan,
) -> pl.DataFrame:
    return ab_table(_bundle(data_key, as_of, plan_key, filters, _data, _plan)[1])


@st.cache_resource(max_entries=8, show_spinner="Crediting the touchpoints…")
def _attribution(
    data_key: DataKey,
    as_of: date,
    plan_key: str,
    filters: Filters,
    _data: Tables,
    _plan: MeasurementPlan,
) -> pl.DataFrame:
    return attribution_table(_bundle(data_key, as_of, plan_key, filters, _data, _plan)[1])


@st.cache_resource(max_entries=4, show_spinner="Replaying the score over the history…")
def _backtest(
    data_key: DataKey,
    as_of: date,
    plan_key: str,
    filters: Filters,
    _data: Tables,
    _plan: MeasurementPlan,
) -> Backtest:
    return backtest(FilteredTables(_data, filters), _plan, as_of)


@st.cache_resource(max_entries=2, show_spinner="Scoring every account of the workspace…")
def _workspace_context(
    data_key: DataKey, as_of: date, plan_key: str, _data: Tables, _plan: MeasurementPlan
) -> Context:
    """Every account (no filters): the plan is the workspace's, so is its preview."""
    return build_context(_data, _plan, as_of)


@st.cache_resource(max_entries=2, show_spinner="Fitting penalties to the history…")
def _calibration(
    data_key: DataKey, as_of: date, plan_key: str, _data: Tables, _plan: MeasurementPlan
) -> Calibration:
    first = as_date(_data.lazy("accounts").select(pl.col("start_date").min()).collect().item())
    return calibrate(build_context(_data, _plan, as_of, since=first))


@st.cache_resource(max_entries=16, show_spinner="Working out what the change would do…")
def _preview(
    data_key: DataKey,
    as_of: date,
    plan_key: str,
    edited_key: str,
    _data: Tables,
    _plan: MeasurementPlan,
    _edited: MeasurementPlan,
) -> PlanComparison:
    base = _workspace_context(data_key, as_of, plan_key, _data, _plan)
    return compare_plans(_data, _plan, _edited, as_of, base=base)


@st.cache_data(max_entries=4, show_spinner=False)
def _filter_options(
    data_key: DataKey, _data: Dataset
) -> tuple[list[str], date | None, date | None]:
    lo, hi = start_range(_data)
    return csm_options(_data), lo, hi


def _keys(view: ScorecardsView) -> tuple[DataKey, date, str, Filters]:
    c = view.context
    return c.data_key, view.as_of, c.plan_key, view.filters


def bundle(view: ScorecardsView) -> tuple[ScorecardBundle, Context]:
    """The cards, time to value and funnel of the view, and the engine context behind them."""
    c = view.context
    return _bundle(*_keys(view), c.tables, c.plan)


def what_if_result(view: ScorecardsView, step: int, percent: int) -> WhatIf:
    c = view.context
    return _what_if(*_keys(view), step, percent, c.tables, c.plan)


def cohorts(view: ScorecardsView) -> pl.DataFrame:
    c = view.context
    return _cohorts(*_keys(view), c.tables, c.plan)


def ab_comparison(view: ScorecardsView) -> pl.DataFrame:
    c = view.context
    return _ab(*_keys(view), c.tables, c.plan)


def attribution(view: ScorecardsView) -> pl.DataFrame:
    c = view.context
    return _attribution(*_keys(view), c.tables, c.plan)


def backtest_result(view: ScorecardsView) -> Backtest:
    c = view.context
    return _backtest(*_keys(view), c.tables, c.plan)


def filter_options(context: ScorecardsContext) -> tuple[list[str], date | None, date | None]:
    """The CSMs and the start-date range the filters bar offers."""
    return _filter_options(context.data_key, context.dataset)


def calibration(view: ScorecardsView) -> Calibration:
    """The calibration on the workspace's whole history (the filters do not apply)."""
    c = view.context
    return _calibration(c.data_key, view.as_of, c.plan_key, c.tables, c.plan)


def preview(view: ScorecardsView, edited: MeasurementPlan) -> PlanComparison:
    """What scoring every account with `edited` instead of the workspace's plan changes."""
    c = view.context
    key = plan_to_toml(edited)
    return _preview(c.data_key, view.as_of, c.plan_key, key, c.tables, c.plan, edited)
