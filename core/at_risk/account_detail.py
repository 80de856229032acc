"""One account in detail, for the CSM who opens it from the at-risk list.

Everything is computed on the account's own rows (a few hundred events), cut once from the
big tables: the weekly score history (the engine on that small subset), its milestones
against their target days, a timeline of events and touches, who is active, and what the
executive sponsor has done. Milestone target days come from the segment's journey map
when it gives one, else from the measurement plan (first value by ttv_target_days,
activation events by the segment's activation_window_days, the rest by duration_target_days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.common.scalars import as_date, as_int
from core.db.models import JourneyMap, Milestone, Segment
from core.engine import FrameTables, Tables, build_context, history_table
from core.model.plan import MeasurementPlan

TIMELINE_LIMIT = 500


@dataclass(frozen=True)
class AccountDetail:
    profile: dict[str, object]
    history: pl.DataFrame
    milestones: pl.DataFrame
    timeline: pl.DataFrame
    users: pl.DataFrame
    sponsor: pl.DataFrame
    sponsor_summary: str
    weekly: pl.DataFrame


def account_subset(data: Tables, account_id: str) -> FrameTables:
    """The four tables cut down to one account (users by account, not by activity)."""
    mine = pl.col("account_id") == account_id
    frames = {t: data.lazy(t).filter(mine).collect() for t in ("accounts", "users", "events")}
    frames["touches"] = data.lazy("touches").filter(mine).collect()
    return FrameTables(frames)


def _profile(sub: FrameTables, as_of: date) -> dict[str, object] | None:
    accounts = sub.frames["accounts"]
    if accounts.is_empty():
        return None
    row = accounts.row(0, named=True)
    row["age_days"] = (as_of - row["start_date"]).days
    return row


def score_history(sub: FrameTables, plan: MeasurementPlan, as_of: date) -> pl.DataFrame:
    """Weekly score since the account started (the engine on the one-account subset)."""
    start = as_date(sub.frames["accounts"].get_column("start_date").min())
    if start is None or start > as_of:
        return pl.DataFrame(
            schema={"as_of": pl.Date, "score": pl.Int64, "action": pl.String, "signals": pl.String}
        )
    ctx = build_context(sub, plan, as_of, since=start)
    return history_table(ctx).drop("account_id")


def default_targets(plan: MeasurementPlan, segment: str | None) -> dict[str, int]:
    """Target day of each milestone event from the plan (see module docstring)."""
    events = plan.segment_events(segment or "")
    seg = plan.segments.get(segment or "")
    duration = seg.duration_target_days if seg else 120
    ttv = seg.ttv_target_days if seg else 45
    targets = dict.fromkeys(events.milestone_events, duration)
    targets.update(dict.fromkeys(events.activation_events, plan.activation_window(segment)))
    targets.update(dict.fromkeys(events.first_value_events, ttv))
    return {e: targets[e] for e in events.milestone_events}


def _status(reached: int | None, target: int, age: int) -> str:
    if reached is not None and reached <= target:
        return "✓ Reached on time"
    if reached is not None:
        return f"▲ Reached {reached - target} days late"
    if age > target:
        return f"✗ Missed ({age - target} days overdue)"
    return f"○ Due in {target - age} days"


def milestone_progress(
    sub: FrameTables,
    plan: MeasurementPlan,
    as_of: date,
    map_targets: dict[str, int] | None = None,
) -> pl.DataFrame:
    """step, milestone, reached_on, days_from_start, target_day, target_from, status."""
    profile = _profile(sub, as_of)
    schema = {
        "step": pl.Int64,
        "milestone": pl.String,
        "reached_on": pl.Date,
        "days_from_start": pl.Int64,
        "target_day": pl.Int64,
        "target_from": pl.String,
        "status": pl.String,
    }
    if profile is None:
        return pl.DataFrame(schema=schema)
    start, age = as_date(profile["start_date"]), as_int(profile["age_days"]) or 0
    segment = profile.get("segment")
    plan_targets = default_targets(plan, segment if isinstance(segment, str) else None)
    firsts = (
        sub.frames["events"]
        .filter(pl.col("timestamp").dt.date().is_between(start, as_of))
        .group_by("event")
        .agg(pl.col("timestamp").min().dt.date().alias("first"))
    )
    first = dict(zip(firsts.get_column("event"), firsts.get_column("first"), strict=True))
    rows = []
    for step, (event, plan_day) in enumerate(plan_targets.items(), start=1):
        from_map = (map_targets or {}).get(event)
        target = from_map if from_map is not None else plan_day
        on = first.get(event)
        days = (on - start).days if on and start else None
        source = "journey map" if from_map is not None else "measurement plan"
        rows.append((step, event, on, days, target, source, _status(days, target, age)))
    return pl.DataFrame(rows, schema=schema, orient="row")


def timeline(sub: FrameTables, as_of: date, limit: int = TIMELINE_LIMIT) -> pl.DataFrame:
    """when, kind (event / touch), what, user_id, role, detail; newest first."""
    roles = sub.frames["users"].select("user_id", "role")
    end = pl.col("timestamp").dt.date() <= as_of
    events = (
        sub.frames["events"]
        .filter(end)
        .select(
            pl.col("timestamp").alias("when"),
            pl.lit("event").alias("kind"),
            pl.col("event").alias("what"),
            "user_id",
            pl.lit("").alias("detail"),
        )
    )
    csat = pl.when(pl.col("csat").is_not_null()).then(
        pl.concat_str(pl.lit("CSAT "), pl.col("csat").round(1).cast(pl.String))
    )
    touches = (
        sub.frames["touches"]
        .filter(end)
        .select(
            pl.col("timestamp").alias("when"),
            pl.lit("touch").alias("kind"),
            pl.concat_str(
                pl.col("channel"),
                pl.when(pl.col("touchpoint") != "").then(pl.col("touchpoint")),
                separator=": ",
                ignore_nulls=True,
            ).alias("what"),
            "user_id",
            csat.fill_null("").alias("detail"),
        )
    )
    return (
        pl.concat([events, touches])
        .join(roles, on="user_id", how="left")
        .sort("when", descending=True)
        .head(limit)
        .select("when", "kind", "what", "user_id", "role", "detail")
    )


def active_users(sub: FrameTables, plan: MeasurementPlan, as_of: date) -> pl.DataFrame:
    """Every user of the account: role, team, events in the window, last active, active."""
    low = as_of - timedelta(days=plan.window_days - 1)
    day = pl.col("timestamp").dt.date()
    usage = (
        sub.frames["events"]
        .filter(day <= as_of, pl.col("user_id").is_not_null())
        .group_by("user_id")
        .agg(
            day.filter(day >= low).len().cast(pl.Int64).alias("events_in_window"),
            day.max().alias("last_active"),
        )
    )
    return (
        sub.frames["users"]
        .select("user_id", "role", "team")
        .join(usage, on="user_id", how="full", coalesce=True)
        .with_columns(
            pl.col("events_in_window").fill_null(0),
            (pl.col("last_active") >= low).fill_null(False).alias("active"),
        )
        .sort(["active", "events_in_window", "user_id"], descending=[True, True, False])
    )


def sponsor_activity(
    sub: FrameTables, plan: MeasurementPlan, as_of: date
) -> tuple[pl.DataFrame, str]:
    """The executive sponsors' events and touches (newest first) and a sentence about them."""
    sponsors = sub.frames["users"].filter(pl.col("role") == "exec_sponsor")
    if sponsors.is_empty():
        return timeline(sub, as_of).head(0), "No executive sponsor is named among the users."
    rows = timeline(sub, as_of, limit=1_000_000).filter(pl.col("role") == "exec_sponsor")
    if rows.is_empty():
        return rows, "The executive sponsor has no recorded activity at all."
    last = as_date(rows.get_column("when").max()) or as_of
    low = as_of - timedelta(days=plan.window_days - 1)
    recent = rows.filter(pl.col("when").dt.date() >= low)
    text = (
        f"Last sponsor activity {last} ({(as_of - last).days} days before the analysis date); "
        f"{len(recent)} in the last {plan.window_days} days."
    )
    return rows.head(200), text


def weekly_activity(sub: FrameTables, as_of: date) -> pl.DataFrame:
    """week, events, active users, touches: per calendar week up to as_of."""
    week = pl.col("timestamp").dt.truncate("1w").dt.date().alias("week")
    end = pl.col("timestamp").dt.date() <= as_of
    events = (
        sub.frames["events"]
        .filter(end)
        .group_by(week)
        .agg(
            pl.len().cast(pl.Int64).alias("Events"),
            pl.col("user_id").drop_nulls().n_unique().cast(pl.Int64).alias("Active users"),
        )
    )
    touches = (
        sub.frames["touches"]
        .filter(end)
        .group_by(week)
        .agg(pl.len().cast(pl.Int64).alias("Touches"))
    )
    return (
        events.join(touches, on="week", how="full", coalesce=True)
        .with_columns(pl.col("Events", "Active users", "Touches").fill_null(0))
        .sort("week")
    )


def account_detail(
    data: Tables,
    plan: MeasurementPlan,
    as_of: date,
    account_id: str,
    map_targets: dict[str, int] | None = None,
) -> AccountDetail | None:
    """Everything the account view shows; None when the account is not in the data."""
    sub = account_subset(data, account_id)
    profile = _profile(sub, as_of)
    if profile is None:
        return None
    sponsor, sponsor_text = sponsor_activity(sub, plan, as_of)
    return AccountDetail(
        profile=profile,
        history=score_history(sub, plan, as_of),
        milestones=milestone_progress(sub, plan, as_of, map_targets),
        timeline=timeline(sub, as_of),
        users=active_users(sub, plan, as_of),
        sponsor=sponsor,
        sponsor_summary=sponsor_text,
        weekly=weekly_activity(sub, as_of),
    )


# ------------------------------------------------------------------ journey-map look-ups


def _map_rank(journey: JourneyMap) -> tuple[bool, bool, int]:
    """The map that speaks for a segment: current state first, then the happy path."""
    return (journey.state != "current", journey.variant != "happy path", journey.id)


def ranked_maps(session: Session, workspace_id: int) -> list[tuple[JourneyMap, str | None]]:
    require(session, Action.READ, workspace_id)
    query = (
        select(JourneyMap, Segment.name)
        .outerjoin(Segment, Segment.id == JourneyMap.segment_id)
        .where(JourneyMap.workspace_id == workspace_id)
    )
    found = [(row[0], row[1]) for row in session.execute(query).all()]
    return sorted(found, key=lambda pair: _map_rank(pair[0]))


def milestone_targets(session: Session, workspace_id: int, segment: str | None) -> dict[str, int]:
    """event -> target day from the segment's journey map (else a map for every segment)."""
    require(session, Action.READ, workspace_id)
    maps = ranked_maps(session, workspace_id)
    for wanted in (segment, None):
        for journey, name in maps:
            if name != wanted:
                continue
            rows = session.scalars(
                select(Milestone).where(Milestone.map_id == journey.id).order_by(Milestone.position)
            )
            targets = {m.event: m.target_day for m in rows if m.event and m.target_day is not None}
            if targets:
                return {event: day for event, day in targets.items() if day is not None}
    return {}
