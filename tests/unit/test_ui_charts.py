"""ui/charts.py draws a chart from the spec `st.altair_chart` would send, built without the
schema check (issue 14): the same spec and data, no Altair theme, and no global left changed,
even with sessions drawing at once. No Streamlit runtime: only its conversion is called."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import altair as alt
import pytest
from streamlit.elements.vega_charts import (
    _convert_altair_to_vega_lite_spec,
    _stabilize_vega_json_spec,
)

from tests.support.chart_samples import CHARTS
from ui.charts import vega_lite_spec


def _sent(spec: dict) -> str:
    """The spec as Streamlit puts it in the element (data sets aside, compared by name)."""
    return _stabilize_vega_json_spec(json.dumps({**spec, "datasets": list(spec["datasets"])}))


@pytest.mark.parametrize("key", list(CHARTS))
def test_spec_and_data_are_those_st_altair_chart_sends(key: str):
    chart = CHARTS[key]()
    ours, theirs = vega_lite_spec(chart), _convert_altair_to_vega_lite_spec(chart)
    assert _sent(ours) == _sent(theirs)
    assert ours["datasets"] == theirs["datasets"]  # Arrow bytes under their content hash


def test_no_altair_theme_and_no_global_left_changed():
    before = alt.theme.active, alt.data_transformers.active
    spec = vega_lite_spec(CHARTS["scorecards.funnel_chart"]())
    assert (alt.theme.active, alt.data_transformers.active) == before == ("default", "default")
    assert "config" not in spec  # the default theme's 300 px view would fight width="stretch"
    assert spec["$schema"] == alt.SCHEMA_URL
    assert spec["datasets"]
    assert all(isinstance(data, bytes) for data in spec["datasets"].values())


def test_a_chart_keeps_its_own_config():
    chart = CHARTS["data.accounts_per_segment_chart"]().configure_axis(labelFontSize=14)
    assert vega_lite_spec(chart)["config"] == {"axis": {"labelFontSize": 14}}


def test_sessions_drawing_at_once_keep_their_own_data():
    """st.altair_chart, which any code in the process may call, switches Altair's globals
    under Streamlit's lock in other sessions' threads: each conversion still gets exactly its
    own data."""
    keys = ["scorecards.cohort_chart", "at_risk.csm_load_chart", "journey.stage_timeline"]
    expected = {key: vega_lite_spec(CHARTS[key]())["datasets"] for key in keys}

    def convert(n: int) -> bool:
        key = keys[n % len(keys)]
        chart = CHARTS[key]()
        if n % 2:
            return _convert_altair_to_vega_lite_spec(chart)["datasets"] == expected[key]
        return vega_lite_spec(chart)["datasets"] == expected[key]

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(convert, range(60)))
