"""The at-risk page's cached computations, keyed on the stored data version (ui.state.DataKey),
analysis date and plan text.

Each part calls the public function with the page context; the cached function underneath
takes the data and plan as `_`-prefixed arguments, which Streamlit leaves out of the key.
The database reads (plays, saved risk states) are not cached: a CSM's save must show at once.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from core.at_risk import risk_states
from core.at_risk.account_detail import AccountDetail, account_detail, milestone_targets
from core.at_risk.listing import risk_plays
from core.engine import (
    Context,
    Tables,
    at_risk_table,
    build_context,
    csm_load_table,
    expansion_table,
    score_table,
)
from core.model.plan import MeasurementPlan
from ui.at_risk.context import AtRiskContext
from ui.state import DataKey, transaction

Scored = tuple[Context, pl.DataFrame, pl.DataFrame]
"""The engine context, every account's score, and the at-risk rows."""


@st.cache_resource(max_entries=4, show_spinner="Scoring every account (first time only)…")
def _scored(
    data_key: DataKey, as_of: date, plan_key: str, _data: Tables, _plan: MeasurementPlan
) -> Scored:
    ctx = build_context(_data, _plan, as_of)
    scores = score_table(ctx)
    return ctx, scores, at_risk_table(scores)


@st.cache_resource(max_entries=4, show_spinner="Finding expansion-ready accounts…")
def _expansion(
    data_key: DataKey, as_of: date, plan_key: str, _data: Tables, _plan: MeasurementPlan
) -> pl.DataFrame:
    return expansion_table(_scored(data_key, as_of, plan_key, _data, _plan)[0])


@st.cache_resource(max_entries=4, show_spinner="Counting accounts per CSM…")
def _csm_load(
    data_key: DataKey, as_of: date, plan_key: str, _data: Tables, _plan: MeasurementPlan
) -> pl.DataFrame:
    return csm_load_table(_scored(data_key, as_of, plan_key, _data, _plan)[0])


@st.cache_resource(max_entries=64, show_spinner="Opening the account…")
def _detail(
    data_key: DataKey,
    as_of: date,
    plan_key: str,
    account_id: str,
    targets: tuple[tuple[str, int], ...],
    _data: Tables,
    _plan: MeasurementPlan,
) -> AccountDetail | None:
    return account_detail(_data, _plan, as_of, account_id, dict(targets))


def at_risk_rows(context: AtRiskContext) -> pl.DataFrame:
    """The accounts whose score calls for escalation or the executive, worst first."""
    c = context
    return _scored(c.data_key, c.as_of, c.plan_key, c.tables, c.plan)[2]


def expansion(context: AtRiskContext) -> pl.DataFrame:
    c = context
    return _expansion(c.data_key, c.as_of, c.plan_key, c.tables, c.plan)


def csm_load(context: AtRiskContext) -> pl.DataFrame:
    c = context
    return _csm_load(c.data_key, c.as_of, c.plan_key, c.tables, c.plan)


def detail(context: AtRiskContext, account_id: str, segment: str | None) -> AccountDetail | None:
    """One account in detail, its milestones judged by the segment's journey-map targets."""
    with transaction() as session:
        targets = milestone_targets(session, context.access.workspace_id, segment)
    c = context
    key = tuple(sorted(targets.items()))
    return _detail(c.data_key, c.as_of, c.plan_key, account_id, key, c.tables, c.plan)


def plays(context: AtRiskContext) -> pl.DataFrame:
    """The rescue plays of the workspace's journey maps, per signal."""
    with transaction() as session:
        return risk_plays(session, context.access.workspace_id)


def saved_states(context: AtRiskContext) -> pl.DataFrame:
    with transaction() as session:
        states = risk_states.list_risk_states(session, context.access.workspace_id)
        return risk_states.states_frame(states)
