"""Altair charts of a maturity-assessment round's results (exported by core.charts.export).

Colours are colour-blind safe (viridis for levels, Okabe-Ito for series) and never carry
meaning alone: heatmap cells print their numbers, and series differ by shape as well.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from core.assessment.matrix import CAPABILITIES, LEVEL_NAMES, LEVELS
from core.assessment.results import HeatCell, RoundResults, TrendPoint
from core.common.palette import BLUE, GREY, SEQUENTIAL, SERIES

DARK_LEVELS = (1, 2, 3)  # cells whose colour needs white text
CAP_ORDER = [c.name for c in CAPABILITIES]


def heatmap_chart(cells: Sequence[HeatCell]) -> alt.LayerChart:
    """Capabilities (rows) x respondents (columns), coloured by current level, with
    "current→target" printed in every cell."""
    frame = pl.DataFrame(
        [
            {
                "Respondent": c.respondent,
                "Capability": c.capability_name,
                "Current": c.current,
                "Target": c.target,
                "Level": f"{c.current} · {c.level_name}",
                "Label": f"{c.current}→{c.target}",
                "Dark": c.current in DARK_LEVELS,
            }
            for c in cells
        ],
        schema={
            "Respondent": pl.String,
            "Capability": pl.String,
            "Current": pl.Int64,
            "Target": pl.Int64,
            "Level": pl.String,
            "Label": pl.String,
            "Dark": pl.Boolean,
        },
    )
    people = list(dict.fromkeys(frame.get_column("Respondent").to_list()))
    base = alt.Chart(frame).encode(
        x=alt.X(
            "Respondent:N",
            sort=people,
            title=None,
            axis=alt.Axis(labelAngle=0, labelLimit=140, orient="top", labelOverlap=False),
        ),
        y=alt.Y("Capability:N", sort=CAP_ORDER, title=None, axis=alt.Axis(labelLimit=240)),
    )
    rects = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "Level:O",
            scale=alt.Scale(
                domain=[f"{lvl} · {LEVEL_NAMES[lvl]}" for lvl in LEVELS], range=list(SEQUENTIAL)
            ),
            legend=alt.Legend(title="Current level"),
        ),
        tooltip=["Respondent", "Capability", "Current", "Target"],
    )
    text = base.mark_text(fontSize=15, fontWeight="bold").encode(
        text="Label:N",
        color=alt.condition("datum.Dark", alt.value("white"), alt.value("black")),
    )
    return (rects + text).properties(height=6 * 46)


def current_target_chart(results: RoundResults) -> alt.LayerChart:
    """Per capability: the spread of current levels as a bar, median current and target as
    marks of different colour and shape."""
    rows = [c for c in results.capabilities if c.median_current is not None]
    spread = pl.DataFrame(
        {
            "Capability": [c.name for c in rows],
            "Lowest": [c.min_current for c in rows],
            "Highest": [c.max_current for c in rows],
            "Agreement": [c.agreement_label for c in rows],
        },
        schema={
            "Capability": pl.String,
            "Lowest": pl.Int64,
            "Highest": pl.Int64,
            "Agreement": pl.String,
        },
    )
    marks = pl.DataFrame(
        {
            "Capability": [c.name for c in rows for _ in (0, 1)],
            "Measure": [m for _ in rows for m in ("Median current", "Median target")],
            "Level": [v for c in rows for v in (c.median_current, c.median_target)],
        },
        schema={"Capability": pl.String, "Measure": pl.String, "Level": pl.Float64},
    )
    y = alt.Y("Capability:N", sort=CAP_ORDER, title=None, axis=alt.Axis(labelLimit=240))
    x_scale = alt.Scale(domain=[1, 5], nice=False)
    bars = (
        alt.Chart(spread)
        .mark_rule(strokeWidth=10, opacity=0.35, color=GREY)
        .encode(
            y=y,
            x=alt.X(
                "Lowest:Q",
                scale=x_scale,
                title="Level (1 ad hoc – 5 operationalized)",
                axis=alt.Axis(values=[1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]),
            ),
            x2="Highest:Q",
            tooltip=["Capability", "Lowest", "Highest", "Agreement"],
        )
    )
    points = (
        alt.Chart(marks)
        .mark_point(filled=True, size=180, opacity=1)
        .encode(
            y=y,
            x=alt.X("Level:Q", scale=x_scale),
            color=alt.Color(
                "Measure:N",
                scale=alt.Scale(domain=["Median current", "Median target"], range=list(SERIES[:2])),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            shape=alt.Shape(
                "Measure:N",
                scale=alt.Scale(
                    domain=["Median current", "Median target"], range=["circle", "diamond"]
                ),
            ),
            tooltip=["Capability", "Measure", "Level"],
        )
    )
    return (bars + points).properties(height=40 * max(1, len(rows)) + 40)


def trend_chart(points: Sequence[TrendPoint], *, index: bool = True) -> alt.Chart | alt.LayerChart:
    """The maturity index (0-100) per round, or each capability's median level (1-5)."""
    chosen = [p for p in points if (p.series == "Maturity index") == index]
    frame = pl.DataFrame(
        {
            "Round": [p.round_name for p in chosen],
            "Order": [p.position for p in chosen],
            "Series": [p.series for p in chosen],
            "Value": [p.value for p in chosen],
        },
        schema={"Round": pl.String, "Order": pl.Int64, "Series": pl.String, "Value": pl.Float64},
    )
    rounds = list(dict.fromkeys(frame.get_column("Round").to_list()))
    scale = alt.Scale(domain=[0, 100]) if index else alt.Scale(domain=[1, 5])
    title = "Maturity index (0-100)" if index else "Median current level"
    series = alt.Scale(domain=CAP_ORDER, range=list(SERIES[:6]))
    chart = alt.Chart(frame).encode(
        x=alt.X("Round:N", sort=rounds, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Value:Q", scale=scale, title=title),
        tooltip=["Round", "Series", "Value"],
    )
    if index:
        line = chart.mark_line(point=alt.OverlayMarkDef(size=90), color=BLUE)
        labels = chart.mark_text(dy=-14, fontSize=13).encode(text=alt.Text("Value:Q", format=".0f"))
        return (line + labels).properties(height=260)
    return (
        chart.mark_line(point=alt.OverlayMarkDef(size=80, filled=True))
        .encode(
            color=alt.Color("Series:N", scale=series, title=None),
            shape=alt.Shape("Series:N", sort=CAP_ORDER, title=None),
        )
        .properties(height=300)
    )
