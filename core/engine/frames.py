"""Shared per-account facts: the one place where the big tables are read and cut down.

Every output (score, scorecard, funnel, attribution, backtest) is computed from a Context:
the started accounts with their targets, and a few rollups of events and touches that are
small enough to reuse. The events table is scanned once with a filter that keeps only rows
some metric can use (the recent activity windows, and the first-value / activation /
milestone events), so 20M events shrink to a few hundred thousand rows before any join.

Rollups cover every analysis date from `since` to `as_of`, so the score now and the score
a week ago (score_delta_7d), the weekly history and the backtest reuse the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from core.engine.tables import Tables, default_as_of
from core.engine.targets import (
    event_sets,
    key_events,
    needs_all_event_names,
    segment_targets,
    set_sizes,
)
from core.plan import MeasurementPlan

DELTA_DAYS = 7
DATE = pl.col("date")
ACCOUNT = "account_id"


@dataclass(frozen=True)
class Context:
    """Everything the metrics need, computed once per (data, plan, as_of).

    accounts: started accounts (start_date <= as_of) with their segment targets.
    first_events: account_id, event, first_at: first occurrence on or after start_date of
        every key event (first value, activation, milestones), dated <= as_of.
    milestones: account_id, event, timestamp: every such occurrence of a key event (funnel).
    activity: account_id, user_id, event, date: every event dated from
        `since - window_days + 1` to as_of (the rolling windows of every analysis date).
    sponsor_days: account_id, date: days with an event or touch by an exec_sponsor user,
        on or after start_date + kickoff_days, in the same range.
    touch_days: account_id, date, touches, tickets: daily touch counts, same range.
    csat: account_id, csat_sum, csat_n over every touch dated <= as_of.
    touches: every touch of a started account dated <= as_of, lazily (attribution).
    users: user_id, role, team.
    sets / sizes: the segment event lists as (segment, kind, event) and their sizes.
    cache: results memoised per Context (score facts shared by score and scorecard).
    """

    plan: MeasurementPlan
    as_of: date
    since: date
    accounts: pl.DataFrame
    first_events: pl.DataFrame
    milestones: pl.DataFrame
    activity: pl.DataFrame
    sponsor_days: pl.DataFrame
    touch_days: pl.DataFrame
    csat: pl.DataFrame
    touches: pl.LazyFrame
    users: pl.DataFrame
    sets: pl.DataFrame
    sizes: pl.DataFrame
    cache: dict[object, pl.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    def event_set(self, kind: str) -> pl.LazyFrame:
        """(segment, event) pairs of one list kind, for joins."""
        return self.sets.lazy().filter(pl.col("kind") == kind).select("segment", "event")

    def size(self, kind: str) -> pl.LazyFrame:
        """(segment, n_events) of one list kind."""
        return self.sizes.lazy().filter(pl.col("kind") == kind).select("segment", "n_events")

    def window(self, days: int | None = None) -> pl.LazyFrame:
        """Activity rows in the last `days` (default window_days) up to as_of."""
        days = self.plan.window_days if days is None else days
        return self.activity.lazy().filter(DATE >= self.as_of - timedelta(days=days - 1))


def days_between(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    """Whole calendar days from `earlier` to `later` (both Date), as Int64."""
    return (later - earlier).dt.total_days().cast(pl.Int64)


def segment_from_value() -> pl.Expr:
    """PRODUCT.md's contract-value bands; the validator already fills empty segments this
    way, but unvalidated Parquet (ParquetTables) may still hold them empty."""
    value = pl.col("contract_value")
    return (
        pl.when(value < 25_000)
        .then(pl.lit("SMB"))
        .when(value <= 100_000)
        .then(pl.lit("Mid-Market"))
        .when(value > 100_000)
        .then(pl.lit("Enterprise"))
    )


def started_accounts(data: Tables, plan: MeasurementPlan, as_of: date) -> pl.DataFrame:
    """Accounts that started on or before as_of, with the targets of their segment."""
    return (
        data.lazy("accounts")
        .filter(pl.col("start_date") <= as_of)
        .with_columns(
            pl.col("account_name").fill_null(pl.col(ACCOUNT)),
            pl.col("segment").fill_null(segment_from_value()),
            days_between(pl.lit(as_of), pl.col("start_date")).alias("age_days"),
            (pl.col("churn_date").is_not_null() & (pl.col("churn_date") <= as_of)).alias("churned"),
        )
        .join(segment_targets(plan).lazy(), on="segment", how="left")
        .collect()
    )


def _events(data: Tables, as_of: date) -> pl.LazyFrame:
    return (
        data.lazy("events")
        .select(ACCOUNT, "user_id", "event", "timestamp")
        .with_columns(pl.col("timestamp").dt.date().alias("date"))
        .filter(DATE <= as_of)
    )


def _collect(frame: pl.LazyFrame) -> pl.DataFrame:
    """Streaming keeps peak memory to the result, not the scanned table."""
    return frame.collect(engine="streaming")


def _event_names(data: Tables, as_of: date) -> list[str]:
    names = _collect(_events(data, as_of).select(pl.col("event").unique()))
    return sorted(names.get_column("event").drop_nulls().to_list())


def _key_occurrences(
    data: Tables, accounts: pl.DataFrame, keys: list[str], as_of: date
) -> pl.DataFrame:
    """Every key event of a started account on or after its start date, up to as_of."""
    starts = accounts.lazy().select(ACCOUNT, "start_date")
    return _collect(
        _events(data, as_of)
        .filter(pl.col("event").is_in(keys))
        .join(starts, on=ACCOUNT, how="inner")
        .filter(DATE >= pl.col("start_date"))
        .select(ACCOUNT, "event", "timestamp")
    )


def _activity(data: Tables, low: date, as_of: date) -> pl.DataFrame:
    """Events dated in [low, as_of]: the rolling windows' raw material. Rows of accounts
    that have not started drop out where they meet the accounts (every use joins them)."""
    return _collect(
        _events(data, as_of).filter(DATE >= low).select(ACCOUNT, "user_id", "event", "date")
    )


def _touches(data: Tables, accounts: pl.DataFrame, as_of: date) -> pl.LazyFrame:
    return (
        data.lazy("touches")
        .with_columns(pl.col("timestamp").dt.date().alias("date"))
        .filter(DATE <= as_of)
        .join(accounts.lazy().select(ACCOUNT), on=ACCOUNT, how="semi")
    )


def _sponsor_days(
    activity: pl.DataFrame,
    touches: pl.LazyFrame,
    accounts: pl.DataFrame,
    users: pl.DataFrame,
    plan: MeasurementPlan,
    low: date,
) -> pl.DataFrame:
    """Days with any event or touch by an executive sponsor, after the kickoff period."""
    sponsors = users.lazy().filter(pl.col("role") == "exec_sponsor").select("user_id")
    cols = [ACCOUNT, "user_id", "date"]
    both = pl.concat([activity.lazy().select(cols), touches.filter(DATE >= low).select(cols)])
    kickoff = pl.col("start_date") + pl.duration(days=plan.kickoff_days)
    return _collect(
        both.join(sponsors, on="user_id", how="semi")
        .join(accounts.lazy().select(ACCOUNT, "start_date"), on=ACCOUNT)
        .filter(DATE >= kickoff)
        .select(ACCOUNT, "date")
        .unique()
    )


def _touch_days(touches: pl.LazyFrame, low: date) -> pl.DataFrame:
    return _collect(
        touches.filter(DATE >= low)
        .group_by(ACCOUNT, "date")
        .agg(
            pl.len().cast(pl.Int64).alias("touches"),
            (pl.col("channel") == "ticket").sum().cast(pl.Int64).alias("tickets"),
        )
    )


def _csat(touches: pl.LazyFrame) -> pl.DataFrame:
    return _collect(
        touches.group_by(ACCOUNT).agg(
            pl.col("csat").sum().alias("csat_sum"),
            pl.col("csat").count().cast(pl.Int64).alias("csat_n"),
        )
    )


def build_context(
    data: Tables,
    plan: MeasurementPlan,
    as_of: date | None = None,
    since: date | None = None,
) -> Context:
    """Read and cut down the tables once; `since` is the earliest analysis date needed
    (default as_of - 7, for score_delta_7d)."""
    as_of = as_of or default_as_of(data)
    since = min(since or as_of, as_of - timedelta(days=DELTA_DAYS))
    low = since - timedelta(days=plan.window_days - 1)
    accounts = started_accounts(data, plan, as_of)
    segments = accounts.get_column("segment").drop_nulls().unique().to_list()
    names = _event_names(data, as_of) if needs_all_event_names(plan, segments) else []
    occurrences = _key_occurrences(data, accounts, key_events(plan), as_of)
    activity = _activity(data, low, as_of)
    touches = _touches(data, accounts, as_of)
    users = data.lazy("users").select("user_id", "role", "team").collect()
    sets = event_sets(plan, segments, names)
    return Context(
        plan=plan,
        as_of=as_of,
        since=since,
        accounts=accounts,
        first_events=_collect(
            occurrences.lazy()
            .group_by(ACCOUNT, "event")
            .agg(pl.col("timestamp").min().alias("first_at"))
        ),
        milestones=occurrences,
        activity=activity,
        sponsor_days=_sponsor_days(activity, touches, accounts, users, plan, low),
        touch_days=_touch_days(touches, low),
        csat=_csat(touches),
        touches=touches,
        users=users,
        sets=sets,
        sizes=set_sizes(sets, segments),
    )
