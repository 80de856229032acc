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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import polars as pl

from core.data.rollups import EventRollups
from core.engine.tables import Tables, default_as_of, rollups_in
from core.engine.targets import (
    event_sets,
    key_events,
    needs_all_event_names,
    segment_targets,
    set_sizes,
)
from core.model.contract import segment_from_contract_value
from core.model.dataset import dated_rows, in_range
from core.model.plan import MeasurementPlan

DELTA_DAYS = 7
DATE = pl.col("date")
TIMESTAMP = pl.col("timestamp")
ACCOUNT = "account_id"
SIGNAL_DAYS = pl.Schema({ACCOUNT: pl.String, "event": pl.String, "date": pl.Date})


@dataclass(frozen=True)
class Context:
    """Everything the metrics need, computed once per (data, plan, as_of).

    accounts: started accounts (start_date <= as_of) with their segment targets.
    first_events: account_id, event, first_at: first occurrence on or after start_date of
        every key event (first value, activation, milestones), dated <= as_of.
    milestones: account_id, event (Enum of the key events), timestamp: every such occurrence
        of a key event (funnel).
    activity: account_id, user_id, event (Categorical), date: every event dated from
        `since - window_days + 1` to as_of (the rolling windows of every analysis date).
    sponsor_days: account_id, date: days with an event or touch by an exec_sponsor user,
        on or after start_date + kickoff_days, in the same range.
    touch_days: account_id, date, touches, tickets: daily touch counts, same range.
    csat: account_id, csat_sum, csat_n over every touch dated <= as_of.
    touches: every touch of a started account dated <= as_of, lazily (attribution).
    users: user_id, role, team, lazily (the scorecard's active teams read it once).
    sets / sizes: the segment event lists as (segment, kind, event) and their sizes.
    cache: results memoised per Context (score facts shared by score and scorecard).
    signal_days: account_id, event, date: distinct days with an event of a journey signal
        of the `inactive` rule, far enough back for its longest window at `since`.
    dates: earlier analysis dates the caller will also ask for (build_context's `also`):
        their facts are computed in the same passes as as_of's (score._delta_dates).
    event_firsts: event, first_at of every event name (from the rollups), kept when some
        feature list is "every event" and `also` is given: the list's size at an earlier
        date counts the names seen by then.
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
    users: pl.LazyFrame
    sets: pl.DataFrame
    sizes: pl.DataFrame
    cache: dict[object, pl.DataFrame] = field(default_factory=dict, compare=False, repr=False)
    signal_days: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SIGNAL_DAYS))
    dates: tuple[date, ...] = ()
    event_firsts: pl.DataFrame | None = None

    def event_set(self, kind: str) -> pl.LazyFrame:
        """(segment, event) pairs of one list kind, for joins."""
        return self.sets.lazy().filter(pl.col("kind") == kind).select("segment", "event")

    def common_events(self, kind: str) -> list[str] | None:
        """The event list of one kind when every segment present has the same one (the usual
        case: no per-segment overrides), so counts can skip joining on segment; else None."""
        lists = (
            self.sets.filter(pl.col("kind") == kind)
            .group_by("segment")
            .agg(pl.col("event").sort())
            .get_column("event")
            .to_list()
        )
        segments = self.sizes.get_column("segment").n_unique()
        if len(lists) != segments or any(lst != lists[0] for lst in lists):
            return None if segments else []
        return lists[0] if lists else []

    def size(self, kind: str) -> pl.LazyFrame:
        """(segment, n_events) of one list kind."""
        return self.sizes.lazy().filter(pl.col("kind") == kind).select("segment", "n_events")

    def window(self, days: int | None = None, at: date | None = None) -> pl.LazyFrame:
        """Activity rows in the last `days` (default window_days) up to as_of (or up to
        `at`, an earlier date whose window the activity covers: `since` or later)."""
        days = self.plan.window_days if days is None else days
        rows = self.activity.lazy()
        if at is None or at == self.as_of:
            return rows.filter(DATE >= self.as_of - timedelta(days=days - 1))
        return rows.filter(DATE.is_between(at - timedelta(days=days - 1), at))

    def csat_until(self, at: date) -> pl.LazyFrame:
        """account_id, csat_sum, csat_n over every touch dated on or before `at`."""
        if at == self.as_of:
            return self.csat.lazy()
        return csat_of(self.touches.filter(TIMESTAMP < day_start(at + timedelta(days=1))))


def days_between(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    """Whole calendar days from `earlier` to `later` (both Date), as Int64."""
    return (later - earlier).dt.total_days().cast(pl.Int64)


def started_accounts(
    data: Tables | pl.DataFrame, plan: MeasurementPlan, as_of: date
) -> pl.DataFrame:
    """Accounts that started on or before as_of, with the targets of their segment
    (from the tables, or from an accounts frame already read)."""
    frame = data.lazy() if isinstance(data, pl.DataFrame) else data.lazy("accounts")
    return (
        frame.filter(pl.col("start_date") <= as_of)
        .with_columns(
            pl.col("account_name").fill_null(pl.col(ACCOUNT)),
            pl.col("segment").fill_null(segment_from_contract_value()),
            days_between(pl.lit(as_of), pl.col("start_date")).alias("age_days"),
            (pl.col("churn_date").is_not_null() & (pl.col("churn_date") <= as_of)).alias("churned"),
        )
        .join(segment_targets(plan).lazy(), on="segment", how="left")
        .with_columns(pl.col("activation_window_days").fill_null(plan.activation_window_days))
        .collect()
    )


def day_start(day: date) -> datetime:
    """Midnight (UTC, naive) opening `day`: filters on the raw timestamp instead of its date
    let the Parquet reader skip whole row groups by their min/max statistics."""
    return datetime.combine(day, time())


def dated_between(low: date | None, high: date) -> pl.Expr:
    """Rows whose UTC date lies in [low, high] (no lower bound when low is None)."""
    return in_range(TIMESTAMP, day_start(low) if low else None, _day_after(high))


def _day_after(day: date) -> datetime:
    return day_start(day + timedelta(days=1))


def dated(data: Tables, table: str, low: date | None, high: date) -> pl.LazyFrame:
    """The table's rows whose UTC date lies in [low, high], filtered where the tables can do
    it cheapest (core.model.dataset.dated_rows)."""
    return dated_rows(data, table, day_start(low) if low else None, _day_after(high))


def _events(data: Tables, as_of: date, low: date | None = None) -> pl.LazyFrame:
    return (
        dated(data, "events", low, as_of)
        .select(ACCOUNT, "user_id", "event", "timestamp")
        .with_columns(TIMESTAMP.dt.date().alias("date"))
    )


def _collect(frame: pl.LazyFrame) -> pl.DataFrame:
    """Streaming keeps peak memory to the result, not the scanned table."""
    return frame.collect(engine="streaming")


def _collect_all(frames: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Independent scans side by side on the cores. Without common-subplan elimination: it
    would merge the scans of one file into a single wider one that buffers every column
    for all consumers (measured: 680 MB instead of 205 MB peak, and slower)."""
    separate = pl.QueryOptFlags(comm_subplan_elim=False)
    return pl.collect_all(frames, engine="streaming", optimizations=separate)


def event_names(data: Tables, as_of: date, known: Iterable[str] = ()) -> list[str]:
    """Every distinct event name with an event dated on or before as_of.

    `known` are names already seen dated on or before as_of (in the activity window, among
    the key events). Keeping only rows with other names is evaluated on the column's
    dictionary and costs a tenth of grouping 20M names, and usually nothing is left: only
    names found that way need their dates checked.
    """
    seen = sorted({e for e in known if e is not None})
    events = data.lazy("events").select("event", "timestamp")
    others = _collect(events.filter(~pl.col("event").is_in(seen)).select(pl.col("event").unique()))
    extra = [e for e in others.get_column("event").to_list() if e is not None]
    if extra:
        found = _collect(
            dated(data, "events", None, as_of)
            .filter(pl.col("event").is_in(extra))
            .group_by("event")
            .len()
        )
        seen += found.get_column("event").to_list()
    return sorted(seen)


CODE = "__code"  # an account's row number in the accounts table: a cheap integer key


def _key_query(
    data: Tables, accounts: pl.LazyFrame, keys: list[str], as_of: date | None
) -> pl.LazyFrame:
    """Every key event on or after its account's start date (and dated <= as_of when given:
    with the default as_of every event qualifies, so this scan need not wait for it), with
    the account's CODE and the event as an Enum of `keys` (for integer group-bys)."""
    events = data.lazy("events") if as_of is None else dated(data, "events", None, as_of)
    events = events.select(ACCOUNT, "event", "timestamp").filter(pl.col("event").is_in(keys))
    starts = accounts.select(ACCOUNT, "start_date").with_row_index(CODE)
    return (
        events.join(starts, on=ACCOUNT, how="inner")
        .filter(TIMESTAMP.dt.date() >= pl.col("start_date"))
        .select(CODE, ACCOUNT, pl.col("event").cast(pl.Enum(keys)), "timestamp")
    )


def _first_events(occurrences: pl.DataFrame, ids: pl.Series, keys: list[str]) -> pl.DataFrame:
    """account_id, event, first_at: grouped on one integer (account code, event code) key,
    several times faster than grouping on the two strings."""
    width = max(len(keys), 1)
    key = pl.col(CODE).cast(pl.UInt64) * width + pl.col("event").to_physical().cast(pl.UInt64)
    firsts = (
        occurrences.lazy()
        .group_by(key.alias("__key"))
        .agg(pl.col("timestamp").min().alias("first_at"))
        .collect()
    )
    codes = firsts.get_column("__key")
    return pl.DataFrame(
        {
            ACCOUNT: ids.gather(codes // width),
            "event": pl.Series(keys, dtype=pl.String).gather(codes % width),
            "first_at": firsts.get_column("first_at"),
        }
    )


def _activity(data: Tables, low: date, as_of: date) -> pl.LazyFrame:
    """Events dated in [low, as_of]: the rolling windows' raw material. Rows of accounts
    that have not started drop out where they meet the accounts (every use joins them).
    The few event names are kept as categories: a quarter of the memory of strings, and
    distinct (account, event) pairs come twice as fast."""
    return _events(data, as_of, low).select(
        ACCOUNT, "user_id", pl.col("event").cast(pl.Categorical), "date"
    )


def _touches(
    data: Tables, accounts: pl.DataFrame, as_of: date, low: date | None = None
) -> pl.LazyFrame:
    """Touches of started accounts dated in [low, as_of] (no lower bound when low is None)."""
    return (
        dated(data, "touches", low, as_of)
        .with_columns(TIMESTAMP.dt.date().alias("date"))
        .join(accounts.lazy().select(ACCOUNT), on=ACCOUNT, how="semi")
    )


def _sponsor_days(
    activity: pl.DataFrame,
    touches: pl.LazyFrame,
    accounts: pl.DataFrame,
    users: pl.LazyFrame,
    plan: MeasurementPlan,
) -> pl.DataFrame:
    """Days with any event or touch by an executive sponsor, after the kickoff period."""
    sponsors = users.filter(pl.col("role") == "exec_sponsor").select("user_id")
    cols = [ACCOUNT, "user_id", "date"]
    both = pl.concat([activity.lazy().select(cols), touches.select(cols)])
    kickoff = pl.col("start_date") + pl.duration(days=plan.kickoff_days)
    return _collect(
        both.join(sponsors, on="user_id", how="semi")
        .join(accounts.lazy().select(ACCOUNT, "start_date"), on=ACCOUNT)
        .filter(DATE >= kickoff)
        .select(ACCOUNT, "date")
        .unique()
    )


def _signal_days(
    data: Tables,
    plan: MeasurementPlan,
    since: date,
    as_of: date,
    activity: tuple[pl.DataFrame, date],
) -> pl.DataFrame:
    """Days with an event of an `inactive` journey signal, from the start of the longest
    window of the earliest analysis date (none read when the plan has no such signal).
    `activity` is the context's activity and the first day it holds: when the longest
    window fits in it (usually: a signal's window is shorter than the activity window), the
    days come from it instead of another pass over every event (0.24 s a context with 20M
    events in memory)."""
    inactive = [s for s in plan.signals if s.rule == "inactive"]
    if not inactive:
        return pl.DataFrame(schema=SIGNAL_DAYS)
    low = since - timedelta(days=max(s.window_days for s in inactive) - 1)
    frame, first_day = activity
    rows = frame.lazy().filter(DATE >= low) if low >= first_day else _events(data, as_of, low)
    names = sorted({s.event for s in inactive})
    return _collect(
        rows.filter(pl.col("event").cast(pl.String).is_in(names))
        .select(ACCOUNT, pl.col("event").cast(pl.String), "date")
        .unique()
    )


def _touch_days(touches: pl.LazyFrame) -> pl.LazyFrame:
    return touches.group_by(ACCOUNT, "date").agg(
        pl.len().cast(pl.Int64).alias("touches"),
        (pl.col("channel") == "ticket").sum().cast(pl.Int64).alias("tickets"),
    )


def csat_of(touches: pl.LazyFrame) -> pl.LazyFrame:
    """Touches without an answer add nothing to a mean; most touches have none."""
    return (
        touches.filter(pl.col("csat").is_not_null())
        .group_by(ACCOUNT)
        .agg(
            pl.col("csat").sum().alias("csat_sum"),
            pl.col("csat").count().cast(pl.Int64).alias("csat_n"),
        )
    )


def _raw_keys(
    data: Tables, all_accounts: pl.DataFrame, keys: list[str], as_of: date | None
) -> tuple[date, pl.DataFrame]:
    """The analysis date and the key events' occurrences, from the raw events. With the
    default as_of the scan for the latest date runs beside the key events (which do not
    depend on it)."""
    key_query = _key_query(data, all_accounts.lazy(), keys, as_of)
    if as_of is not None:
        return as_of, _collect(key_query)
    latest = data.lazy("events").select(TIMESTAMP.max().alias("last"))
    found, occurrences = _collect_all([latest, key_query])
    last = found.item()
    return (last.date() if isinstance(last, datetime) else default_as_of(data)), occurrences


def _rolled_keys(
    data: Tables,
    rollups: EventRollups,
    all_accounts: pl.DataFrame,
    keys: list[str],
    as_of: date | None,
) -> tuple[date, pl.DataFrame]:
    """The same from the version's rollups: the latest event is stored, and the key events'
    occurrences over every account (on or after its start) are computed once per key list
    and then only cut to the accounts and the date."""
    if as_of is None:
        last = rollups.latest
        as_of = last.date() if last is not None else default_as_of(data)
    every = rollups.memo(
        ("key_occurrences", tuple(keys)),
        lambda: _collect(_key_query(data, rollups.starts.lazy(), keys, None)),
    )
    dated = every.lazy().filter(dated_between(None, as_of))
    ids = all_accounts.get_column(ACCOUNT)
    if ids.equals(rollups.starts.get_column(ACCOUNT)):
        # Every account of the version, in its order (no filter): the codes are already the
        # accounts' row numbers, and the join that renumbers them would keep every row.
        return as_of, dated.collect()
    mine = ids.to_frame().lazy().with_row_index(CODE)
    occurrences = (
        dated.drop(CODE)
        .join(mine, on=ACCOUNT, how="inner")
        .select(CODE, ACCOUNT, "event", "timestamp")
        .collect()
    )
    return as_of, occurrences


def _rolled_first_events(
    rollups: EventRollups, all_accounts: pl.DataFrame, keys: list[str], as_of: date
) -> pl.DataFrame:
    """account_id, event, first_at of the key events, first dated on or before as_of."""
    first = pl.col("first_at")
    return (
        rollups.first_events.lazy()
        .filter(pl.col("event").is_in(keys) & (first < day_start(as_of + timedelta(days=1))))
        .join(all_accounts.lazy().select(ACCOUNT), on=ACCOUNT, how="semi")
        .collect()
    )


def _rolled_names(rollups: EventRollups, as_of: date) -> list[str]:
    """Every distinct event name with an event dated on or before as_of (as event_names)."""
    return names_by(rollups.event_names, as_of)


def build_context(
    data: Tables,
    plan: MeasurementPlan,
    as_of: date | None = None,
    since: date | None = None,
    rollups: EventRollups | None = None,
    also: Sequence[date] = (),
) -> Context:
    """Read and cut down the tables once; `since` is the earliest analysis date needed
    (default as_of - 7, for score_delta_7d). `also`: earlier analysis dates whose scorecard
    the caller will ask this context for (metrics.account_metrics with `at`); `since` then
    reaches the week before the earliest.

    The key events first (with the default as_of, the latest date); then the recent
    activity, touches and users, whose filters need as_of; the event names (when a feature
    list is "every event") come last, nearly free once the activity window has shown most
    of them. With `rollups` (core.data.rollups, of the same data version as `data`) the
    passes over every event are replaced by the stored rollups: the results are the same.
    """
    rollups = rollups or rollups_in(data)
    all_accounts = data.lazy("accounts").collect()
    keys = key_events(plan)
    if rollups is None:
        as_of, occurrences = _raw_keys(data, all_accounts, keys, as_of)
    else:
        as_of, occurrences = _rolled_keys(data, rollups, all_accounts, keys, as_of)
    since = min([since or as_of, *(d - timedelta(days=DELTA_DAYS) for d in (as_of, *also))])
    low = since - timedelta(days=plan.window_days - 1)
    accounts = started_accounts(all_accounts, plan, as_of)
    segments = accounts.get_column("segment").drop_nulls().unique().to_list()
    touches = _touches(data, accounts, as_of)
    recent_touches = _touches(data, accounts, as_of, low)
    activity, touch_days, csat = (
        _collect(query)  # one at a time: side by side they held 45 MB more at the peak
        for query in (_activity(data, low, as_of), _touch_days(recent_touches), csat_of(touches))
    )
    # Not read here: the score needs only the sponsors among them (_sponsor_days), and
    # reading every user of 3.5M (10-60 an account) cost 0.4 s and 86 MB a context.
    users = data.lazy("users").select("user_id", "role", "team")
    names: list[str] = []
    if rollups is not None:
        first_events = _rolled_first_events(rollups, all_accounts, keys, as_of)
        if needs_all_event_names(plan, plan.segments):
            names = _rolled_names(rollups, as_of)
    else:
        first_events = _first_events(occurrences, all_accounts.get_column(ACCOUNT), keys)
    if rollups is None and needs_all_event_names(plan, plan.segments):
        known = pl.concat(
            [
                activity.get_column("event").cast(pl.String).unique(),
                occurrences.get_column("event").cast(pl.String).unique(),
            ]
        )
        names = event_names(data, as_of, known.to_list())
    sets = event_sets(plan, segments, names)
    return Context(
        plan=plan,
        as_of=as_of,
        since=since,
        accounts=accounts,
        first_events=first_events,
        milestones=occurrences.select(ACCOUNT, "event", "timestamp"),
        activity=activity,
        sponsor_days=_sponsor_days(activity, recent_touches, accounts, users, plan),
        touch_days=touch_days,
        csat=csat,
        touches=touches,
        users=users,
        sets=sets,
        sizes=set_sizes(sets, segments),
        signal_days=_signal_days(data, plan, since, as_of, (activity, low)),
        dates=tuple(sorted({d for d in also if d < as_of})),
        event_firsts=_event_firsts(rollups, plan) if also else None,
    )


def _event_firsts(rollups: EventRollups | None, plan: MeasurementPlan) -> pl.DataFrame | None:
    if rollups is None or not needs_all_event_names(plan, plan.segments):
        return None
    return rollups.event_names.select("event", "first_at")


def names_by(event_firsts: pl.DataFrame, at: date) -> list[str]:
    """Every event name with an event dated on or before `at` (as _rolled_names)."""
    first = pl.col("first_at")
    seen = event_firsts.filter(
        pl.col("event").is_not_null() & (first < day_start(at + timedelta(days=1)))
    )
    return sorted(seen.get_column("event").to_list())
