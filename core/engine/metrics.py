"""Per-account facts behind the scorecard: one row per started account at ctx.as_of.

Columns added to the score facts (see score.score_facts): activated, completed,
feature_share, expansion flags, teams_active, csat_sum / csat_n, km_time / km_event and
at_risk. Each comes from a small LazyFrame step so the scorecard, the cohort view and the
expansion list aggregate the same numbers.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from core.engine.frames import ACCOUNT, DELTA_DAYS, Context, day_start, days_between, names_by
from core.engine.score import active_user_pairs, facts_at
from core.engine.signals import AT_RISK_ACTIONS, SIGNAL_AGE_DAYS
from core.engine.targets import event_sets, needs_all_event_names, set_sizes

SEAT_LIMIT_SHARE = 0.9  # docs/metrics.md: active users / licensed_seats >= 0.9 is expansion-ready
RETENTION_DAYS = 90


def _with_segment(ctx: Context, frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.join(ctx.accounts.lazy().select(ACCOUNT, "segment"), on=ACCOUNT)


def _count_in_set(ctx: Context, frame: pl.LazyFrame, kind: str, name: str) -> pl.LazyFrame:
    """account_id, <name>: how many distinct events of the segment's `kind` list are in frame,
    which holds distinct (account_id, event) pairs (so counting rows counts events; a
    per-group n_unique cost four times as much).

    With one list for every segment, a plain is_in replaces the join on segment; accounts
    without a segment (which have no list) are zeroed in account_metrics either way.
    """
    common = ctx.common_events(kind)
    if common is not None:
        frame = frame.filter(pl.col("event").is_in(common))
    else:
        frame = _with_segment(ctx, frame).join(
            ctx.event_set(kind), on=["segment", "event"], how="semi"
        )
    return frame.group_by(ACCOUNT).agg(pl.len().cast(pl.Int64).alias(name))


def _first_events(ctx: Context, at: date) -> pl.LazyFrame:
    """The key events' first occurrences dated on or before `at` (ctx.first_events holds
    those up to ctx.as_of: the first one on or before an earlier date is the same)."""
    first = ctx.first_events.lazy()
    if at == ctx.as_of:
        return first
    return first.filter(pl.col("first_at") < day_start(at + timedelta(days=1)))


def _activation(ctx: Context, at: date) -> pl.LazyFrame:
    """Activation events whose first occurrence is within the account's segment's
    activation_window_days of start."""
    deadline = pl.col("start_date") + pl.duration(days=pl.col("activation_window_days"))
    in_time = (
        _first_events(ctx, at)
        .join(
            ctx.accounts.lazy().select(ACCOUNT, "start_date", "activation_window_days"), on=ACCOUNT
        )
        .filter(pl.col("first_at").dt.date() <= deadline)
        .select(ACCOUNT, "event")
    )
    return _count_in_set(ctx, in_time, "activation", "activation_done")


def _completion(ctx: Context, at: date) -> pl.LazyFrame:
    return _count_in_set(ctx, _first_events(ctx, at), "milestone", "milestones_done")


def _window_sets(ctx: Context, at: date) -> list[pl.LazyFrame]:
    """Feature and expansion events used in the last window_days (distinct pairs of account
    and event, deduplicated on the activity's categorical event codes)."""
    recent = (
        ctx.window(at=at)
        .select(ACCOUNT, "event")
        .unique()
        .with_columns(pl.col("event").cast(pl.String))
    )
    features, expansion = ctx.common_events("feature"), ctx.common_events("expansion")
    if features is not None and expansion is not None:
        event = pl.col("event")
        return [
            recent.group_by(ACCOUNT).agg(
                event.is_in(features).sum().cast(pl.Int64).alias("features_used"),
                event.is_in(expansion).sum().cast(pl.Int64).alias("expansion_events"),
            )
        ]
    recent = recent.collect().lazy()
    return [
        _count_in_set(ctx, recent, "feature", "features_used"),
        _count_in_set(ctx, recent, "expansion", "expansion_events"),
    ]


def _teams(ctx: Context, at: date) -> pl.LazyFrame:
    """Distinct non-empty teams of the users active in the last window_days."""
    team = pl.col("team")
    teams = ctx.users.select("user_id", "team").filter(team.is_not_null() & (team != ""))
    return (
        active_user_pairs(ctx, at)
        .join(teams, on="user_id")
        .group_by(ACCOUNT)
        .agg(team.n_unique().cast(pl.Int64).alias("teams_active"))
    )


def _sized(ctx: Context, kind: str, name: str, at: date) -> pl.LazyFrame:
    if at == ctx.as_of or ctx.event_firsts is None:
        return ctx.size(kind).rename({"n_events": name})
    # A feature list of "every event" holds the names seen by `at`, fewer than by as_of.
    segments = ctx.sizes.get_column("segment").unique().to_list()
    sets = event_sets(ctx.plan, segments, names_by(ctx.event_firsts, at))
    sizes = set_sizes(sets, segments).lazy().filter(pl.col("kind") == kind)
    return sizes.select("segment", pl.col("n_events").alias(name))


def _derived() -> list[pl.Expr]:
    """Flags and shares from the joined counts; see docs/metrics.md, Scorecard."""
    age, seats = pl.col("age_days"), pl.col("licensed_seats")
    seat_share = pl.when(seats > 0).then(pl.col("active_users") / seats)
    churn, start = pl.col("churn_date"), pl.col("start_date")
    return [
        (pl.col("activation_done") >= pl.col("n_activation")).alias("activated"),
        (pl.col("milestones_done") >= pl.col("n_milestone")).alias("completed"),
        pl.when(pl.col("n_feature") > 0)
        .then(pl.col("features_used") / pl.col("n_feature"))
        .alias("feature_share"),
        seat_share.alias("seat_share"),
        (seat_share >= SEAT_LIMIT_SHARE).fill_null(False).alias("seat_limit"),
        (pl.col("expansion_events") > 0).alias("expansion_event"),
        (pl.col("teams_active") >= 2).alias("multi_team"),
        (churn.is_null() | (churn > start + pl.duration(days=RETENTION_DAYS))).alias(
            "retained_90d"
        ),
        (~pl.col("churned") & (age >= SIGNAL_AGE_DAYS)).alias("live_30d"),
        pl.col("action").is_in(AT_RISK_ACTIONS).fill_null(False).alias("at_risk"),
    ]


def _km() -> list[pl.Expr]:
    """Kaplan-Meier time and event flag: first value is the event; others are censored at
    age_days, or at churn when the account churned (on or before as_of) earlier."""
    churn_age = days_between(pl.col("churn_date"), pl.col("start_date"))
    censor = pl.when(pl.col("churned")).then(pl.min_horizontal(churn_age, pl.col("age_days")))
    return [
        pl.col("fv_date").is_not_null().alias("km_event"),
        pl.coalesce(pl.col("ttv_days"), censor.otherwise(pl.col("age_days"))).alias("km_time"),
    ]


def account_metrics(ctx: Context, at: date | None = None) -> pl.LazyFrame:
    """Every per-account input of the scorecard, one row per started account at as_of.

    Computed once per Context: the scorecard, cohorts, expansion list, CSM load and
    what-if all aggregate the same 100,000-row frame instead of re-running its joins.

    `at`: an earlier analysis date the context covers (see covers), for the same frame a
    context built at `at` gives: the Scorecards' change since a month before comes from the
    context of the chosen date, which then reads the events once instead of twice.
    """
    at = ctx.as_of if at is None else at
    key: object = "account_metrics" if at == ctx.as_of else ("account_metrics", at)
    if key not in ctx.cache:
        if not covers(ctx, at):
            raise ValueError(f"the context of {ctx.as_of} does not cover {at}")
        ctx.cache[key] = _account_metrics(ctx, at).collect(engine="streaming")
    return ctx.cache[key].lazy()


def covers(ctx: Context, at: date) -> bool:
    """Whether account_metrics(ctx, at) equals that of a context built at `at`: `at` and the
    week before it lie in the context's dates, and a feature list of "every event" (whose
    size is the number of event names seen by the date) can be sized at `at` from the
    names' first dates (kept from the rollups, Context.event_firsts)."""
    if at == ctx.as_of:
        return True
    in_range = ctx.since <= at - timedelta(days=DELTA_DAYS) and at <= ctx.as_of
    sized = ctx.event_firsts is not None or not needs_all_event_names(ctx.plan, ctx.plan.segments)
    return in_range and sized


def _account_metrics(ctx: Context, at: date) -> pl.LazyFrame:
    frame = facts_at(ctx, at)
    if at != ctx.as_of:  # first occurrences up to `at` only, as a context built then has
        firsts = pl.col("fv_at", r"^__first\d+$")  # and the journey signals' (not_reached)
        frame = frame.with_columns(
            pl.when(firsts < day_start(at + timedelta(days=1))).then(firsts).name.keep()
        )
    counts = [
        _activation(ctx, at),
        _completion(ctx, at),
        *_window_sets(ctx, at),
        _teams(ctx, at),
        ctx.csat_until(at),
    ]
    for part in counts:
        frame = frame.join(part, on=ACCOUNT, how="left")
    for kind, name in (
        ("activation", "n_activation"),
        ("milestone", "n_milestone"),
        ("feature", "n_feature"),
    ):
        frame = frame.join(_sized(ctx, kind, name, at), on="segment", how="left")
    zero = [
        "activation_done",
        "milestones_done",
        "features_used",
        "expansion_events",
        "teams_active",
        "csat_n",
        "n_activation",
        "n_milestone",
        "n_feature",
    ]
    listed = ["activation_done", "milestones_done", "features_used", "expansion_events"]
    return (
        frame.with_columns(pl.col(zero).fill_null(0))
        .with_columns(pl.when(pl.col("segment").is_not_null()).then(pl.col(listed)).otherwise(0))
        .with_columns(_derived())
        .with_columns(_km())
    )
