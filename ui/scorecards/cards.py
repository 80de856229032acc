"""The headline metrics and one card per segment: every metric beside its target, with the
change since the same day last month, status told by word and symbol as well as colour."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.common.text import inert_markdown
from core.scorecards.bundle import (
    ALL,
    STATUS_COLOURS,
    Filters,
    ScorecardBundle,
    format_change,
    format_value,
    money,
)


def card_markdown(cards: pl.DataFrame, segment: str) -> str:
    rows = cards.filter(pl.col("segment") == segment)
    lines = [
        "| Metric | Now | Target | Status | vs last month |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows.iter_rows(named=True):
        kind = r["kind"]
        target = format_value(r["target"], kind) if r["target"] is not None else "—"
        colour = STATUS_COLOURS.get(r["status"], "gray")
        status = f":{colour}-background[{r['word']}]"
        change = format_change(r["change"], kind, better=r["better"])
        lines.append(
            f"| {r['label']} | **{format_value(r['value'], kind)}** | {target} | {status} "
            f"| {change} |"
        )
    return "\n".join(lines)


def show_cards(bundle: ScorecardBundle, filters: Filters) -> None:
    _headline(bundle)
    names = [filters.segment] if filters.segment else [*bundle.segments, ALL]
    columns = st.columns(2)
    for i, name in enumerate(names):
        title = "All segments" if name == ALL else inert_markdown(name, 200)
        with columns[i % 2].container(border=True):
            st.markdown(f"#### {title}")
            st.markdown(card_markdown(bundle.cards, name))
    st.caption(
        f"Change compares with the same filters as of {bundle.previous_as_of}. "
        "✓ On target · ▲ Near target (within 10% on the wrong side) · ✗ Off target · "
        "– No target set. Targets: the segment's plan (time to value, adoption, CSAT) and "
        "the benchmarks (activation 70%, completion 85%; time to value 45 days for All)."
    )


def _headline(bundle: ScorecardBundle) -> None:
    """The four numbers of the "All" card an executive reads first."""
    all_rows = bundle.cards.filter(pl.col("segment") == ALL)
    get = {r["metric"]: r for r in all_rows.iter_rows(named=True)}
    top = st.columns(4)
    top[0].metric("Accounts", format_value(get["accounts"]["value"], "count"))
    top[1].metric(
        "Accounts at risk",
        format_value(get["at_risk_accounts"]["value"], "count"),
        delta=_delta(get["at_risk_accounts"], "count"),
        delta_color="inverse",
    )
    top[2].metric(
        "Contract value at risk",
        money(get["at_risk_value"]["value"]),
        delta=_delta(get["at_risk_value"], "money"),
        delta_color="inverse",
    )
    top[3].metric(
        "Time to first value (median)",
        format_value(get["ttv_median_days"]["value"], "days"),
        delta=_delta(get["ttv_median_days"], "days"),
        delta_color="inverse",
    )


def _delta(row: dict[str, object], kind: str) -> str | None:
    """The change as a signed figure without its arrow (st.metric draws its own)."""
    change = row["change"]
    if not isinstance(change, int | float) or change == 0:
        return None
    return format_change(change, kind, better=None).split(" ", 1)[1]
