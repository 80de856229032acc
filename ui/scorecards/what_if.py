"""What if a funnel step converted better: extra accounts at first value, value kept."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.charts import scorecards as charts
from core.engine import bottleneck
from core.scorecards.bundle import money
from ui.charts import show_chart
from ui.scorecards.compute import what_if_result
from ui.scorecards.context import ScorecardsView


def what_if_default(view: ScorecardsView, funnel: pl.DataFrame) -> int | None:
    """The weakest step on the way to first value (later steps add nothing there)."""
    plan, segment = view.context.plan, view.filters.segment
    lists = plan.segment_events(segment) if segment else plan.events
    fv = funnel.filter(pl.col("event").is_in(list(lists.first_value_events)))
    last = min(fv.get_column("step").to_list(), default=funnel.height)
    worst = bottleneck(funnel.filter(pl.col("step") <= last))
    return int(worst.get_column("step").item()) if len(worst) else None


def show_what_if(view: ScorecardsView, funnel: pl.DataFrame, default: int | None) -> str | None:
    """The what-if controls and result; returns the sentence for the summary (None if the
    step already converts everyone or the gain cannot be valued)."""
    st.subheader("What if a step converted better?")
    steps = funnel.get_column("step").to_list()
    conv = dict(
        zip(steps, funnel.get_column("step_conversion").fill_null(0).to_list(), strict=True)
    )
    labels = dict(zip(steps, funnel.get_column("event").to_list(), strict=True))
    left, right = st.columns(2)
    step = left.selectbox(
        "Step to improve",
        steps,
        index=steps.index(default) if default in steps else 0,
        format_func=lambda k: f"{k}. {labels[k]} (now {conv[k]:.0%})",
        key="sc_whatif_step",
    )
    now = round(conv[step] * 100)
    if now >= 100:
        right.info("This step already converts every account.")
        return None
    percent = right.slider(
        "Raise its conversion to (%)",
        min_value=now,
        max_value=100,
        value=min(100, now + 10),
        key="sc_whatif_percent",
    )
    result = what_if_result(view, step, percent)
    cols = st.columns(3)
    extra, kept = result.extra_first_value, result.value_kept
    whole = None if extra is None else round(extra)
    cols[0].metric("Extra accounts at first value", "—" if whole is None else f"{whole:+,}")
    cols[1].metric("Contract value kept (90-day retention)", money(kept))
    retained = result.retention_first_value, result.retention_no_first_value
    cols[2].metric(
        "90-day retention with / without first value",
        " / ".join("—" if r is None else f"{r:.0%}" for r in retained),
    )
    show_chart(charts.what_if_chart(result.steps), "what-if", "whatif")
    fv_step = result.first_value_step
    if extra is None or whole is None:
        st.caption("No funnel step is a first-value event, so the gain cannot be valued.")
        return None
    if fv_step is not None and step > fv_step:
        st.caption(
            f"Step {step} comes after first value (step {fv_step}): converting more accounts "
            "there adds none at first value, so the contract value kept stays at $0. It "
            "raises the later steps only (chart above)."
        )
    else:
        st.caption("Accounts are rounded to whole ones; the value kept uses the unrounded gain.")
    return (
        f"What if step {step} converted {percent}% (now {now}%): {whole:+,} accounts at "
        f"first value, about {money(kept)} of contract value kept."
    )
