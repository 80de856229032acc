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


def csm_load_chart(load: pl.DataFrame) -> alt.Chart:
    frame = load.with_columns(pl.col("status").fill_null("no ratio set"))
    domain = ["over", "within", "under", "no ratio set"]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("accounts:Q", title="Live accounts"),
            y=alt.Y("csm:N", title=None, sort="-x", axis=alt.Axis(labelLimit=200)),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=domain, range=[VERMILLION, BLUE, ORANGE, GREY]),
                legend=alt.Legend(title="Against the segment ratio", orient="bottom"),
            ),
            yOffset="segment:N",
            tooltip=["csm:N", "segment:N", "accounts:Q", "ratio_low:Q", "ratio_high:Q", "status:N"],
        )
        .properties(title="Accounts per CSM against the segment coverage ratio")
    )
