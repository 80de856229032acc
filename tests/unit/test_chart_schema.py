"""Every chart builder of core/charts makes a chart the Vega-Lite schema accepts (issue 14).

Pages draw their charts without Altair's schema check (ui/charts.py: the check cost 40-55
ms of CPU on every Scorecards rerun, six charts), so the check is made here instead: each
builder is built on small frames shaped like the engine's (tests/support/chart_samples.py)
and its whole spec is validated with `to_dict()`. A chart that breaks the schema fails the suite, not a page.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import altair as alt
import polars as pl
import pytest

import core.charts
from tests.support.chart_samples import CHARTS

NOT_CHARTS = {"export"}  # core/charts/export.py writes charts to files, it builds none


def _builders() -> set[str]:
    """Public functions of core/charts that return an Altair chart, as "module.function"."""
    found = set()
    for info in pkgutil.iter_modules(core.charts.__path__):
        if info.name in NOT_CHARTS:
            continue
        module = importlib.import_module(f"core.charts.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            returns = str(inspect.signature(function).return_annotation)
            if (
                function.__module__ == module.__name__
                and not name.startswith("_")
                and ("Chart" in returns or "Layered" in returns)
            ):
                found.add(f"{info.name}.{name}")
    return found


def test_every_chart_builder_has_a_sample():
    sampled = {key.split(" ")[0] for key in CHARTS}
    assert _builders() - sampled == set(), "add the new builder to tests/support/chart_samples.py"
    assert sampled - _builders() == set()


@pytest.mark.parametrize("key", list(CHARTS))
def test_chart_matches_the_vega_lite_schema(key: str):
    spec = CHARTS[key]().to_dict()  # validate=True: raises SchemaValidationError
    assert spec["$schema"] == alt.SCHEMA_URL
    assert spec["datasets"]


def test_the_check_catches_a_broken_chart_with_debug_mode_off():
    """ui/charts.py turns Altair's checks while building off; `to_dict()` must still check."""
    with alt.utils.schemapi.debug_mode(False):
        chart = alt.Chart(pl.DataFrame({"a": [1]})).mark_bar().encode(x=alt.X("a:Q", bin="wide"))
        with pytest.raises(alt.utils.schemapi.SchemaValidationError):
            chart.to_dict()
        chart.to_dict(validate=False)  # what the pages draw: no check at all
