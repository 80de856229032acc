"""The one chart exporter: Altair charts (or their Vega-Lite JSON) and SVG drawings to files,
rendered by vl-convert with the bundled fonts (core.common.picture)."""

from __future__ import annotations

import altair as alt

from core.common.picture import svg_png, vl_converter

__all__ = ["Chart", "chart_png", "chart_svg", "svg_png"]

Chart = alt.TopLevelMixin | str
"""An Altair chart, or its Vega-Lite JSON (what pages keep so a download needs no rebuild)."""


def _spec(chart: Chart) -> str:
    return chart if isinstance(chart, str) else chart.to_json()


def chart_png(chart: Chart, scale: float = 2.0) -> bytes:
    """The chart as PNG, at `scale` times its size for sharp slides."""
    return bytes(vl_converter().vegalite_to_png(_spec(chart), scale=scale))


def chart_svg(chart: Chart) -> bytes:
    return str(vl_converter().vegalite_to_svg(_spec(chart))).encode("utf-8")
