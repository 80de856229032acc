"""The one chart exporter: Altair charts (or their Vega-Lite JSON) and SVG drawings to files.

vl-convert renders locally, without a browser or a network, so downloads work offline and on
a server with no display. It is imported on first use: it is large and most reruns draw
charts without exporting them.
"""

from __future__ import annotations

import altair as alt

Chart = alt.TopLevelMixin | str
"""An Altair chart, or its Vega-Lite JSON (what pages keep so a download needs no rebuild)."""


def _spec(chart: Chart) -> str:
    return chart if isinstance(chart, str) else chart.to_json()


def chart_png(chart: Chart, scale: float = 2.0) -> bytes:
    """The chart as PNG, at `scale` times its size for sharp slides."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(_spec(chart), scale=scale)


def chart_svg(chart: Chart) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(_spec(chart)).encode("utf-8")


def svg_png(svg: str, scale: float = 2.0) -> bytes:
    """A drawing we made as SVG (the journey grid) as PNG."""
    import vl_convert as vlc

    return vlc.svg_to_png(svg, scale=scale)
