"""Altair charts of the scorecards page: time to value, funnel and what-if, cohorts, A/B
comparison, attribution and backtest (exported by core.charts.export).

Charts get pre-aggregated frames (a few hundred rows at most), so drawing them costs the same
for 150 accounts as for 100,000. Colours and the target rule follow core.charts.marks.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from core.charts.marks import Layered, target_rule
from core.common.palette import BLUE, GREY, ORANGE, SERIES, VERMILLION


def ttv_histogram(hist: pl.DataFrame, target: float) -> Layered:
    """Accounts by days to first value, with the target marked."""
    bars = (
        alt.Chart(hist)
        .mark_bar(color=BLUE)
        .encode(
            x=alt.X("ttv_days:Q", bin=alt.Bin(maxbins=40), title="Days from start to first value"),
            y=alt.Y("sum(accounts):Q", title="Accounts"),
            tooltip=[
                alt.Tooltip("ttv_days:Q", bin=alt.Bin(maxbins=40), title="Days"),
                alt.Tooltip("sum(accounts):Q", title="Accounts"),
            ],
        )
    )
    return alt.layer(bars, target_rule(target, f"target {target:.0f} days")).properties(
        height=260, title="Time to first value"
    )


def km_chart(curve: pl.DataFrame, target: float) -> Layered:
    """Share of accounts that reached first value by day (Kaplan-Meier), target marked."""
    line = (
        alt.Chart(curve)
        .mark_line(interpolate="step-after", color=BLUE, strokeWidth=2)
        .encode(
            x=alt.X("day:Q", title="Days since start"),
            y=alt.Y("reached:Q", title="Reached first value", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("day:Q", title="Day"),
                alt.Tooltip("reached:Q", title="Reached", format=".0%"),
                alt.Tooltip("at_risk:Q", title="Still waiting"),
            ],
        )
    )
    half = alt.Chart(pl.DataFrame({"y": [0.5]})).mark_rule(color=GREY, strokeDash=[2, 2])
    return alt.layer(
        line, half.encode(y="y:Q"), target_rule(target, f"target {target:.0f} days")
    ).properties(height=260, title="Kaplan-Meier: share at first value by day (dotted: half)")


def funnel_chart(funnel: pl.DataFrame, bottleneck_step: int | None) -> Layered:
    """Accounts reaching each step, drop-off beside it, the bottleneck step in vermillion."""
    frame = funnel.with_columns(
        pl.format("{}. {}", pl.col("step"), pl.col("event")).alias("label"),
        pl.when(pl.col("step").eq_missing(bottleneck_step))
        .then(pl.lit("◆ Bottleneck (lowest step conversion)"))
        .otherwise(pl.lit("Step"))
        .alias("kind"),
        pl.format(
            "{} reached · {} lost",
            pl.col("reached"),
            pl.col("dropoff"),
        ).alias("text"),
    )
    order = frame.get_column("label").to_list()
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
    )
    bars = base.mark_bar().encode(
        x=alt.X("reached:Q", title="Accounts reaching the step"),
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(
                domain=["Step", "◆ Bottleneck (lowest step conversion)"], range=[BLUE, VERMILLION]
            ),
            legend=alt.Legend(title=None, orient="bottom", labelLimit=400),
        ),
        tooltip=[
            alt.Tooltip("event:N", title="Step"),
            alt.Tooltip("reached:Q", title="Reached"),
            alt.Tooltip("step_conversion:Q", title="Step conversion", format=".1%"),
            alt.Tooltip("overall_conversion:Q", title="Overall conversion", format=".1%"),
            alt.Tooltip("dropoff:Q", title="Drop-off"),
            alt.Tooltip("median_days_from_start:Q", title="Median days from start"),
        ],
    )
    text = base.mark_text(align="left", dx=4).encode(x="reached:Q", text="text:N")
    return alt.layer(bars, text).properties(height=40 * max(len(frame), 1) + 40)


def what_if_chart(steps: pl.DataFrame) -> alt.Chart:
    """Reach per step now vs with the raised conversion (whole accounts)."""
    long = steps.select(
        pl.format("{}. {}", pl.col("step"), pl.col("event")).alias("label"),
        pl.col("reached").cast(pl.Float64).alias("Now"),
        pl.col("reached_what_if").alias("What if"),
    ).unpivot(index="label", variable_name="scenario", value_name="accounts")
    order = steps.select(pl.format("{}. {}", pl.col("step"), pl.col("event"))).to_series()
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=order.to_list(), title=None, axis=alt.Axis(labelLimit=260)),
            yOffset="scenario:N",
            x=alt.X("accounts:Q", title="Accounts reaching the step"),
            color=alt.Color(
                "scenario:N",
                scale=alt.Scale(domain=["Now", "What if"], range=[GREY, BLUE]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=["label:N", "scenario:N", alt.Tooltip("accounts:Q", format=",.0f")],
        )
        .properties(height=60 * max(len(steps), 1))
    )


def _months(cohorts: pl.DataFrame) -> pl.DataFrame:
    """Cohort rows ("YYYY-MM") as first-of-month dates, so the axis shows few, level labels."""
    return cohorts.filter(pl.col("cohort") != "All").with_columns(
        pl.concat_str(pl.col("cohort"), pl.lit("-01")).str.to_date().alias("cohort")
    )


def cohort_chart(cohorts: pl.DataFrame, metrics: dict[str, str]) -> alt.Chart:
    """Headline rates by start month, one line per metric (colour and point shape); a rate
    left out (null: too few accounts old enough) is not drawn at all, never as 0."""
    long = (
        _months(cohorts)
        .select("cohort", "accounts", *metrics)
        .unpivot(index=["cohort", "accounts"], variable_name="metric", value_name="value")
        .drop_nulls("value")
        .with_columns(pl.col("metric").replace_strict(metrics))
    )
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("cohort:T", title="Start month", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format="%")),
            color=alt.Color(
                "metric:N", scale=alt.Scale(range=list(SERIES)), legend=alt.Legend(orient="bottom")
            ),
            shape=alt.Shape("metric:N", legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("cohort:T", title="Start month", format="%b %Y"),
                "metric:N",
                alt.Tooltip("value:Q", format=".1%"),
                alt.Tooltip("accounts:Q", title="Accounts in cohort"),
            ],
        )
        .properties(height=340, title="Headline rates by start month")
    )


def cohort_ttv_chart(cohorts: pl.DataFrame, target: float) -> Layered:
    frame = _months(cohorts).select("cohort", "accounts", "ttv_median_days")
    line = (
        alt.Chart(frame)
        .mark_line(point=True, color=BLUE)
        .encode(
            x=alt.X("cohort:T", title="Start month", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("ttv_median_days:Q", title="Median days to first value"),
            tooltip=[
                alt.Tooltip("cohort:T", title="Start month", format="%b %Y"),
                alt.Tooltip("ttv_median_days:Q", title="Median days"),
                alt.Tooltip("accounts:Q", title="Accounts"),
            ],
        )
    )
    return alt.layer(line, target_rule(target, f"target {target:.0f} days", "y")).properties(
        height=280, title="Median time to first value by start month"
    )


def ab_chart(ab: pl.DataFrame, labels: dict[str, str]) -> alt.FacetChart:
    """Each variant's rate with its 95% interval, one row of panels per metric, each panel's
    title above it (level, so long metric names never overlap)."""
    frame = ab.with_columns(pl.col("metric").replace_strict(labels, default=pl.col("metric")))
    base = alt.Chart(frame).encode(y=alt.Y("variant:N", title=None))
    bars = base.mark_rule(size=3, color=GREY).encode(
        x=alt.X("ci_low:Q", title="Rate (95% interval)", axis=alt.Axis(format="%")),
        x2="ci_high:Q",
    )
    points = base.mark_point(filled=True, size=90, color=BLUE).encode(
        x="rate:Q",
        tooltip=[
            "variant:N",
            alt.Tooltip("n:Q", title="Accounts"),
            alt.Tooltip("rate:Q", format=".1%"),
            alt.Tooltip("ci_low:Q", title="95% low", format=".1%"),
            alt.Tooltip("ci_high:Q", title="95% high", format=".1%"),
        ],
    )
    return (
        alt.layer(bars, points, data=frame)
        .facet(
            row=alt.Row(
                "metric:N",
                title=None,
                header=alt.Header(
                    labelAngle=0,
                    labelOrient="top",
                    labelAnchor="start",
                    labelFontWeight="bold",
                    labelFontSize=12,
                    labelPadding=4,
                ),
            )
        )
        .properties(title="A/B comparison of journey variants")
    )


def attribution_chart(table: pl.DataFrame, model: str, title: str) -> alt.Chart:
    frame = table.select("touchpoint", pl.col(model).alias("credit")).sort(
        "credit", descending=True
    )
    return (
        alt.Chart(frame)
        .mark_bar(color=BLUE)
        .encode(
            x=alt.X("credit:Q", title="Credit (activated accounts)"),
            y=alt.Y("touchpoint:N", sort="-x", title=None, axis=alt.Axis(labelLimit=240)),
            tooltip=["touchpoint:N", alt.Tooltip("credit:Q", format=",.1f")],
        )
        .properties(height=24 * max(len(frame), 1) + 30, title=title)
    )


def backtest_chart(by_date: pl.DataFrame) -> alt.Chart:
    long = by_date.select("as_of", "precision", "recall", "base_rate").unpivot(
        index="as_of", variable_name="measure", value_name="value"
    )
    names = {"precision": "Precision", "recall": "Recall", "base_rate": "Base churn rate"}
    long = long.with_columns(pl.col("measure").replace_strict(names))
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("as_of:T", title="Analysis date"),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format="%")),
            color=alt.Color(
                "measure:N",
                scale=alt.Scale(domain=list(names.values()), range=[BLUE, ORANGE, GREY]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            shape=alt.Shape("measure:N", legend=alt.Legend(orient="bottom", title=None)),
            tooltip=["as_of:T", "measure:N", alt.Tooltip("value:Q", format=".1%")],
        )
        .properties(height=260, title="How well the score flagged churn within 90 days")
    )


def summary_charts(
    km: pl.DataFrame, funnel: pl.DataFrame, ttv_target: float, bottleneck_step: int | None
) -> tuple[tuple[str, bytes], ...]:
    """The two key charts of the one-page PDF summary, as PNG: time to first value
    (Kaplan-Meier, target marked) and the journey funnel (bottleneck marked)."""
    from core.charts.export import chart_png

    charts = []
    if not km.is_empty():
        chart = km_chart(km, ttv_target).properties(width=460, height=250)
        charts.append(("Time to first value (Kaplan-Meier)", chart_png(chart, scale=2)))
    if not funnel.is_empty():
        chart = funnel_chart(funnel, bottleneck_step).properties(
            width=460, height=max(160, 30 * len(funnel)), title="Journey funnel"
        )
        charts.append(("Journey funnel", chart_png(chart, scale=2)))
    return tuple(charts)
