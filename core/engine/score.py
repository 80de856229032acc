"""Health score, action, at-risk list, score_delta_7d, reasons and weekly score history.

`score_facts` evaluates every signal for any list of analysis dates from one Context: the
score now and seven days earlier (the delta), every week since start (history) and every
30 days (backtest) are the same computation on a longer date list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from core.common.scalars import as_date
from core.engine import journey_signals
from core.engine.frames import ACCOUNT, DELTA_DAYS, Context, build_context, days_between
from core.engine.signals import (
    AT_RISK_ACTIONS,
    action_expr,
    fired_columns,
    penalty,
    score_expr,
    signals,
    signals_text,
)
from core.engine.tables import Tables
from core.engine.windows import as_of_grid, in_windows
from core.model.plan import MeasurementPlan

SCORE_COLUMNS: tuple[str, ...] = (
    "account_id",
    "account_name",
    "segment",
    "csm",
    "age_days",
    "contract_value",
    "ttv_days",
    "score",
    "action",
    "signals",
    "score_delta_7d",
)
KEYS = ["as_of", ACCOUNT]


def first_value_dates(ctx: Context) -> pl.LazyFrame:
    """account_id, fv_at: the first first-value event on or after start (up to ctx.as_of)."""
    return (
        ctx.first_events.lazy()
        .join(ctx.accounts.lazy().select(ACCOUNT, "segment"), on=ACCOUNT)
        .join(ctx.event_set("first_value"), on=["segment", "event"], how="semi")
        .group_by(ACCOUNT)
        .agg(pl.col("first_at").min().alias("fv_at"))
    )


def _grid(ctx: Context, as_ofs: Sequence[date]) -> pl.LazyFrame:
    """One row per (analysis date, account started by then), with age and churn at that date."""
    as_of = pl.col("as_of")
    return (
        ctx.accounts.lazy()
        .drop("age_days", "churned")
        .join(pl.LazyFrame(as_of_grid(as_ofs).to_frame()), how="cross")
        .filter(pl.col("start_date") <= as_of)
        .with_columns(
            days_between(as_of, pl.col("start_date")).alias("age_days"),
            (pl.col("churn_date").is_not_null() & (pl.col("churn_date") <= as_of)).alias("churned"),
        )
    )


WIDE_LIMIT = 8  # up to this many dates, one pass with a flag per date beats exploding rows


def user_flags(ctx: Context, as_ofs: Sequence[date]) -> pl.LazyFrame:
    """account_id, user_id, w0, w1, ...: for every non-empty user with an event in the
    activity range, whether it was active in each date's last window_days (dates sorted).

    One group-by serves the score (active users) and the scorecard (active teams), so it
    is computed once per Context and list of dates.
    """
    grid = as_of_grid(as_ofs).to_list()
    key = ("user_flags", tuple(grid))
    if key not in ctx.cache:
        user, date_ = pl.col("user_id"), pl.col("date")
        w = ctx.plan.window_days
        flags = [
            date_.is_between(a - timedelta(days=w - 1), a).any().alias(f"w{i}")
            for i, a in enumerate(grid)
        ]
        ctx.cache[key] = (
            ctx.activity.lazy()
            .filter(user.is_not_null() & (user != ""))
            .group_by(ACCOUNT, "user_id")
            .agg(flags)
            .collect(engine="streaming")
        )
    return ctx.cache[key].lazy()


def active_user_pairs(ctx: Context, at: date | None = None) -> pl.LazyFrame:
    """account_id, user_id of the users active in the last window_days up to `at` (default
    ctx.as_of; another date the context covers, see metrics.account_metrics)."""
    at = ctx.as_of if at is None else at
    grid = as_of_grid(_delta_dates(ctx, at)).to_list()
    now = f"w{grid.index(at)}"
    return user_flags(ctx, grid).filter(pl.col(now)).select(ACCOUNT, "user_id")


def _delta_dates(ctx: Context, at: date) -> list[date]:
    """`at` and the week before it (score_delta_7d), computed together; when `at` is the
    context's date or one of its other dates (ctx.dates), all of them and the weeks before
    them, so one pass over the context's rows serves every date a page asks for."""
    together = {ctx.as_of, *ctx.dates}
    wanted = together if at in together else {at}
    return sorted({d for x in wanted for d in (x, x - timedelta(days=DELTA_DAYS))})


def _active_users(ctx: Context, as_ofs: Sequence[date]) -> pl.LazyFrame:
    """as_of, account_id, active_users: distinct non-empty users with an event in each
    date's last window_days. Few dates: one group-by with a window flag per date."""
    user = pl.col("user_id")
    grid = as_of_grid(as_ofs).to_list()
    if len(grid) > WIDE_LIMIT:
        rows = ctx.activity.lazy().filter(user.is_not_null() & (user != ""))
        users = rows.select(ACCOUNT, "user_id", "date").unique()
        return (
            in_windows(users, grid, ctx.plan.window_days)
            .group_by(KEYS)
            .agg(user.n_unique().cast(pl.Int64).alias("active_users"))
        )
    counts = (
        user_flags(ctx, grid).group_by(ACCOUNT).agg(pl.col(f"w{i}").sum() for i in range(len(grid)))
    )
    return pl.concat(
        counts.select(
            pl.lit(a).alias("as_of"), ACCOUNT, pl.col(f"w{i}").cast(pl.Int64).alias("active_users")
        )
        for i, a in enumerate(grid)
    )


def _in_window(a: date, window: int) -> pl.Expr:
    return pl.col("date").is_between(a - timedelta(days=window - 1), a)


def _window_facts(ctx: Context, as_ofs: Sequence[date]) -> list[pl.LazyFrame]:
    """Active users, sponsor activity and touch counts in each date's last window_days.
    Few dates: one group-by per rollup with a column per date, instead of repeating rows."""
    w = ctx.plan.window_days
    grid = as_of_grid(as_ofs).to_list()
    if len(grid) > WIDE_LIMIT:
        sponsor = (
            in_windows(ctx.sponsor_days.lazy(), grid, w)
            .select(KEYS)
            .unique()
            .with_columns(pl.lit(True).alias("sponsor_active"))
        )
        touches = (
            in_windows(ctx.touch_days.lazy(), grid, w)
            .group_by(KEYS)
            .agg(pl.col("touches").sum(), pl.col("tickets").sum())
        )
        return [_active_users(ctx, grid), sponsor, touches]
    # Window columns computed before grouping: a filter inside `agg` runs per group and
    # was five times slower than these plain column sums.
    seen = (
        ctx.sponsor_days.lazy()
        .select(ACCOUNT, *(_in_window(a, w).alias(f"s{i}") for i, a in enumerate(grid)))
        .group_by(ACCOUNT)
        .max()
    )
    sponsor = pl.concat(
        seen.filter(pl.col(f"s{i}")).select(
            pl.lit(a).alias("as_of"), ACCOUNT, pl.lit(True).alias("sponsor_active")
        )
        for i, a in enumerate(grid)
    )
    counts = (
        ctx.touch_days.lazy()
        .select(
            ACCOUNT,
            *(
                pl.when(_in_window(a, w)).then(pl.col(column)).otherwise(0).alias(f"{prefix}{i}")
                for column, prefix in (("touches", "t"), ("tickets", "k"))
                for i, a in enumerate(grid)
            ),
        )
        .group_by(ACCOUNT)
        .sum()
    )
    touches = pl.concat(
        counts.filter(pl.col(f"t{i}") > 0).select(
            pl.lit(a).alias("as_of"),
            ACCOUNT,
            pl.col(f"t{i}").cast(pl.Int64).alias("touches"),
            pl.col(f"k{i}").cast(pl.Int64).alias("tickets"),
        )
        for i, a in enumerate(grid)
    )
    return [_active_users(ctx, grid), sponsor, touches]


def score_facts(ctx: Context, as_ofs: Sequence[date]) -> pl.LazyFrame:
    """Per (as_of, account): the facts, fired signals, score and action at that date.

    Every date must lie in [ctx.since, ctx.as_of], the range the Context's rollups cover.
    Computed once per Context and list of dates, then reused.
    """
    key = ("score_facts", tuple(as_of_grid(as_ofs).to_list()))
    if key not in ctx.cache:
        ctx.cache[key] = _score_facts(ctx, as_ofs).collect(engine="streaming")
    return ctx.cache[key].lazy()


def current_facts(ctx: Context) -> pl.LazyFrame:
    """Score facts at ctx.as_of (computed together with as_of - 7, which the delta needs)."""
    return facts_at(ctx, ctx.as_of)


def facts_at(ctx: Context, at: date) -> pl.LazyFrame:
    """Score facts at `at`, a date in [ctx.since + 7 days, ctx.as_of] (with `at` - 7)."""
    both = score_facts(ctx, _delta_dates(ctx, at))
    return both.filter(pl.col("as_of") == at)


def _score_facts(ctx: Context, as_ofs: Sequence[date]) -> pl.LazyFrame:
    outside = [d for d in as_ofs if not ctx.since <= d <= ctx.as_of]
    if outside:
        raise ValueError(f"analysis dates {outside} are outside {ctx.since}..{ctx.as_of}")
    frame = _grid(ctx, as_ofs).join(first_value_dates(ctx), on=ACCOUNT, how="left")
    for facts in _window_facts(ctx, as_ofs):
        frame = frame.join(facts, on=KEYS, how="left")
    for facts, keys in journey_signals.raw_facts(ctx, as_ofs):
        frame = frame.join(facts, on=keys, how="left")
    fv_seen = pl.col("fv_at").dt.date() <= pl.col("as_of")
    fv_date = pl.when(fv_seen).then(pl.col("fv_at").dt.date())
    return (
        frame.with_columns(
            fv_date.alias("fv_date"),
            pl.col("active_users", "touches", "tickets").fill_null(0),
            pl.col("sponsor_active").fill_null(False),
        )
        .with_columns(days_between(pl.col("fv_date"), pl.col("start_date")).alias("ttv_days"))
        .with_columns(fired_columns(ctx.plan))
        .with_columns(score_expr(ctx.plan).alias("score"))
        .with_columns(action_expr(ctx.plan).alias("action"))
    )


def score_table(ctx: Context) -> pl.DataFrame:
    """The `score` output: every started account, docs/metrics.md columns, by account_id."""
    earlier = ctx.as_of - timedelta(days=DELTA_DAYS)
    facts = score_facts(ctx, _delta_dates(ctx, ctx.as_of))
    now = facts.filter(pl.col("as_of") == ctx.as_of)
    before = facts.filter(pl.col("as_of") == earlier).select(
        ACCOUNT, pl.col("score").alias("score_before")
    )
    return (
        now.join(before, on=ACCOUNT, how="left")
        .with_columns(
            signals_text(ctx.plan).alias("signals"),
            (pl.col("score") - pl.col("score_before")).alias("score_delta_7d"),
        )
        .select(SCORE_COLUMNS)
        .sort(ACCOUNT)
        .collect()
    )


def at_risk_table(scores: pl.DataFrame) -> pl.DataFrame:
    """Accounts to act on (executive or escalate): worst score first, then biggest contract."""
    return scores.filter(pl.col("action").is_in(AT_RISK_ACTIONS)).sort(
        ["score", "contract_value", ACCOUNT],
        descending=[False, True, False],
        nulls_last=True,
    )


def reasons_table(ctx: Context) -> pl.DataFrame:
    """account_id, signal, penalty, reason: one row per fired signal, in signal order
    (journey signals after the built-in ones, by their name from the map)."""
    facts = current_facts(ctx)
    parts = [
        facts.filter(pl.col(s.name)).select(
            ACCOUNT,
            pl.lit(s.name).alias("signal"),
            pl.lit(penalty(ctx.plan, s.name), pl.Int64).alias("penalty"),
            s.reason(penalty(ctx.plan, s.name)).alias("reason"),
        )
        for s in signals(ctx.plan)
    ]
    parts += [
        facts.filter(pl.col(journey_signals.signal_column(name))).select(
            ACCOUNT,
            pl.lit(name).alias("signal"),
            journey_signals.penalty_of(ctx.plan, name).cast(pl.Int64).alias("penalty"),
            journey_signals.reason_of(ctx.plan, name).alias("reason"),
        )
        for name in journey_signals.names(ctx.plan)
    ]
    names = list(ctx.plan.signal_names())
    order = pl.col("signal").replace_strict(names, list(range(len(names))))
    # In memory: polars 2.1's streaming engine panics ("i < self.len()") on these string
    # formats for some inputs; the frame is one row per account, so nothing is lost.
    return pl.concat(parts).sort(ACCOUNT, order).collect(engine="in-memory")


def explained_scores(ctx: Context) -> pl.DataFrame:
    """The score table plus `reasons`: every fired signal in words with its penalty."""
    # Joined from reasons_table rather than built with one concat_str over when/then
    # branches: that form panics in polars 2.1's streaming engine ("i < self.len()").
    reasons = (
        reasons_table(ctx)
        .group_by(ACCOUNT, maintain_order=True)
        .agg(pl.col("reason").str.join("; ").alias("reasons"))
    )
    return (
        score_table(ctx)
        .join(reasons, on=ACCOUNT, how="left")
        .with_columns(pl.col("reasons").fill_null(""))
    )


def weekly_dates(as_of: date, first: date) -> list[date]:
    """as_of, as_of - 7, ... back to the first date on or after `first`."""
    weeks = max(0, (as_of - first).days // 7)
    return [as_of - timedelta(days=7 * k) for k in range(weeks + 1)]


def history_table(ctx: Context, account_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """account_id, as_of, score, action, signals: weekly since each account's start.

    The grid is anchored on as_of so the last two points give score_delta_7d. The Context
    must cover the dates (build it with `since` = the earliest start date).
    """
    accounts = ctx.accounts
    if account_ids is not None:
        accounts = accounts.filter(pl.col(ACCOUNT).is_in(list(account_ids)))
    if accounts.is_empty():
        return pl.DataFrame(
            schema={
                ACCOUNT: pl.String,
                "as_of": pl.Date,
                "score": pl.Int64,
                "action": pl.String,
                "signals": pl.String,
            }
        )
    first = max(as_date(accounts.get_column("start_date").min()) or ctx.since, ctx.since)
    sub = replace(ctx, accounts=accounts, cache={})
    return (
        score_facts(sub, weekly_dates(ctx.as_of, first))
        .select(ACCOUNT, "as_of", "score", "action", signals_text(ctx.plan).alias("signals"))
        .sort(ACCOUNT, "as_of")
        .collect()
    )


# ---------------------------------------------------------------- one-call entry points


def score(data: Tables, plan: MeasurementPlan, as_of: date | None = None) -> pl.DataFrame:
    """Score every started account; SCORE_COLUMNS (docs/metrics.md), sorted by account_id."""
    return score_table(build_context(data, plan, as_of))


def at_risk(data: Tables, plan: MeasurementPlan, as_of: date | None = None) -> pl.DataFrame:
    """The at-risk list: SCORE_COLUMNS, executive/escalate only, in docs/metrics.md order."""
    return at_risk_table(score(data, plan, as_of))


def score_history(
    data: Tables,
    plan: MeasurementPlan,
    as_of: date | None = None,
    account_ids: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Weekly score history since start, for a chart (see history_table)."""
    starts = data.lazy("accounts").select(pl.col("start_date").min()).collect().item()
    ctx = build_context(data, plan, as_of, since=starts)
    return history_table(ctx, account_ids)
