"""Scorecards: per segment, are customers reaching value fast enough, where do they drop off,
how much revenue is at risk and why. Widgets and caching only; numbers come from core."""

from __future__ import annotations

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

from datetime import date

import altair as alt
import polars as pl
import streamlit as st

from core.charts import builders
from core.charts.export import chart_png, chart_svg
from core.common.downloads import csv_bytes
from core.common.text import inert_markdown
from core.engine import (
    Context,
    ab_table,
    attribution_table,
    backtest,
    bottleneck,
    cohort_table,
    what_if,
)
from core.engine.km import median_of_curve
from core.model.plan import MeasurementPlan
from core.scorecards.bundle import (
    ALL,
    METRICS,
    STATUS_COLOURS,
    FilteredTables,
    Filters,
    ScorecardBundle,
    build_bundle,
    csm_options,
    format_change,
    format_value,
    money,
    start_range,
)
from core.scorecards.summary import Summary, to_markdown, to_pdf
from ui.state import (
    current_dataset,
    current_workspace,
    plan,
    plan_key,
    stop_without_data,
    workspace_as_of,
)

ws = current_workspace()
info, dataset = current_dataset(ws.id)
the_plan = plan(ws.id)
PLAN_KEY = plan_key(the_plan)
DATA_ID = info.id if info else 0

st.title("Scorecards")
st.caption(
    "One card per segment: every onboarding metric beside its target, with the change since "
    "the same day last month. Status is shown by word and symbol as well as colour."
)

stop_without_data(
    dataset,
    "There is no customer data in this workspace yet, so there is nothing to score. Load "
    "your tables or the demo data on the Data page.",
)


# ------------------------------------------------------------------ cached computations


@st.cache_resource(max_entries=4, show_spinner="Computing the scorecards for these filters…")
def _bundle(
    dataset_id: int, as_of: date, plan_key: str, filters: Filters, _plan: MeasurementPlan
) -> tuple[ScorecardBundle, Context]:
    return build_bundle(dataset, _plan, as_of, filters)


@st.cache_resource(max_entries=32, show_spinner="Working out the what-if…")
def _what_if(
    dataset_id: int, as_of: date, plan_key: str, filters: Filters, step: int, percent: int
) -> object:
    _, ctx = _bundle(dataset_id, as_of, plan_key, filters, the_plan)
    return what_if(ctx, step, percent / 100, filters.segment)


@st.cache_resource(max_entries=8, show_spinner="Computing the cohorts…")
def _cohorts(dataset_id: int, as_of: date, plan_key: str, filters: Filters) -> pl.DataFrame:
    return cohort_table(_bundle(dataset_id, as_of, plan_key, filters, the_plan)[1])


@st.cache_resource(max_entries=8, show_spinner="Comparing the journey variants…")
def _ab(dataset_id: int, as_of: date, plan_key: str, filters: Filters) -> pl.DataFrame:
    return ab_table(_bundle(dataset_id, as_of, plan_key, filters, the_plan)[1])


@st.cache_resource(max_entries=8, show_spinner="Crediting the touchpoints…")
def _attribution(dataset_id: int, as_of: date, plan_key: str, filters: Filters) -> pl.DataFrame:
    return attribution_table(_bundle(dataset_id, as_of, plan_key, filters, the_plan)[1])


@st.cache_resource(max_entries=4, show_spinner="Replaying the score over the history…")
def _backtest(dataset_id: int, as_of: date, plan_key: str, filters: Filters) -> object:
    return backtest(FilteredTables(dataset, filters), the_plan, as_of)


@st.cache_data(max_entries=4, show_spinner=False)
def _filter_options(dataset_id: int) -> tuple[list[str], date | None, date | None]:
    lo, hi = start_range(dataset)
    return csm_options(dataset), lo, hi


# ------------------------------------------------------------------ helpers


def show_chart(chart: alt.TopLevelMixin, name: str, key: str) -> None:
    """The chart, with PNG and SVG downloads rendered only when clicked."""
    st.altair_chart(chart, width="stretch")
    spec = chart.to_json()
    row = st.container(horizontal=True)
    row.download_button(
        "PNG",
        data=lambda: chart_png(spec),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
        icon=":material/image:",
    )
    row.download_button(
        "SVG",
        data=lambda: chart_svg(spec),
        file_name=f"{name}.svg",
        mime="image/svg+xml",
        key=f"{key}_svg",
        on_click="ignore",
        icon=":material/draw:",
    )


# ------------------------------------------------------------------ filters


def filters_bar() -> tuple[date, Filters]:
    csms, lo, hi = _filter_options(DATA_ID)
    segments = list(the_plan.segments)
    cols = st.columns([1, 1, 2, 2])
    as_of = cols[0].date_input(
        "Analysis date",
        value=workspace_as_of(ws, info, dataset),
        key="sc_as_of",
        help="Pin it for every page on the Data page; here it only changes this view.",
    )
    segment = cols[1].selectbox(
        "Segment", ["All segments", *segments], key="sc_segment", format_func=str
    )
    chosen_csms = cols[2].multiselect(
        "CSM", csms, key="sc_csm", placeholder="All CSMs", format_func=str
    )
    period = cols[3].date_input(
        "Onboarding started between",
        value=(lo, hi) if lo and hi else (),
        key="sc_started",
        min_value=lo,
        max_value=hi,
    )
    start_from, start_to = (
        (period + (None, None))[:2] if isinstance(period, tuple) else (None, None)
    )
    filters = Filters(
        segment=None if segment == "All segments" else segment,
        csms=tuple(chosen_csms),
        start_from=start_from if start_from != lo else None,
        start_to=start_to if start_to != hi else None,
    )
    return as_of, filters


# ------------------------------------------------------------------ cards


def card_markdown(cards: pl.DataFrame, segment: str) -> str:
    rows = cards.filter(pl.col("segment") == segment)
    lines = [
        "| Metric | Now | Target | Status | vs last month |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows.iter_rows(named=True):
        kind = r["kind"]
        target = format_value(r["target"], kind) if r["target"] is not None else "—"
        colour = STATUS_COLOURS.get(r["status"], "gray")
        status = f":{colour}-background[{r['word']}]"
        change = format_change(r["change"], kind, better=r["better"])
        lines.append(
            f"| {r['label']} | **{format_value(r['value'], kind)}** | {target} | {status} "
            f"| {change} |"
        )
    return "\n".join(lines)


def show_cards(bundle: ScorecardBundle, filters: Filters) -> None:
    names = [filters.segment] if filters.segment else [*bundle.segments, ALL]
    all_rows = bundle.cards.filter(pl.col("segment") == ALL)
    get = {r["metric"]: r for r in all_rows.iter_rows(named=True)}
    top = st.columns(4)
    top[0].metric("Accounts", format_value(get["accounts"]["value"], "count"))
    top[1].metric(
        "Accounts at risk",
        format_value(get["at_risk_accounts"]["value"], "count"),
        delta=_delta(get["at_risk_accounts"], "count"),
        delta_color="inverse",
    )
    top[2].metric(
        "Contract value at risk",
        money(get["at_risk_value"]["value"]),
        delta=_delta(get["at_risk_value"], "money"),
        delta_color="inverse",
    )
    top[3].metric(
        "Time to first value (median)",
        format_value(get["ttv_median_days"]["value"], "days"),
        delta=_delta(get["ttv_median_days"], "days"),
        delta_color="inverse",
    )
    columns = st.columns(2)
    for i, name in enumerate(names):
        title = "All segments" if name == ALL else inert_markdown(name, 200)
        with columns[i % 2].container(border=True):
            st.markdown(f"#### {title}")
            st.markdown(card_markdown(bundle.cards, name))
    st.caption(
        f"Change compares with the same filters as of {bundle.previous_as_of}. "
        "✓ On target · ▲ Near target (within 10% on the wrong side) · ✗ Off target · "
        "– No target set. Targets: the segment's plan (time to value, adoption, CSAT) and "
        "the benchmarks (activation 70%, completion 85%; time to value 45 days for All)."
    )


def _delta(row: dict[str, object], kind: str) -> str | None:
    change = row["change"]
    if change is None or change == 0:
        return None
    return format_change(change, kind, better=None).split(" ", 1)[1]  # type: ignore[arg-type]


# ------------------------------------------------------------------ sections


def show_ttv(bundle: ScorecardBundle) -> None:
    st.subheader("Time to first value")
    if bundle.km.is_empty():
        st.info("No account has started by the analysis date.")
        return
    median = median_of_curve(bundle.km)
    st.markdown(
        f"Target: **{bundle.ttv_target:.0f} days**. Kaplan-Meier median (counting accounts "
        f"still waiting): **{format_value(median, 'days')}**. "
        f"{int(bundle.ttv_hist.get_column('accounts').sum()):,} accounts reached first value."
    )
    left, right = st.columns(2)
    with left:
        show_chart(
            builders.ttv_histogram(bundle.ttv_hist, bundle.ttv_target), "ttv-histogram", "ttv"
        )
    with right:
        show_chart(builders.km_chart(bundle.km, bundle.ttv_target), "ttv-kaplan-meier", "km")


def show_funnel(bundle: ScorecardBundle, as_of: date, filters: Filters) -> str | None:
    """The funnel and the what-if; returns the what-if sentence for the summary."""
    st.subheader("Journey funnel")
    funnel = bundle.funnel
    if funnel.is_empty() or funnel.get_column("reached").sum() == 0:
        st.info(
            "No account has reached a milestone yet. Check the milestone events of the "
            "measurement plan on the Data page against the event catalogue."
        )
        return None
    worst = bottleneck(funnel)
    step = int(worst.get_column("step").item()) if len(worst) else None
    if step is not None:
        row = worst.row(0, named=True)
        st.markdown(
            f"◆ **Bottleneck: step {step}, {inert_markdown(row['event'], 200)}**: "
            f"{row['step_conversion']:.0%} of the accounts that reached the step before get "
            f"here; {row['dropoff']:,} stop."
        )
    show_chart(builders.funnel_chart(funnel, step), "journey-funnel", "funnel")
    with st.expander("Funnel table"):
        st.dataframe(
            funnel,
            hide_index=True,
            column_config={
                "step_conversion": st.column_config.NumberColumn(
                    "Step conversion", format="percent"
                ),
                "overall_conversion": st.column_config.NumberColumn("Overall", format="percent"),
            },
        )
        st.download_button(
            "Download the funnel (CSV)",
            csv_bytes(funnel),
            "funnel.csv",
            "text/csv",
            key="sc_funnel_csv",
        )
    return show_what_if(funnel, what_if_default(funnel, filters), as_of, filters)


def what_if_default(funnel: pl.DataFrame, filters: Filters) -> int | None:
    """The weakest step on the way to first value (later steps add nothing there)."""
    lists = the_plan.segment_events(filters.segment) if filters.segment else the_plan.events
    fv = funnel.filter(pl.col("event").is_in(list(lists.first_value_events)))
    last = int(fv.get_column("step").min()) if len(fv) else funnel.height  # type: ignore[arg-type]
    worst = bottleneck(funnel.filter(pl.col("step") <= last))
    return int(worst.get_column("step").item()) if len(worst) else None


def show_what_if(funnel: pl.DataFrame, default: int | None, as_of: date, f: Filters) -> str | None:
    st.subheader("What if a step converted better?")
    steps = funnel.get_column("step").to_list()
    conv = dict(
        zip(steps, funnel.get_column("step_conversion").fill_null(0).to_list(), strict=True)
    )
    labels = dict(zip(steps, funnel.get_column("event").to_list(), strict=True))
    left, right = st.columns(2)
    step = left.selectbox(
        "Step to improve",
        steps,
        index=steps.index(default) if default in steps else 0,
        format_func=lambda k: f"{k}. {labels[k]} (now {conv[k]:.0%})",
        key="sc_whatif_step",
    )
    now = round(conv[step] * 100)
    if now >= 100:
        right.info("This step already converts every account.")
        return None
    percent = right.slider(
        "Raise its conversion to (%)",
        min_value=now,
        max_value=100,
        value=min(100, now + 10),
        key="sc_whatif_percent",
    )
    result = _what_if(DATA_ID, as_of, PLAN_KEY, f, step, percent)
    cols = st.columns(3)
    extra = result.extra_first_value  # type: ignore[attr-defined]
    kept = result.value_kept  # type: ignore[attr-defined]
    cols[0].metric("Extra accounts at first value", "—" if extra is None else f"{extra:+,.1f}")
    cols[1].metric("Contract value kept (90-day retention)", money(kept))
    retained = result.retention_first_value, result.retention_no_first_value  # type: ignore[attr-defined]
    cols[2].metric(
        "90-day retention with / without first value",
        " / ".join("—" if r is None else f"{r:.0%}" for r in retained),
    )
    show_chart(builders.what_if_chart(result.steps), "what-if", "whatif")  # type: ignore[attr-defined]
    if extra is None:
        st.caption("No funnel step is a first-value event, so the gain cannot be valued.")
        return None
    return (
        f"What if step {step} converted {percent}% (now {now}%): {extra:+,.1f} accounts at "
        f"first value, about {money(kept)} of contract value kept."
    )


def show_cohorts(as_of: date, f: Filters, target: float) -> None:
    cohorts = _cohorts(DATA_ID, as_of, PLAN_KEY, f)
    if cohorts.height <= 1:
        st.info("No cohort yet: no account started on or before the analysis date.")
        return
    rates = {
        k: METRICS[k][0]
        for k in ("fv_on_time_rate", "activation_rate", "completion_rate", "early_retention_90d")
    }
    show_chart(builders.cohort_chart(cohorts, rates), "cohort-rates", "cohort_rates")
    show_chart(builders.cohort_ttv_chart(cohorts, target), "cohort-ttv", "cohort_ttv")
    st.caption(
        "Recent cohorts have fewer accounts old enough to judge: a rate with no one "
        "old enough is left out rather than shown as 0."
    )
    st.download_button(
        "Download the cohort table (CSV)",
        csv_bytes(cohorts),
        "cohorts.csv",
        "text/csv",
        key="sc_cohort_csv",
    )


def show_ab(as_of: date, f: Filters) -> None:
    ab = _ab(DATA_ID, as_of, PLAN_KEY, f)
    if ab.is_empty():
        st.info(
            "No journey variant in the data. Add a journey_variant column to the accounts "
            "(e.g. assisted / self-serve) to compare onboarding flows."
        )
        return
    labels = {"activation_rate": "Activation rate", "fv_on_time_rate": "First value on time"}
    show_chart(builders.ab_chart(ab, labels), "ab-comparison", "ab")
    st.caption(
        "Dots: each variant's rate; lines: its 95% interval (Wilson). Each variant is compared "
        "with the baseline (the first by name): difference with its 95% interval and p-value."
    )
    st.dataframe(
        ab.select(
            "metric",
            "variant",
            "n",
            "rate",
            "ci_low",
            "ci_high",
            "baseline",
            "difference",
            "difference_ci_low",
            "difference_ci_high",
            "p_value",
            "warning",
        ),
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(format="percent")
            for c in (
                "rate",
                "ci_low",
                "ci_high",
                "difference",
                "difference_ci_low",
                "difference_ci_high",
            )
        },
    )
    st.download_button(
        "Download (CSV)", csv_bytes(ab), "ab-comparison.csv", "text/csv", key="sc_ab_csv"
    )


MODELS = {
    "linear": "Linear",
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "time_decay": "Time decay",
    "position_based": "Position-based",
    "markov": "Markov (removal effect)",
}


def show_attribution(as_of: date, f: Filters) -> None:
    table = _attribution(DATA_ID, as_of, PLAN_KEY, f)
    if table.is_empty():
        st.info("No account activated in time yet, so there is no credit to share out.")
        return
    model = st.segmented_control(
        "Attribution model",
        list(MODELS),
        format_func=MODELS.get,
        default="linear",
        key="sc_attr_model",
        required=True,
    )
    show_chart(
        builders.attribution_chart(
            table, model or "linear", f"Credit toward activation: {MODELS[model or 'linear']}"
        ),
        "attribution",
        "attribution",
    )
    st.caption(
        "Each activated account gives one credit to the touches in the 30 days before "
        "it activated; the models differ in how they split it."
    )
    st.download_button(
        "Download (CSV)", csv_bytes(table), "attribution.csv", "text/csv", key="sc_attr_csv"
    )


def show_backtest(as_of: date, f: Filters) -> None:
    result = _backtest(DATA_ID, as_of, PLAN_KEY, f)
    if not result.dates:  # type: ignore[attr-defined]
        st.info("The backtest needs at least 90 days of history before the analysis date.")
        return
    st.markdown(
        "Every 30 days back from 90 days before the analysis date, the accounts the score "
        "flagged (escalate or executive) are compared with those that churned in the next "
        "90 days. Lift = how much likelier a flagged account churned than an average one."
    )
    show_chart(builders.backtest_chart(result.by_date), "backtest", "backtest")  # type: ignore[attr-defined]
    pct = {
        c: st.column_config.NumberColumn(format="percent")
        for c in ("precision", "recall", "base_rate", "fired_churn_rate", "not_fired_churn_rate")
    }
    st.dataframe(result.by_segment, hide_index=True, column_config=pct)  # type: ignore[attr-defined]
    st.dataframe(result.signals, hide_index=True, column_config=pct)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ the page

as_of, filters = filters_bar()
bundle, _ctx = _bundle(DATA_ID, as_of, PLAN_KEY, filters, the_plan)
st.caption(f"As of {bundle.as_of} · {inert_markdown(filters.describe(), 400)}")
if bundle.cards.filter(pl.col("metric") == "accounts").get_column("value").max() in (None, 0):
    st.warning(
        "No account matches these filters on this date. Widen the start-date range, clear "
        "the CSM filter or pick a later analysis date."
    )
    st.stop()

show_cards(bundle, filters)
show_ttv(bundle)
what_if_text = show_funnel(bundle, as_of, filters)

st.subheader("Deeper analyses")
tabs = st.tabs(
    ["Cohorts", "A/B comparison", "Attribution", "Backtest"], key="sc_tab", on_change="rerun"
)
sections = [
    lambda: show_cohorts(as_of, filters, bundle.ttv_target),
    lambda: show_ab(as_of, filters),
    lambda: show_attribution(as_of, filters),
    lambda: show_backtest(as_of, filters),
]
for tab, section in zip(tabs, sections, strict=True):
    if tab.open:
        with tab:
            section()

st.subheader("One-page summary")
worst = bottleneck(bundle.funnel)
summary = Summary(
    title=f"Onboarding scorecard: {ws.name}",
    as_of=bundle.as_of,
    previous_as_of=bundle.previous_as_of,
    filters=filters.describe(),
    segments=[filters.segment] if filters.segment else bundle.segments,
    cards=bundle.cards,
    bottleneck=worst.row(0, named=True) if len(worst) else None,
    what_if=what_if_text,
)
left, right, _ = st.columns([2, 2, 4])
left.download_button(
    "Summary (Markdown)",
    data=lambda: to_markdown(summary),
    file_name="scorecard-summary.md",
    mime="text/markdown",
    key="sc_summary_md",
    on_click="ignore",
    icon=":material/description:",
)
right.download_button(
    "Summary (PDF)",
    data=lambda: to_pdf(summary),
    file_name="scorecard-summary.pdf",
    mime="application/pdf",
    key="sc_summary_pdf",
    on_click="ignore",
    icon=":material/picture_as_pdf:",
)
