"""The emotion curve's legend tells the two map states apart (issue 16, item 7): drawn by
Vega itself (vl-convert), each state's legend sample is a line of its own dash, and the roles
share one legend of coloured shapes."""

from __future__ import annotations

import re

import polars as pl
import vl_convert as vlc

from core.charts import journey as charts
from core.charts.export import _spec

STAGES = ["Kickoff", "Setup", "Adopt"]


def _frame() -> pl.DataFrame:
    rows = [
        {
            "order": i,
            "stage": stage,
            "role": role,
            "state": state,
            "map": "m",
            "emotion": float(i - 1) * (2 if state == "current" else -1),
            "touchpoints": 1,
        }
        for state in ("current", "ideal (Ideal journey)")
        for i, stage in enumerate(STAGES)
        for role in ("Admin / implementer", "End user")
    ]
    return pl.DataFrame(rows)


def _legend(svg: str, title: str) -> str:
    start = svg.index(f"aria-label=\"Symbol legend titled '{title}'")
    end = svg.find('aria-roledescription="legend"', start + 1)
    return svg[start : end if end > 0 else len(svg)]


def _symbols(legend: str) -> list[str]:
    return re.findall(r'class="mark-symbol role-legend-symbol"[^>]*><path ([^>]*)/>', legend)


def test_state_legend_samples_differ_and_roles_have_one_legend():
    svg = vlc.vegalite_to_svg(_spec(charts.emotion_curve(_frame(), STAGES)))
    assert len(re.findall(r"Symbol legend titled 'Role'", svg)) == 1
    states = _symbols(_legend(svg, "State"))
    assert len(states) == 2
    dashes = [re.search(r'stroke-dasharray="([^"]+)"', s) for s in states]
    assert all(dashes)
    assert dashes[0].group(1) != dashes[1].group(1)  # solid vs dashed, not two equal dots
    roles = _symbols(_legend(svg, "Role"))
    assert len(roles) == 2
    shapes = [re.search(r' d="([^"]+)"', s).group(1) for s in roles]
    fills = [re.search(r'fill="([^"]+)"', s).group(1) for s in roles]
    assert shapes[0] != shapes[1]
    assert fills[0] != fills[1]


def test_one_state_has_a_plain_title():
    chart = charts.emotion_curve(_frame().filter(pl.col("state") == "current"), STAGES)
    assert "dashed" not in str(chart.to_dict()["title"])
