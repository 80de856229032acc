"""PNG exports draw Chinese, Japanese and Korean names with the bundled fonts
(core/common/fonts), whatever fonts the server has: without a font for a script, every
character of it is the same empty box, so two different names of the same length made the
same picture. Here they must not, in a chart, in an SVG drawing (the journey grid and lanes)
and in the journey graph; the PDF summary embeds the Korean font for Hangul."""

from __future__ import annotations

import altair as alt
import polars as pl
import pytest

from core.charts.export import chart_png
from core.common.picture import svg_png
from core.journey import views
from core.journey.graph_image import graph_png
from tests.unit.journey.graph_maps import content, stage

# Pairs of different names of the same length in one script each.
PAIRS = {
    "Chinese": ("东京分公司", "上海办事处"),
    "Japanese": ("ひらがな", "カタカナ"),
    "Korean": ("서울 지사", "부산 본부"),
}


def _chart(name: str) -> alt.Chart:
    frame = pl.DataFrame({"segment": [name], "accounts": [3]})
    return alt.Chart(frame, title=name).mark_bar().encode(x="segment:N", y="accounts:Q")


def _svg(name: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="60" '
        f'font-family="sans-serif"><text x="10" y="40" font-size="28">{name}</text></svg>'
    )


@pytest.mark.parametrize("script", sorted(PAIRS))
def test_chart_png_draws_the_script(script: str) -> None:
    one, other = PAIRS[script]
    assert chart_png(_chart(one)) != chart_png(_chart(other))


@pytest.mark.parametrize("script", sorted(PAIRS))
def test_svg_png_draws_the_script(script: str) -> None:
    one, other = PAIRS[script]
    assert svg_png(_svg(one)) != svg_png(_svg(other))


def test_the_empty_box_case_is_what_the_test_would_see() -> None:
    """The check above can fail: characters no font has (private use) are all one box."""
    assert svg_png(_svg("\ue000\ue001\ue002")) == svg_png(_svg("\ue003\ue004\ue005"))


@pytest.mark.parametrize("script", sorted(PAIRS))
def test_graph_png_draws_the_script(script: str) -> None:
    pictures = [
        graph_png(views.graph(content([stage(1, name, 0, 10)])), "Map") for name in PAIRS[script]
    ]
    assert pictures[0] != pictures[1]
