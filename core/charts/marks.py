"""Marks shared by the Altair charts of several pages.

Every chart module uses the Okabe-Ito colours of `core.common.palette` (safe for the common
colour-vision deficiencies), and every highlighted mark also carries a word in its legend or
label, so nothing is told by colour alone.
"""

from __future__ import annotations

from typing import Literal

import altair as alt
import polars as pl

from core.common.palette import VERMILLION

Layered = alt.LayerChart | alt.FacetChart
"""What `alt.layer` returns: a FacetChart when every layer shares a facet encoding."""


def target_rule(target: float, label: str, axis: Literal["x", "y"] = "x") -> Layered:
    """A dashed line at the target with its label beside it, so the target reads as words too."""
    frame = pl.DataFrame({"target": [target], "label": [label]})
    base = alt.Chart(frame)
    enc = {axis: alt.X("target:Q") if axis == "x" else alt.Y("target:Q")}
    rule = base.mark_rule(color=VERMILLION, strokeDash=[6, 4], size=2).encode(**enc)
    text = base.mark_text(align="left", dx=4, dy=-6, color=VERMILLION, fontWeight="bold").encode(
        **enc, text="label:N"
    )
    if axis == "x":
        text = text.encode(y=alt.value(8))
    return alt.layer(rule, text)
