"""Tables a person reads: every column header in words, missing cells shown as a dash, rates
as percentages. The engine's frames keep their identifiers (the downloads and the command
line use them); only what is drawn gets the words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
import streamlit as st

EMPTY = "—"
"""What an empty cell shows (never "None")."""

WORDS: dict[str, str] = {
    # scorecard, cohorts and backtest
    "segment": "Segment",
    "cohort": "Start month",
    "accounts": "Accounts",
    "flagged": "Flagged (escalate or executive)",
    "churned": "Churned within 90 days",
    "flagged_churned": "Flagged and churned",
    "precision": "Precision",
    "recall": "Recall",
    "base_rate": "Churn rate (all)",
    "lift": "Lift",
    "as_of": "Analysis date",
    "signal": "Signal",
    "fired": "Times fired",
    "fired_churn_rate": "Churn rate when fired",
    "not_fired": "Times not fired",
    "not_fired_churn_rate": "Churn rate when not fired",
    # funnel
    "step": "Step",
    "event": "Event",
    "reached": "Accounts reaching it",
    "step_conversion": "Step conversion",
    "overall_conversion": "Overall conversion",
    "dropoff": "Drop-off",
    "median_days_from_start": "Median days from start",
    # A/B comparison
    "metric": "Metric",
    "variant": "Journey variant",
    "n": "Accounts",
    "successes": "Successes",
    "rate": "Rate",
    "ci_low": "Rate, 95% low",
    "ci_high": "Rate, 95% high",
    "baseline": "Baseline",
    "difference": "Difference vs baseline",
    "difference_ci_low": "Difference, 95% low",
    "difference_ci_high": "Difference, 95% high",
    "p_value": "p-value",
    "warning": "Note",
    # accounts, CSM load, expansion
    "account_id": "Account id",
    "account_name": "Account",
    "csm": "CSM",
    "contract_value": "Contract value",
    "at_risk": "At risk",
    "ratio_low": "Accounts per CSM, low",
    "ratio_high": "Accounts per CSM, high",
    "status": "Status",
    "active_users": "Active users",
    "licensed_seats": "Licensed seats",
    "seat_share": "Seats used",
    "teams_active": "Teams active",
    "signals": "Signals",
    # one account
    "milestone": "Milestone",
    "reached_on": "Reached on",
    "days_from_start": "Days from start",
    "target_day": "Target day",
    "target_from": "Target from",
    "when": "When",
    "kind": "Kind",
    "what": "What",
    "user_id": "User",
    "role": "Role",
    "detail": "Detail",
    "team": "Team",
    "events_in_window": "Events in the window",
    "last_active": "Last active",
    "active": "Active",
}
PERCENT = {
    "precision",
    "recall",
    "base_rate",
    "fired_churn_rate",
    "not_fired_churn_rate",
    "step_conversion",
    "overall_conversion",
    "rate",
    "ci_low",
    "ci_high",
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "seat_share",
}
RATIO = {"lift"}
MONEY = {"contract_value"}


def words(column: str) -> str:
    """A column's header in words; an unknown identifier with its underscores as spaces."""
    return WORDS.get(column, column.replace("_", " ").capitalize())


def column_config(
    columns: Iterable[str], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """st.dataframe's column_config with a header in words (and a number format) for each."""
    config: dict[str, Any] = {}
    for column in columns:
        label = words(column)
        if column in PERCENT:
            config[column] = st.column_config.NumberColumn(label, format="percent")
        elif column in RATIO:
            config[column] = st.column_config.NumberColumn(label, format="%.2f×")
        elif column in MONEY:
            config[column] = st.column_config.NumberColumn(label, format="$%,.0f")
        else:
            config[column] = st.column_config.Column(label)
    config.update(overrides or {})
    return config


def show_table(frame: pl.DataFrame, key: str, **overrides: Any) -> None:
    """A read-only table with headers in words and empty cells as a dash."""
    st.dataframe(
        frame,
        hide_index=True,
        column_config=column_config(frame.columns, overrides),
        placeholder=EMPTY,
        key=key,
    )


def p_value_text(column: str = "p_value") -> pl.Expr:
    """p-values as a person reads them: "< 0.001", else three decimals; empty when missing."""
    p = pl.col(column)
    return (
        pl.when(p.is_null())
        .then(pl.lit(None, pl.String))
        .when(p < 0.001)
        .then(pl.lit("< 0.001"))
        .otherwise(p.round(3).cast(pl.String).str.pad_end(5, "0"))
        .alias(column)
    )
