"""What the workspace shows beside the ratings, and the roadmap that follows from both."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import assessment as A
from ui.assessment.results import num


def _kpi_text(check: A.KpiCheck) -> str:
    worst = check.worst
    if worst is None:
        return check.note or "no reading"
    value = "–" if worst.value is None else f"{worst.value:.2f}"
    return f"{worst.segment}: {value} vs {worst.target:g} ({worst.status})"


def _missing_evidence(report: A.RoundReport) -> None:
    if all(j.score is None for j in report.journey.values()):
        st.info(
            "No journey map in this workspace yet, so the maps cannot confirm any rating.",
            icon=":material/map:",
        )
    if all(not k.readings for k in report.kpis.values()):
        st.info(
            "No customer data is loaded, so the KPIs cannot confirm any rating. Load data on "
            "the Data page.",
            icon=":material/database:",
        )


def _kpi_detail(report: A.RoundReport) -> None:
    with st.expander("KPI per segment"):
        detail = [
            {
                "Capability": c.name,
                "KPI": c.kpi.kpi_label,
                "Segment": r.segment,
                "Value": r.value,
                "Target": r.target,
                "Status": r.status or "no target",
            }
            for c in report.checks
            for r in c.kpi.readings
        ]
        if detail:
            st.dataframe(pl.DataFrame(detail), hide_index=True, width="stretch")
        else:
            st.write("No KPI readings: no customer data is loaded.")


def show_evidence(report: A.RoundReport) -> None:
    st.subheader("Evidence cross-check")
    st.caption(
        "Each rating beside what the workspace shows: the journey maps' completeness and the "
        "capability's primary KPI in its weakest segment. Teams tend to rate themselves half "
        "a level to a level high, so ▲ and △ are worth a conversation, not a verdict."
    )
    _missing_evidence(report)
    rows = [
        {
            "Capability": c.name,
            "Median current": num(c.median_current),
            "Maps support up to": "–" if c.journey.ceiling is None else str(c.journey.ceiling),
            "What the maps show": "; ".join(c.journey.facts),
            "Primary KPI": c.kpi.kpi_label,
            "Weakest segment": _kpi_text(c.kpi),
            "KPI supports up to": "–" if c.kpi.ceiling is None else str(c.kpi.ceiling),
            "Verdict": c.verdict,
        }
        for c in report.checks
    ]
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch", key="assess_evidence")
    _kpi_detail(report)


def _shortfall_text(shortfall: float | None) -> str:
    if shortfall is None:
        return "KPI: no verdict"
    return "KPI on target" if shortfall == 0 else f"KPI {shortfall:.0%} off target"


def show_roadmap(report: A.RoundReport) -> None:
    st.subheader("Roadmap")
    st.caption(
        "Ranked by gap (median target − median current), then by how far the capability's "
        "KPI is off target. Steps start from the level the evidence supports."
    )
    active = [i for i in report.roadmap if i.gap and i.gap > 0]
    if not active:
        st.success("✓ No gaps: every rated capability is at its target level.")
    for item in active:
        with st.container(border=True):
            shortfall = _shortfall_text(item.kpi_shortfall)
            st.markdown(
                f"**{item.rank}. {item.name}** · owner: {item.owner} · gap {item.gap:.1f} · "
                f"{shortfall} · {item.verdict}"
            )
            st.markdown(f"{item.headline}:\n" + "\n".join(f"- {s}" for s in item.steps))
    rest = [i.name for i in report.roadmap if i not in active]
    if rest:
        st.caption("No gap to close: " + ", ".join(rest) + ".")
