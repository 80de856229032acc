"""The Timeline & emotion tab: stages by day range, and the emotion curve per role."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import journey as jm
from core.charts import journey as charts
from core.journey import views
from ui.charts import draw_chart


def timeline(content: jm.MapContent) -> None:
    frame = views.timeline_frame(content)
    if frame.is_empty():
        st.info("Give the stages a day range to see the timeline.", icon=":material/info:")
        return
    draw_chart(charts.stage_timeline(frame))


def emotion(content: jm.MapContent, other: jm.MapContent | None) -> None:
    """The curve of this map, and of `other` (e.g. its ideal state) dashed beside it."""
    frames = [views.emotion_frame(content)]
    if other is not None:
        frames.append(
            views.emotion_frame(other).with_columns(
                pl.lit(f"{other.info.state} ({other.info.name})").alias("state")
            )
        )
    frame = pl.concat(frames)
    if frame.is_empty():
        st.info("Place touchpoints on stages to see the emotion curve.", icon=":material/info:")
        return
    order = [s["name"] for s in content.stages]
    draw_chart(charts.emotion_curve(frame, order))
