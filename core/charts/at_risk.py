"""Altair charts of the at-risk page: one account's score history and activity, and the
accounts per CSM (exported by core.charts.export).

Charts get pre-aggregated frames, so drawing them costs the same however large the data set.
Colours follow core.common.palette (Okabe-Ito); every highlighted mark also carries a word.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from core.charts.marks import Layered
from core.common.palette import BLUE, GREEN, GREY, ORANGE, VERMILLION


def score_history_chart(history: pl.DataFrame, bands: tuple[int, int, int]) -> Layered:
    """Weekly score with the action bands drawn as labelled dashed lines."""
    line = (
        alt.Chart(history)
        .mark_line(point=True, color=BLUE, interpolate="step-after")
        .encode(
            x=alt.X("as_of:T", title="Week"),
            y=alt.Y("score:Q", title="Health score", scale=alt.Scale(domain=[0, 100])),
            tooltip=["as_of:T", "score:Q", "action:N", "signals:N"],
        )
    )
    executive, escalate, watch = bands
    rules = pl.DataFrame(
        {
            "y": [executive, escalate, watch],
            "label": [
                f"executive below {executive}",
                f"escalate below {escalate}",
                f"watch below {watch}",
            ],
        }
    )
    rule = alt.Chart(rules).mark_rule(strokeDash=[4, 4], color=VERMILLION).encode(y="y:Q")
    text = (
        alt.Chart(rules)
        .mark_text(align="left", dy=-6, color=VERMILLION)
        .encode(y="y:Q", x=alt.value(4), text="label:N")
    )
    return alt.layer(line, rule, text).properties(height=240, title="Health score by week")


def activity_chart(weekly: pl.DataFrame) -> alt.Chart:
    """Events and active users per week for one account."""
    long = weekly.unpivot(index="week", variable_name="measure", value_name="value")
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title="Week"),
            y=alt.Y("value:Q", title=None),
            color=alt.Color(
                "measure:N",
                scale=alt.Scale(range=[BLUE, ORANGE, GREEN]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            shape=alt.Shape("measure:N", legend=alt.Legend(orient="bottom", title=None)),
            tooltip=["week:T", "measure:N", "value:Q"],
        )
        .properties(height=220, title="Activity by week")
    )


CSM_STATUS = {
    "over": "▲ over",
    "within": "✓ within",
    "under": "▼ under",
    None: "– no ratio set",
}


def csm_load_chart(load: pl.DataFrame) -> Layered:
    """One bar per CSM and segment, labelled with both, so every bar sits on its own name;
    the status is a symbol and a word at the bar's end as well as its colour."""
    frame = load.with_columns(
        pl.col("status").replace_strict(CSM_STATUS, default=CSM_STATUS[None]).alias("status"),
        pl.format("{} · {}", pl.col("csm"), pl.col("segment").fill_null("no segment")).alias(
            "label"
        ),
    )
    order = frame.sort(["accounts", "label"], descending=[True, False])["label"].to_list()
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=260)),
        tooltip=[
            alt.Tooltip("csm:N", title="CSM"),
            alt.Tooltip("segment:N", title="Segment"),
            alt.Tooltip("accounts:Q", title="Live accounts"),
            alt.Tooltip("ratio_low:Q", title="Accounts per CSM, low"),
            alt.Tooltip("ratio_high:Q", title="Accounts per CSM, high"),
            alt.Tooltip("status:N", title="Against the ratio"),
        ],
    )
    bars = base.mark_bar().encode(
        x=alt.X("accounts:Q", title="Live accounts"),
        color=alt.Color(
            "status:N",
            scale=alt.Scale(
                domain=list(CSM_STATUS.values()), range=[VERMILLION, BLUE, ORANGE, GREY]
            ),
            legend=alt.Legend(title="Against the segment ratio", orient="bottom"),
        ),
    )
    words = base.mark_text(align="left", dx=4).encode(x="accounts:Q", text="status:N")
    return alt.layer(bars, words).properties(
        title="Accounts per CSM against the segment coverage ratio",
        height=alt.Step(22),
    )
