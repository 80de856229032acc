"""Altair charts of the journey page: stage timeline, emotion curve, value/effort matrix and
the completeness bars.

Each function takes a small frame the page has already shaped (one row per stage, touchpoint
group or opportunity) and returns the chart; drawing it is the page's job. Categories are told
apart by shape or dash as well as colour, so nothing is read from colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from core.common.palette import BLUE, GREEN, GREY, SERIES


def _series() -> alt.Scale:
    return alt.Scale(range=list(SERIES))


def stage_timeline(frame: pl.DataFrame) -> alt.Chart:
    """Stages as bars over their day range (columns stage, day_start, day_end, order)."""
    order = frame.sort("order")["stage"].to_list()
    return (
        alt.Chart(frame)
        .mark_bar(cornerRadius=3, color=BLUE)
        .encode(
            x=alt.X("day_start:Q", title="Day of onboarding"),
            x2="day_end:Q",
            y=alt.Y("stage:N", sort=order, title=None),
            tooltip=["stage", "day_start", "day_end"],
        )
        .properties(height=40 * len(order) + 40, title="Stages by day range")
    )


DASHES = ([1, 0], [8, 5], [2, 3], [12, 4, 2, 4])
"""Stroke dashes of the map states in the emotion curve: solid for the map on screen, then
clearly different dash patterns for the maps set beside it."""


TWO_STATES = " (solid, filled: this map; dashed, hollow: the other)"


def emotion_curve(frame: pl.DataFrame, stage_order: Sequence[str]) -> alt.LayerChart:
    """Mean emotion per stage and role; one line style per map state (columns stage, role,
    state, emotion, touchpoints).

    One legend per meaning: roles by colour and point shape together, states by a line
    sample of their own dash (a point sample would show the same dot for each state); the
    map on screen, whose state comes first in `frame`, is solid with filled points, the
    others dashed with hollow points."""
    states = frame["state"].unique(maintain_order=True).to_list()
    dash = alt.StrokeDash(
        "state:N",
        title="State",
        scale=alt.Scale(domain=states, range=[list(d) for d in DASHES[: len(states)]]),
        legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=600),
    )
    base = alt.Chart(frame).encode(
        x=alt.X(
            "stage:N",
            sort=list(stage_order),
            title=None,
            axis=alt.Axis(labelAngle=0, labelLimit=160),
        ),
        y=alt.Y("emotion:Q", scale=alt.Scale(domain=[-2, 2]), title="Emotion (-2 … +2)"),
        tooltip=["stage", "role", "state", alt.Tooltip("emotion:Q", format="+.1f"), "touchpoints"],
    )
    role_colour = alt.Color("role:N", scale=_series(), title="Role")
    lines = base.mark_line(strokeWidth=2.5).encode(
        stroke=alt.Stroke("role:N", scale=_series(), legend=None), strokeDash=dash
    )
    points = base.encode(color=role_colour, shape=alt.Shape("role:N", title="Role"))
    here = points.transform_filter(alt.datum.state == states[0]) if states else points
    beside = points.transform_filter(alt.datum.state != states[0]) if states else points
    return (
        lines
        + here.mark_point(size=80, filled=True)
        + beside.mark_point(size=80, filled=False, strokeWidth=2, fill="white")
    ).properties(height=320, title=f"Emotion curve per role{TWO_STATES if len(states) > 1 else ''}")


def value_effort_matrix(frame: pl.DataFrame) -> alt.LayerChart:
    """Opportunities by effort and value, 1-5 each, split at 3 (columns title, value, effort,
    status, evidence, owner)."""
    base = alt.Chart(frame).encode(
        x=alt.X("effort:Q", scale=alt.Scale(domain=[0.5, 5.5]), title="Effort (1-5)"),
        y=alt.Y("value:Q", scale=alt.Scale(domain=[0.5, 5.5]), title="Value (1-5)"),
    )
    points = base.mark_point(size=160, filled=True).encode(
        color=alt.Color("evidence:N", scale=_series(), title="Evidence"),
        shape=alt.Shape("evidence:N", title="Evidence"),
        tooltip=["title", "owner", "status", "evidence", "value", "effort"],
    )
    labels = base.mark_text(dx=10, align="left").encode(text="title:N")
    rules = alt.Chart(pl.DataFrame({"v": [3]})).mark_rule(strokeDash=[4, 4], color=GREY)
    return (points + labels + rules.encode(x="v:Q") + rules.encode(y="v:Q")).properties(
        height=360, title="Value / effort: top left first"
    )


def completeness_bars(parts: Mapping[str, float]) -> alt.Chart:
    """Share of checks passed per part of the map (0-1 each), in the parts' own order."""
    frame = pl.DataFrame({"part": list(parts), "score": [round(v * 100) for v in parts.values()]})
    return (
        alt.Chart(frame)
        .mark_bar(color=GREEN)
        .encode(
            x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title="% of checks passed"),
            y=alt.Y("part:N", sort=list(parts), title=None),
            tooltip=["part", "score"],
        )
        .properties(height=240)
    )
