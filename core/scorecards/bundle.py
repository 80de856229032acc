"""What the scorecards page shows, computed from the engine: one bundle per set of filters.

An executive filters by CSM and start-date range (and optionally one segment); the engine
runs on a view of the tables whose accounts table is filtered, because every engine output
starts from the accounts (events of accounts filtered out drop out where they meet them).
The bundle holds small, display-ready frames (card rows with target, status and the change
vs the previous month; the time-to-value histogram and Kaplan-Meier curve), so a cached
page rerun only draws them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl

from core.engine import (
    Context,
    Tables,
    build_context,
    funnel_table,
    score_table,
    scorecard_status,
    scorecard_table,
)
from core.engine.km import km_curve
from core.engine.metrics import covers
from core.model.dataset import dated_rows
from core.model.plan import MeasurementPlan

ALL = "All"

# metric -> (label, kind); kinds drive formatting: rate, days, count, money, csat.
METRICS: dict[str, tuple[str, str]] = {
    "accounts": ("Accounts", "count"),
    "ttv_median_days": ("Time to first value, median", "days"),
    "ttv_median_km_days": ("Time to first value, Kaplan-Meier median", "days"),
    "fv_on_time_rate": ("First value on time", "rate"),
    "activation_rate": ("Activation rate", "rate"),
    "user_adoption_rate": ("User adoption", "rate"),
    "completion_rate": ("Onboarding completion", "rate"),
    "adoption_depth": ("Adoption depth", "rate"),
    "early_retention_90d": ("Early retention (90 days)", "rate"),
    "expansion_ready_rate": ("Expansion-ready", "rate"),
    "csat_mean": ("CSAT", "csat"),
    "at_risk_accounts": ("Accounts at risk", "count"),
    "at_risk_value": ("Contract value at risk", "money"),
}
# Lower is better for these even without a target (the change vs last month is judged so);
# the account count is neither better nor worse.
LOWER_IS_BETTER = {"ttv_median_days", "ttv_median_km_days", "at_risk_accounts", "at_risk_value"}

# Status: a word and a symbol always, a colour-blind-safe colour on top (Okabe-Ito hues).
STATUS_WORDS: dict[str | None, str] = {
    "on target": "✓ On target",
    "near": "▲ Near target",
    "off": "✗ Off target",
    None: "– No target",
}
STATUS_COLOURS: dict[str | None, str] = {
    "on target": "blue",
    "near": "orange",
    "off": "red",
    None: "gray",
}


@dataclass(frozen=True)
class Filters:
    """The page's filters; hashable so they can key a cache."""

    segment: str | None = None
    csms: tuple[str, ...] = ()
    start_from: date | None = None
    start_to: date | None = None

    def describe(self) -> str:
        """The filters in words, for captions and the summary (user text left raw)."""
        parts = [f"segment {self.segment}" if self.segment else "all segments"]
        if self.csms:
            parts.append("CSM " + ", ".join(self.csms))
        if self.start_from or self.start_to:
            parts.append(f"started {self.start_from or '…'} to {self.start_to or '…'}")
        return "; ".join(parts)


@dataclass(frozen=True)
class FilteredTables:
    """The tables with only the accounts that pass the filters (others drop out on join)."""

    base: Tables
    filters: Filters

    def lazy(self, table: str) -> pl.LazyFrame:
        frame = self.base.lazy(table)
        if table != "accounts":
            return frame
        f = self.filters
        if f.segment:
            frame = frame.filter(pl.col("segment") == f.segment)
        if f.csms:
            frame = frame.filter(pl.col("csm").is_in(list(f.csms)))
        if f.start_from:
            frame = frame.filter(pl.col("start_date") >= f.start_from)
        if f.start_to:
            frame = frame.filter(pl.col("start_date") <= f.start_to)
        return frame

    def lazy_dated(self, table: str, low: datetime | None, high: datetime) -> pl.LazyFrame:
        """Events and touches are the base's (only accounts are filtered)."""
        return dated_rows(self.base, table, low, high)


def month_before(day: date) -> date:
    """The same day one calendar month earlier (clamped: 31 March -> 28/29 February)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ------------------------------------------------------------------ cards


def card_rows(now: pl.DataFrame, before: pl.DataFrame | None) -> pl.DataFrame:
    """Long status frame (segment, metric, value, target, status) with the previous month's
    value, the change, whether the change is better, and words for the status."""
    prev = (
        before.select("segment", "metric", pl.col("value").alias("previous"))
        if before is not None
        else pl.DataFrame(
            schema={"segment": pl.String, "metric": pl.String, "previous": pl.Float64}
        )
    )
    lower = pl.col("metric").is_in(list(LOWER_IS_BETTER)) | (
        pl.col("higher_is_better").is_not_null() & ~pl.col("higher_is_better")
    )
    change = pl.col("value") - pl.col("previous")
    return (
        now.join(prev, on=["segment", "metric"], how="left", maintain_order="left")
        .with_columns(change.alias("change"))
        .with_columns(
            pl.when((pl.col("change") == 0) | (pl.col("metric") == "accounts"))
            .then(pl.lit(None, pl.Boolean))
            .otherwise((pl.col("change") < 0) == lower)
            .alias("better"),
            pl.col("status").replace_strict(STATUS_WORDS, default=STATUS_WORDS[None]).alias("word"),
            pl.col("metric").replace_strict({k: v[0] for k, v in METRICS.items()}).alias("label"),
            pl.col("metric").replace_strict({k: v[1] for k, v in METRICS.items()}).alias("kind"),
        )
    )


def format_value(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value:.0%}"
    if kind == "days":
        return f"{value:.0f} days"
    if kind == "money":
        return money(value)
    if kind == "csat":
        return f"{value:.2f} / 5"
    return f"{value:,.0f}"


def money(value: float | None) -> str:
    if value is None:
        return "—"
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"${value / size:,.1f}{unit}"
    return f"${value:,.0f}"


def format_change(change: float | None, kind: str, *, better: bool | None) -> str:
    """e.g. "▲ +3 pts, better" or "▼ −2 days, worse"; "no change" / "—" without data."""
    if change is None:
        return "— (no data last month)"
    if change == 0:
        return "= no change"
    arrow = "▲" if change > 0 else "▼"
    sign = "+" if change > 0 else "−"
    size = abs(change)
    if kind == "rate":
        text = f"{sign}{size * 100:.1f} pts"
    elif kind == "days":
        text = f"{sign}{size:.0f} days" if size == round(size) else f"{sign}{size:.1f} days"
    elif kind == "money":
        text = f"{sign}{money(size)}"
    elif kind == "csat":
        text = f"{sign}{size:.2f}"
    else:
        text = f"{sign}{size:,.0f}"
    if not any(ch in "123456789" for ch in text):
        return "≈ no change"
    verdict = "" if better is None else (", better" if better else ", worse")
    return f"{arrow} {text}{verdict}"


# ------------------------------------------------------------------ time to value


def ttv_frames(ctx: Context, scores: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(histogram, Kaplan-Meier curve) for every account in the context.

    histogram: ttv_days, accounts (accounts that reached first value, per day).
    curve: day, reached (share reached first value by then, 1 - survival), at_risk.
    Censoring follows docs/metrics.md: age_days, or days to churn if that came earlier.
    """
    hist = (
        scores.filter(pl.col("ttv_days").is_not_null())
        .group_by("ttv_days")
        .agg(pl.len().cast(pl.Int64).alias("accounts"))
        .sort("ttv_days")
    )
    churn_age = (pl.col("churn_date") - pl.col("start_date")).dt.total_days()
    censor = (
        pl.when(pl.col("churn_date").is_not_null() & (pl.col("churn_date") <= ctx.as_of))
        .then(pl.min_horizontal(churn_age, pl.col("age_days")))
        .otherwise(pl.col("age_days"))
    )
    times = (
        scores.select("account_id", "ttv_days", "age_days")
        .join(ctx.accounts.select("account_id", "start_date", "churn_date"), on="account_id")
        .select(
            pl.coalesce(pl.col("ttv_days"), censor).cast(pl.Int64).alias("day"),
            pl.col("ttv_days").is_not_null().alias("event"),
        )
    )
    return hist, km_curve(times)


# ------------------------------------------------------------------ the bundle


@dataclass(frozen=True)
class ScorecardBundle:
    """Everything above the fold of the scorecards page, for one set of filters."""

    as_of: date
    previous_as_of: date
    cards: pl.DataFrame
    segments: list[str]
    ttv_hist: pl.DataFrame
    km: pl.DataFrame
    ttv_target: float
    funnel: pl.DataFrame
    scores: pl.DataFrame = field(repr=False)


TTV_BENCHMARK_DAYS = 45.0  # docs/metrics.md: time-to-value target under 45 days (all segments)


def segment_ttv_target(plan: MeasurementPlan, segment: str | None) -> float:
    """The segment's first-value target, or the 45-day benchmark for all segments together."""
    seg = plan.segments.get(segment or "")
    return float(seg.ttv_target_days) if seg else TTV_BENCHMARK_DAYS


def build_bundle(
    data: Tables, plan: MeasurementPlan, as_of: date, filters: Filters
) -> tuple[ScorecardBundle, Context]:
    """Compute the cards (now and a month earlier), time to value and the funnel."""
    tables = FilteredTables(data, filters)
    before_day = month_before(as_of)
    # One context for both dates when it can answer for both (metrics.covers): the events
    # are read once, and the facts of both dates come from the same passes.
    ctx = build_context(tables, plan, as_of, also=(before_day,))
    if covers(ctx, before_day):
        before_card = scorecard_table(ctx, before_day)
    else:
        before_card = scorecard_table(build_context(tables, plan, before_day))
    card = scorecard_table(ctx)
    before = scorecard_status(before_card, plan)
    cards = card_rows(scorecard_status(card, plan), before)
    scores = score_table(ctx)
    hist, km = ttv_frames(ctx, scores)
    segments = [s for s in card.get_column("segment").to_list() if s != ALL]
    bundle = ScorecardBundle(
        as_of=ctx.as_of,
        previous_as_of=before_day,
        cards=cards,
        segments=segments,
        ttv_hist=hist,
        km=km,
        ttv_target=segment_ttv_target(plan, filters.segment),
        funnel=funnel_table(ctx, filters.segment),
        scores=scores,
    )
    return bundle, ctx


def csm_options(data: Tables) -> list[str]:
    """Distinct CSM names, sorted, for the filter."""
    csms = data.lazy("accounts").select(pl.col("csm").drop_nulls().unique()).collect()
    return sorted(csms.get_column("csm").to_list())


def start_range(data: Tables) -> tuple[date | None, date | None]:
    row = data.lazy("accounts").select(
        pl.col("start_date").min().alias("lo"), pl.col("start_date").max().alias("hi")
    )
    lo, hi = row.collect().row(0)
    return lo, hi
