"""The one-page summary an executive takes away, as Markdown or PDF."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.charts.scorecards import summary_charts
from core.engine import bottleneck
from core.scorecards.bundle import ScorecardBundle
from core.scorecards.summary import Summary, to_markdown, to_pdf
from ui.scorecards.context import ScorecardsView


def show_summary_downloads(
    view: ScorecardsView, bundle: ScorecardBundle, what_if_text: str | None
) -> None:
    st.subheader("One-page summary")
    filters = view.filters
    worst = bottleneck(bundle.funnel)
    summary = Summary(
        title=f"Onboarding scorecard: {view.context.workspace.name}",
        as_of=bundle.as_of,
        previous_as_of=bundle.previous_as_of,
        filters=filters.describe(),
        segments=[filters.segment] if filters.segment else bundle.segments,
        cards=bundle.cards,
        bottleneck=worst.row(0, named=True) if len(worst) else None,
        what_if=what_if_text,
    )
    step = int(worst.get_column("step").item()) if len(worst) else None

    def pdf() -> bytes:
        charts = summary_charts(bundle.km, bundle.funnel, bundle.ttv_target, step)
        return to_pdf(replace(summary, charts=charts))

    left, right, _ = st.columns([2, 2, 4])
    left.download_button(
        "Summary (Markdown)",
        data=lambda: to_markdown(summary),
        file_name="scorecard-summary.md",
        mime="text/markdown",
        key="sc_summary_md",
        on_click="ignore",
        icon=":material/description:",
    )
    right.download_button(
        "Summary (PDF)",
        data=pdf,
        file_name="scorecard-summary.pdf",
        mime="application/pdf",
        key="sc_summary_pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
    )
