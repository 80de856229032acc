"""A revealed round's downloads: the answers, the one-page report and the three charts.

The chart PNGs are rendered only when clicked (vl-convert is slow).
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import streamlit as st

from core import assessment as A
from core.charts.assessment import current_target_chart, heatmap_chart, trend_chart
from core.charts.export import chart_png


def file_stem(info: A.RoundInfo) -> str:
    """The round's name as a safe file-name stem."""
    return "assessment-" + "".join(ch if ch.isalnum() else "-" for ch in info.name)


def _chart_makers(report: A.RoundReport) -> dict[str, tuple[str, Callable[[], alt.TopLevelMixin]]]:
    """Button label: (file-name part, chart builder)."""
    return {
        "Heatmap (PNG)": ("heatmap", lambda: heatmap_chart(report.heat)),
        "Levels chart (PNG)": ("current-target", lambda: current_target_chart(report.results)),
        "Trend (PNG)": ("trend", lambda: trend_chart(report.trend)),
    }


def _png(make: Callable[[], alt.TopLevelMixin]) -> Callable[[], bytes]:
    return lambda: chart_png(make())


def show_downloads(report: A.RoundReport) -> None:
    st.subheader("Downloads")
    stem = file_stem(report.info)
    cols = st.columns(5)
    cols[0].download_button(
        "Answers (CSV)",
        A.answers_csv(report.answers),
        f"{stem}-answers.csv",
        "text/csv",
        key="assess_dl_csv",
        on_click="ignore",
        icon=":material/table:",
        width="stretch",
    )
    cols[1].download_button(
        "Report (Markdown)",
        report.markdown(),
        f"{stem}-report.md",
        "text/markdown",
        key="assess_dl_md",
        on_click="ignore",
        icon=":material/description:",
        width="stretch",
    )
    for col, (label, (name, make)) in zip(cols[2:], _chart_makers(report).items(), strict=True):
        col.download_button(
            label,
            _png(make),
            f"{stem}-{name}.png",
            "image/png",
            key=f"assess_dl_{name}",
            on_click="ignore",
            icon=":material/image:",
            width="stretch",
        )
