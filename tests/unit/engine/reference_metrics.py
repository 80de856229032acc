"""A slow, plain-Python reading of docs/metrics.md's metric definitions, written apart from the
engine, to check the engine against on generated data. Clarity over speed: loops over rows
are fine here, and every rule is spelled out as the brief states it."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.model.dataset import Dataset
from core.model.plan import JourneySignal, MeasurementPlan

SIGNALS = ("no_first_value", "single_user", "sponsor_disengaged", "ticket_primary")


def median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def rate(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class Data:
    accounts: list[dict[str, Any]]
    events: list[dict[str, Any]]
    touches: list[dict[str, Any]]
    users: dict[str, dict[str, Any]]

    @classmethod
    def of(cls, ds: Dataset) -> Data:
        return cls(
            ds.accounts.to_dicts(),
            ds.events.to_dicts(),
            ds.touches.to_dicts(),
            {u["user_id"]: u for u in ds.users.to_dicts()},
        )

    def latest_event(self) -> date:
        return max(e["timestamp"] for e in self.events).date()


def _by_account(rows: list[dict[str, Any]], as_of: date) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["timestamp"].date() <= as_of:
            grouped[row["account_id"]].append(row)
    return grouped


def _in_window(day: date, as_of: date, days: int) -> bool:
    return as_of - timedelta(days=days - 1) <= day <= as_of


def journey_definitions(plan: MeasurementPlan, segment: str) -> dict[str, JourneySignal]:
    """docs/metrics.md, User-defined signals: per name (in plan order), the definition for the
    account's segment, else the one without a segment."""
    chosen: dict[str, JourneySignal] = {}
    for name in dict.fromkeys(s.name for s in plan.signals):
        own = [s for s in plan.signals if s.name == name and s.segment == segment]
        common = [s for s in plan.signals if s.name == name and s.segment is None]
        if own or common:
            chosen[name] = (own or common)[0]
    return chosen


def journey_fires(
    signal: JourneySignal, events: list[dict[str, Any]], start: date, age: int, as_of: date
) -> bool:
    """inactive: at least N days old and no such event in the last N days; not_reached: older
    than N days and no such event dated on or after start (events are those up to as_of)."""
    mine = [e["timestamp"].date() for e in events if e["event"] == signal.event]
    n = signal.window_days
    if signal.rule == "inactive":
        return age >= n and not any(_in_window(day, as_of, n) for day in mine)
    return age > n and not any(day >= start for day in mine)


class Facts:
    """Everything about one account as of one date."""

    def __init__(
        self, acc: dict, events: list, touches: list, data: Data, plan: MeasurementPlan, as_of: date
    ):
        self.acc = acc
        self.as_of = as_of
        seg = plan.segments[acc["segment"]]
        lists = plan.segment_events(acc["segment"])
        start = acc["start_date"]
        self.seg = seg
        self.age = (as_of - start).days
        fv = [
            e["timestamp"]
            for e in events
            if e["event"] in lists.first_value_events and e["timestamp"].date() >= start
        ]
        self.first_value = min(fv) if fv else None
        self.ttv = (self.first_value.date() - start).days if self.first_value else None
        w = plan.window_days
        recent = [e for e in events if _in_window(e["timestamp"].date(), as_of, w)]
        self.active_users = {e["user_id"] for e in recent if e["user_id"]}
        churn = acc["churn_date"]
        self.churned = churn is not None and churn <= as_of
        kickoff_end = start + timedelta(days=plan.kickoff_days)
        sponsor = any(
            self._is_sponsor(r["user_id"], data)
            and _in_window(r["timestamp"].date(), as_of, w)
            and r["timestamp"].date() >= kickoff_end
            for r in [*events, *touches]
        )
        recent_touches = [t for t in touches if _in_window(t["timestamp"].date(), as_of, w)]
        tickets = sum(t["channel"] == "ticket" for t in recent_touches)
        fired = {
            "no_first_value": self.first_value is None and self.age > seg.ttv_target_days,
            "single_user": self.age >= 30 and len(self.active_users) <= 1,
            "sponsor_disengaged": self.age >= 30 and not sponsor,
            "ticket_primary": tickets >= 1 and tickets >= len(recent_touches) / 2,
        }
        self.signals = [s for s in SIGNALS if fired[s]]
        penalties = sum(getattr(plan.penalties, s) for s in self.signals)
        for name, signal in journey_definitions(plan, acc["segment"]).items():
            if journey_fires(signal, events, start, self.age, as_of):
                self.signals.append(name)
                penalties += signal.penalty
        self.score = max(0, 100 - penalties)
        bands = plan.bands
        if self.churned:
            self.action = None
        elif self.age >= plan.min_age_days and self.score < bands.executive:
            self.action = "executive"
        elif self.age >= plan.min_age_days and self.score < bands.escalate:
            self.action = "escalate"
        elif self.score < bands.watch:
            self.action = "watch"
        else:
            self.action = "healthy"
        self._scorecard_facts(events, recent, data, plan, lists)

    @staticmethod
    def _is_sponsor(user_id: str | None, data: Data) -> bool:
        user = data.users.get(user_id) if user_id else None
        return user is not None and user["role"] == "exec_sponsor"

    def _scorecard_facts(
        self, events: list, recent: list, data: Data, plan: MeasurementPlan, lists: Any
    ) -> None:
        start = self.acc["start_date"]
        # docs/metrics.md: the segment's own activation window, else the top-level one.
        self.activation_window = plan.activation_window(self.acc["segment"])
        window_end = start + timedelta(days=self.activation_window)
        self.activated = all(
            any(e["event"] == name and start <= e["timestamp"].date() <= window_end for e in events)
            for name in lists.activation_events
        )
        after_start = {e["event"] for e in events if e["timestamp"].date() >= start}
        self.completed = all(name in after_start for name in lists.milestone_events)
        self.recent_events = {e["event"] for e in recent}
        self.recent_teams = {
            data.users[e["user_id"]]["team"]
            for e in recent
            if e["user_id"] in data.users and data.users[e["user_id"]]["team"]
        }
        self.lists = lists


def facts(data: Data, plan: MeasurementPlan, as_of: date) -> dict[str, Facts]:
    events = _by_account(data.events, as_of)
    touches = _by_account(data.touches, as_of)
    return {
        a["account_id"]: Facts(
            a, events[a["account_id"]], touches[a["account_id"]], data, plan, as_of
        )
        for a in data.accounts
        if a["start_date"] <= as_of
    }


def score_rows(data: Data, plan: MeasurementPlan, as_of: date) -> dict[str, dict[str, Any]]:
    now = facts(data, plan, as_of)
    before = facts(data, plan, as_of - timedelta(days=7))
    return {
        account_id: {
            "age_days": f.age,
            "ttv_days": f.ttv,
            "score": f.score,
            "action": f.action,
            "signals": ";".join(f.signals),
            "score_delta_7d": f.score - before[account_id].score if account_id in before else None,
        }
        for account_id, f in now.items()
    }


def at_risk_order(data: Data, plan: MeasurementPlan, as_of: date) -> list[str]:
    now = facts(data, plan, as_of)
    risky = [f for f in now.values() if f.action in ("executive", "escalate")]
    risky.sort(
        key=lambda f: (
            f.score,
            f.acc["contract_value"] is None,
            -(f.acc["contract_value"] or 0),
            f.acc["account_id"],
        )
    )
    return [f.acc["account_id"] for f in risky]


def _km_median(items: list[tuple[int, bool]]) -> float | None:
    survival = 1.0
    at_risk = len(items)
    for t in sorted({t for t, _ in items}):
        events = sum(1 for u, e in items if u == t and e)
        if events:
            survival *= 1 - events / at_risk
            if survival <= 0.5 + 1e-12:
                return float(t)
        at_risk -= sum(1 for u, _ in items if u == t)
    return None


def _feature_names(lists: Any, all_names: set[str]) -> set[str]:
    return set(lists.feature_events) if lists.feature_events is not None else all_names


def scorecard_row(group: list[Facts], all_names: set[str], plan: MeasurementPlan) -> dict[str, Any]:
    reached = [f for f in group if f.first_value is not None]
    km = []
    for f in group:
        if f.first_value is not None:
            km.append((f.ttv, True))
        else:
            censor = f.age
            churn = f.acc["churn_date"]
            if churn is not None:
                censor = min(censor, (churn - f.acc["start_date"]).days)
            km.append((censor, False))
    grown = [f for f in group if f.age >= 30 and not f.churned]
    seats = [f for f in grown if f.acc["licensed_seats"] is not None]
    risky = [f for f in group if f.action in ("executive", "escalate")]

    def ready(f: Facts) -> bool:
        s = f.acc["licensed_seats"]
        expansion = any(e in f.lists.expansion_events for e in f.recent_events)
        return (
            (s is not None and len(f.active_users) / s >= 0.9)
            or expansion
            or len(f.recent_teams) >= 2
        )

    def depth(f: Facts) -> float | None:
        names = _feature_names(f.lists, all_names)
        return len(f.recent_events & names) / len(names) if names else None

    depths = [d for f in grown if (d := depth(f)) is not None]
    return {
        "accounts": len(group),
        "ttv_median_days": median([f.ttv for f in reached]),
        "ttv_median_km_days": _km_median(km),
        "fv_on_time_rate": rate(
            [
                f.ttv is not None and f.ttv <= f.seg.ttv_target_days
                for f in group
                if f.age >= f.seg.ttv_target_days
            ]
        ),
        "activation_rate": rate([f.activated for f in group if f.age >= f.activation_window]),
        "user_adoption_rate": mean(
            [min(1.0, len(f.active_users) / f.acc["licensed_seats"]) for f in seats]
        ),
        "completion_rate": rate(
            [f.completed for f in group if f.age >= f.seg.duration_target_days]
        ),
        "adoption_depth": mean(depths),
        "early_retention_90d": rate(
            [
                f.acc["churn_date"] is None
                or f.acc["churn_date"] > f.acc["start_date"] + timedelta(days=90)
                for f in group
                if f.age >= 90
            ]
        ),
        "expansion_ready_rate": rate([ready(f) for f in grown]),
        "at_risk_accounts": len(risky),
        "at_risk_value": sum(f.acc["contract_value"] or 0 for f in risky),
    }


def scorecard_rows(data: Data, plan: MeasurementPlan, as_of: date) -> dict[str, dict[str, Any]]:
    now = facts(data, plan, as_of)
    all_names = {e["event"] for e in data.events if e["timestamp"].date() <= as_of}
    csat: dict[str, list[float]] = defaultdict(list)
    segment_of = {a: f.acc["segment"] for a, f in now.items()}
    for t in data.touches:
        if (
            t["csat"] is not None
            and t["timestamp"].date() <= as_of
            and t["account_id"] in segment_of
        ):
            csat[segment_of[t["account_id"]]].append(t["csat"])
    groups: dict[str, list[Facts]] = defaultdict(list)
    for f in now.values():
        groups[f.acc["segment"]].append(f)
    rows = {
        name: {**scorecard_row(g, all_names, plan), "csat_mean": mean(csat[name])}
        for name, g in groups.items()
    }
    every = [f for g in groups.values() for f in g]
    rows["All"] = {
        **scorecard_row(every, all_names, plan),
        "csat_mean": mean([c for v in csat.values() for c in v]),
    }
    return rows


def funnel_rows(
    data: Data, plan: MeasurementPlan, as_of: date, segment: str | None = None
) -> list[dict[str, Any]]:
    steps = (
        plan.segment_events(segment).milestone_events if segment else plan.events.milestone_events
    )
    accounts = [
        a
        for a in data.accounts
        if a["start_date"] <= as_of and (segment is None or a["segment"] == segment)
    ]
    events = _by_account(data.events, as_of)
    reached_at: dict[str, list] = {name: [] for name in steps}
    for acc in accounts:
        start = acc["start_date"]
        mine = sorted(
            (e["timestamp"], e["event"])
            for e in events[acc["account_id"]]
            if e["timestamp"].date() >= start
        )
        previous = None
        for name in steps:
            times = [t for t, ev in mine if ev == name and (previous is None or t >= previous)]
            if not times:
                break
            previous = min(times)
            reached_at[name].append((previous.date() - start).days)
    rows, before = [], len(accounts)
    for number, name in enumerate(steps, start=1):
        reached = len(reached_at[name])
        rows.append(
            {
                "step": number,
                "event": name,
                "reached": reached,
                "step_conversion": reached / before if before else None,
                "overall_conversion": reached / len(accounts) if accounts else None,
                "dropoff": before - reached,
                "median_days_from_start": median(reached_at[name]),
            }
        )
        before = reached
    return rows
