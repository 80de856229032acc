"""The revealed round's numbers: headline figures, the capability table with its
disagreement flag, the charts, and everyone's answers."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import assessment as A
from core.charts.assessment import current_target_chart, heatmap_chart, trend_chart
from ui.charts import draw_chart


def num(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def capability_table(report: A.RoundReport) -> pl.DataFrame:
    """One row per capability; the evidence verdict only when the report has evidence."""
    verdicts = {c.capability: c.verdict for c in report.checks}
    table = pl.DataFrame(
        [
            {
                "Capability": c.name,
                "Owner": c.owner,
                "Answers": c.respondents,
                "Median current": num(c.median_current),
                "Median target": num(c.median_target),
                "Gap": num(c.gap),
                "Spread": "–" if c.spread is None else f"{c.min_current}–{c.max_current}",
                "Agreement": c.agreement_label,
                "Evidence": verdicts.get(c.key, ""),
            }
            for c in report.results.capabilities
        ]
    )
    return table if report.checks else table.drop("Evidence")


def show_headline(report: A.RoundReport) -> None:
    res = report.results
    cols = st.columns(4)
    delta = None if report.index_change is None else f"{report.index_change:+.1f}"
    index = "–" if res.maturity_index is None else f"{res.maturity_index:.0f}"
    target = "–" if res.target_index is None else f"{res.target_index:.0f}"
    cols[0].metric("Maturity index", f"{index} / 100", delta=delta)
    cols[1].metric("Target index", f"{target} / 100")
    cols[2].metric("Respondents", len(res.respondents))
    cols[3].metric("Disagreements", len(res.disagreements))
    st.caption(
        "The maturity index is the mean of the median current levels of the capabilities "
        "answered, from 0 (every capability ad hoc) to 100 (every capability "
        f"operationalized); {res.answered_capabilities} of 6 capabilities counted. A "
        f"capability is flagged ⚠ disagree when current levels are {A.DISAGREEMENT_SPREAD} "
        "or more levels apart."
    )


def show_capabilities(report: A.RoundReport) -> None:
    st.dataframe(
        capability_table(report),
        hide_index=True,
        width="stretch",
        key="assess_results_table",
    )
    flagged = report.results.disagreements
    if flagged:
        names = ", ".join(c.name for c in flagged)
        st.warning(
            f"⚠ Disagreement on {names}: people see levels {A.DISAGREEMENT_SPREAD} or more "
            "apart. Ask the lowest and the highest rater to describe what they see before "
            "acting on the median.",
            icon=":material/warning:",
        )


def show_charts(report: A.RoundReport, *, trend: bool = True) -> None:
    st.subheader("Who sees what")
    st.caption("Current level per respondent and capability; each cell prints current→target.")
    draw_chart(heatmap_chart(report.heat))
    st.subheader("Current vs target")
    st.caption("Grey bar: the spread of current levels. ● median current, ◆ median target.")
    draw_chart(current_target_chart(report.results))
    if not trend:
        return
    st.subheader("Trend across rounds")
    if len(report.history) < 2:
        st.info(
            "The trend appears from the second revealed round: repeat the assessment next "
            "quarter to see it move.",
            icon=":material/timeline:",
        )
    left, right = st.columns(2)
    draw_chart(trend_chart(report.trend), left)
    draw_chart(trend_chart(report.trend, index=False), right)


def show_notes(report: A.RoundReport) -> None:
    with st.expander("Everyone's answers and evidence notes"):
        st.dataframe(
            A.answers_frame(report.answers).drop("capability_key"),
            hide_index=True,
            width="stretch",
        )
