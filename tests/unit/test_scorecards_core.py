"""The scorecards page's core: filters, cards vs last month, time to value, charts, summary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from core.charts import scorecards as charts
from core.charts.export import chart_png, chart_svg
from core.common.text import inert_markdown
from core.engine import bottleneck, scorecard_table
from core.engine.km import km_curve, median_of_curve
from core.model.plan import MeasurementPlan
from core.scorecards import bundle as scorecards
from core.scorecards.bundle import FilteredTables, Filters
from core.scorecards.summary import Summary, pdf_text, to_markdown, to_pdf
from core.workspace.demo_workspace import demo_dataset

PLAN = MeasurementPlan()


@pytest.fixture(scope="module")
def demo():
    return demo_dataset(300)


@pytest.fixture(scope="module")
def bundle(demo):
    as_of = demo.events.get_column("timestamp").max().date()
    return scorecards.build_bundle(demo, PLAN, as_of, Filters())


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 31), date(2026, 2, 28)),
        (date(2024, 3, 30), date(2024, 2, 29)),
        (date(2026, 1, 15), date(2025, 12, 15)),
    ],
)
def test_month_before_clamps_to_the_month_end(day, expected):
    assert scorecards.month_before(day) == expected


def test_filters_cut_the_accounts_only(demo):
    csm = demo.accounts.get_column("csm").drop_nulls()[0]
    tables = FilteredTables(demo, Filters(segment="SMB", csms=(csm,), start_from=date(2025, 6, 1)))
    accounts = tables.lazy("accounts").collect()
    assert set(accounts.get_column("segment")) == {"SMB"}
    assert set(accounts.get_column("csm")) == {csm}
    assert accounts.get_column("start_date").min() >= date(2025, 6, 1)
    assert tables.lazy("events").collect().height == demo.events.height


def test_cards_carry_status_words_and_last_month(bundle):
    b, _ = bundle
    assert b.previous_as_of == scorecards.month_before(b.as_of)
    assert set(b.cards.get_column("segment")) == {"Enterprise", "Mid-Market", "SMB", "All"}
    activation = b.cards.filter(
        (pl.col("segment") == "All") & (pl.col("metric") == "activation_rate")
    ).row(0, named=True)
    assert activation["word"] in scorecards.STATUS_WORDS.values()
    assert activation["previous"] is not None
    assert activation["change"] == pytest.approx(activation["value"] - activation["previous"])
    no_target = b.cards.filter(pl.col("metric") == "accounts").get_column("word").unique()
    assert no_target.to_list() == ["– No target"]


def test_change_is_judged_by_direction():
    assert scorecards.format_change(0.032, "rate", better=True) == "▲ +3.2 pts, better"
    assert scorecards.format_change(-2, "days", better=False) == "▼ −2 days, worse"
    assert scorecards.format_change(None, "rate", better=None).startswith("—")
    assert scorecards.format_change(0, "count", better=None) == "= no change"


def test_lower_is_better_for_time_and_risk():
    now = pl.DataFrame(
        {
            "segment": ["All", "All"],
            "metric": ["ttv_median_days", "activation_rate"],
            "value": [10.0, 0.5],
            "target": [45.0, 0.7],
            "higher_is_better": [False, True],
            "status": ["on target", "off"],
        }
    )
    before = now.with_columns(pl.Series("value", [12.0, 0.6]))
    rows = scorecards.card_rows(now, before)
    assert rows.get_column("better").to_list() == [True, False]


def test_km_curve_median_matches_the_engine(demo, bundle):
    b, ctx = bundle
    engine = scorecard_table(ctx).filter(pl.col("segment") == "All")
    assert median_of_curve(b.km) == engine.get_column("ttv_median_km_days").item()
    assert b.km.get_column("reached").is_sorted()
    assert b.ttv_hist.get_column("accounts").sum() == b.scores.get_column("ttv_days").count()


def test_km_curve_by_hand():
    times = pl.DataFrame({"day": [2, 4, 4, 6, 8], "event": [True, True, False, True, False]})
    curve = km_curve(times)
    reached = dict(zip(curve.get_column("day"), curve.get_column("reached"), strict=True))
    assert reached[2] == pytest.approx(0.2)
    assert reached[4] == pytest.approx(0.4)
    assert reached[6] == pytest.approx(1 - 0.8 * 0.75 * 0.5)
    assert median_of_curve(curve) == 6


def test_km_curve_steps_at_day_zero_for_first_value_on_the_start_day():
    times = pl.DataFrame({"day": [0, 0, 3, 5], "event": [True, False, True, False]})
    curve = km_curve(times)
    assert curve.rows() == [
        (0, 0.0, 4),
        (0, 0.25, 4),
        (3, pytest.approx(0.625), 2),
        (5, pytest.approx(0.625), 1),
    ]


def test_segment_filter_funnel_and_target(demo):
    as_of = demo.events.get_column("timestamp").max().date()
    b, _ = scorecards.build_bundle(demo, PLAN, as_of, Filters(segment="SMB"))
    assert b.ttv_target == PLAN.segments["SMB"].ttv_target_days
    assert b.segments == ["SMB"]
    assert b.funnel.get_column("reached").sum() > 0


def test_charts_export_as_png_and_svg(bundle):
    b, _ = bundle
    step = int(bottleneck(b.funnel).get_column("step").item())
    for chart in (
        charts.ttv_histogram(b.ttv_hist, b.ttv_target),
        charts.km_chart(b.km, b.ttv_target),
        charts.funnel_chart(b.funnel, step),
    ):
        spec = chart.to_json()
        assert chart_png(spec, scale=1).startswith(b"\x89PNG")
        assert b"<svg" in chart_svg(spec)


def _summary(bundle, title: str = "Scorecard") -> Summary:
    b, _ = bundle
    worst = bottleneck(b.funnel).row(0, named=True)
    return Summary(title, b.as_of, b.previous_as_of, "all segments", b.segments, b.cards, worst)


def test_summary_markdown_has_the_table_and_headlines(bundle):
    text = to_markdown(_summary(bundle))
    assert text.startswith("# Scorecard")
    assert "| Metric | Enterprise | Mid-Market | SMB | All |" in text
    assert "at risk, worth $" in text
    assert "Biggest drop-off: step" in text


def test_summary_escapes_hostile_names(bundle):
    hostile = "[click](javascript:alert(1)) <img src=x onerror=alert(1)>\n# big"
    text = to_markdown(_summary(bundle, hostile))
    title = text.splitlines()[0]
    assert "\\[click\\](javascript\\:" in title  # no link can form, no scheme either
    assert "&lt;img" in title
    assert "\n" not in title
    assert title.endswith("&gt; # big")  # a heading mark only means something at a line start
    assert inert_markdown("a|b") == "a\\|b"
    assert pdf_text("✓ on target — ok\x07 Ελλάδα") == "✓ on target — ok  Ελλάδα"


def test_summary_pdf_is_one_page(bundle):
    pdf = to_pdf(_summary(bundle, "Acme — Q3 ✓ <b>"))
    assert pdf.startswith(b"%PDF")
    assert b"/Count 1" in pdf  # one page


def test_summary_markdown_has_no_needless_escapes(bundle):
    b, _ = bundle
    summary = _summary(bundle, "Mid-Market review: qbr_completed")
    text = to_markdown(summary)
    assert "\\" not in text
    assert "# Mid-Market review: qbr_completed" in text
    assert "| Metric | Enterprise | Mid-Market | SMB | All |" in text


def test_summary_pdf_prints_every_script_with_the_table_and_two_charts(bundle):
    b, _ = bundle
    step = int(bottleneck(b.funnel).get_column("step").item())
    pngs = charts.summary_charts(b.km, b.funnel, b.ttv_target, step)
    assert [title for title, _ in pngs] == [
        "Time to first value (Kaplan-Meier)",
        "Journey funnel",
    ]
    title = "Онбординг Ελλάδα 東京株式会社 서울 지사"
    pdf = to_pdf(replace(_summary(bundle, title), charts=pngs))
    assert b"/Count 1" in pdf  # still one page
    assert pdf.count(b"/Subtype /Image") == 2
    assert b"DejaVuSans" in pdf  # Latin, Greek, Cyrillic and the status symbols
    assert b"DroidSansFallback" in pdf  # the Chinese and Japanese characters
    assert b"NanumSquare" in pdf  # the Hangul
