"""The benchmark's pandas peer: score, at-risk, scorecard and funnel in straightforward pandas.

Written the way a competent analyst would write it with pandas 3 (Arrow-backed strings):
read only the needed columns, let the Parquet reader skip rows by filter, then merges and
group-bys with the default measurement plan's values. Used to check our numbers and to time
them. pandas belongs to the benchmark only; the product never imports it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.model.plan import MeasurementPlan

PLAN = MeasurementPlan()
EV = PLAN.events
W = PLAN.window_days
DAY = pd.Timedelta(days=1)
ACC = "account_id"


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.days


def _accounts(data: Path, as_of: pd.Timestamp) -> pd.DataFrame:
    acc = pd.read_parquet(data / "accounts.parquet")
    for col in ("start_date", "churn_date"):
        acc[col] = pd.to_datetime(acc[col])
    value = acc["contract_value"]
    band = np.select(
        [value < 25_000, value <= 100_000, value > 100_000],
        ["SMB", "Mid-Market", "Enterprise"],
        default=None,
    )
    acc["segment"] = acc["segment"].fillna(pd.Series(band, index=acc.index))
    acc["account_name"] = acc["account_name"].fillna(acc[ACC])
    targets = pd.DataFrame(
        [(k, v.ttv_target_days, v.duration_target_days) for k, v in PLAN.segments.items()],
        columns=["segment", "ttv_target_days", "duration_target_days"],
    )
    acc = acc[acc["start_date"] <= as_of].merge(targets, on="segment", how="left")
    return acc.reset_index(drop=True)


class Facts:
    """Everything read from the big tables, cut down once."""

    def __init__(self, data: Path) -> None:
        events = data / "events.parquet"
        names = pd.read_parquet(events, columns=["event", "timestamp"])
        self.as_of = names["timestamp"].max().normalize()
        end = self.as_of + DAY
        self.names = sorted(names.loc[names["timestamp"] < end, "event"].dropna().unique())
        del names
        self.acc = _accounts(data, self.as_of)
        starts = self.acc[[ACC, "start_date"]]
        keys = list(
            dict.fromkeys(EV.first_value_events + EV.activation_events + EV.milestone_events)
        )
        key = pd.read_parquet(
            events, columns=[ACC, "event", "timestamp"], filters=[("event", "in", keys)]
        ).merge(starts, on=ACC)
        day = key["timestamp"].dt.normalize()
        self.key = key[(day >= key["start_date"]) & (key["timestamp"] < end)]
        self.firsts = self.key.groupby([ACC, "event"], as_index=False)["timestamp"].min()
        fv = self.firsts[self.firsts["event"].isin(EV.first_value_events)]
        fv = fv.groupby(ACC)["timestamp"].min().dt.normalize().rename("fv_date")
        self.fv = fv.reset_index()
        low = self.as_of - pd.Timedelta(days=7 + W - 1)
        recent_filter = [
            ("timestamp", ">=", low.to_pydatetime()),
            ("timestamp", "<", end.to_pydatetime()),
        ]
        self.recent = pd.read_parquet(
            events, columns=[ACC, "user_id", "event", "timestamp"], filters=recent_filter
        )
        self.recent["date"] = self.recent["timestamp"].dt.normalize()
        touches = pd.read_parquet(
            data / "touches.parquet", columns=[ACC, "user_id", "channel", "timestamp", "csat"]
        )
        touches = touches[(touches["timestamp"] < end) & touches[ACC].isin(self.acc[ACC])]
        self.csat = touches.groupby(ACC).agg(csat_sum=("csat", "sum"), csat_n=("csat", "count"))
        self.tch = touches[touches["timestamp"] >= low].copy()
        self.tch["date"] = self.tch["timestamp"].dt.normalize()
        self.users = pd.read_parquet(data / "users.parquet", columns=["user_id", "role", "team"])
        sponsors = self.users.loc[self.users["role"] == "exec_sponsor", "user_id"]
        both = pd.concat(
            [self.recent[[ACC, "user_id", "date"]], self.tch[[ACC, "user_id", "date"]]]
        )
        both = both[both["user_id"].isin(sponsors)].merge(starts, on=ACC)
        kickoff = both["start_date"] + pd.Timedelta(days=PLAN.kickoff_days)
        self.sponsor = both.loc[both["date"] >= kickoff, [ACC, "date"]].drop_duplicates()


def _window(frame: pd.DataFrame, d: pd.Timestamp) -> pd.DataFrame:
    return frame[(frame["date"] >= d - pd.Timedelta(days=W - 1)) & (frame["date"] <= d)]


def _scores(f: Facts, lag: int) -> pd.DataFrame:
    """Facts, signals, score and action of every account started by as_of - lag."""
    d = f.as_of - pd.Timedelta(days=lag)
    a = f.acc[f.acc["start_date"] <= d].merge(f.fv, on=ACC, how="left")
    a["age_days"] = _days(pd.Series(d, index=a.index), a["start_date"])
    seen = a["fv_date"] <= d
    a["ttv_days"] = _days(a["fv_date"].where(seen), a["start_date"]).astype("Int64")
    a["churned"] = a["churn_date"].notna() & (a["churn_date"] <= d)
    win = _window(f.recent, d)
    users = win[win["user_id"].notna() & (win["user_id"] != "")]
    active = users.groupby(ACC)["user_id"].nunique().rename("active_users")
    a = a.merge(active, left_on=ACC, right_index=True, how="left")
    a["active_users"] = a["active_users"].fillna(0).astype("int64")
    sponsor_ids = set(_window(f.sponsor, d)[ACC])
    tw = _window(f.tch, d)
    counts = (
        tw.assign(ticket=tw["channel"] == "ticket")
        .groupby(ACC)
        .agg(touches=("ticket", "size"), tickets=("ticket", "sum"))
    )
    a = a.merge(counts, left_on=ACC, right_index=True, how="left")
    a[["touches", "tickets"]] = a[["touches", "tickets"]].fillna(0)
    old = a["age_days"] >= 30
    a["no_first_value"] = ~seen & (a["age_days"] > a["ttv_target_days"])
    a["single_user"] = old & (a["active_users"] <= 1)
    a["sponsor_disengaged"] = old & ~a[ACC].isin(sponsor_ids)
    a["ticket_primary"] = (a["tickets"] >= 1) & (2 * a["tickets"] >= a["touches"])
    p = PLAN.penalties
    penalty = (
        p.no_first_value * a["no_first_value"]
        + p.single_user * a["single_user"]
        + p.sponsor_disengaged * a["sponsor_disengaged"]
        + p.ticket_primary * a["ticket_primary"]
    )
    a["score"] = (100 - penalty).clip(lower=0).astype("int64")
    b, min_age = PLAN.bands, a["age_days"] >= PLAN.min_age_days
    action = np.select(
        [a["score"] < b.executive, a["score"] < b.escalate, a["score"] < b.watch],
        ["executive", "escalate", "watch"],
        default="healthy",
    )
    action = pd.Series(action, index=a.index)
    action = action.where(min_age | ~action.isin(["executive", "escalate"]), "watch")
    action = action.where(a["score"] < b.watch, "healthy").where(~a["churned"], None)
    a["action"] = action
    return a


def _signals(a: pd.DataFrame) -> pd.Series:
    names = ["no_first_value", "single_user", "sponsor_disengaged", "ticket_primary"]
    parts = pd.DataFrame({n: a[n].map({True: n + ";", False: ""}) for n in names})
    return parts.sum(axis=1).str.rstrip(";")


SCORE_COLUMNS = [
    ACC,
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
]


def _score(now: pd.DataFrame, before: pd.DataFrame, out: Path) -> None:
    table = now.merge(
        before[[ACC, "score"]].rename(columns={"score": "before"}), on=ACC, how="left"
    )
    table["signals"] = _signals(table)
    table["score_delta_7d"] = (table["score"] - table["before"]).astype("Int64")
    table = table.sort_values(ACC)[SCORE_COLUMNS].reset_index(drop=True)
    table.to_parquet(out / "score.parquet", index=False)
    risk = table[table["action"].isin(["executive", "escalate"])].copy()
    risk["_cv"] = -risk["contract_value"]
    risk = risk.sort_values(["score", "_cv", ACC], na_position="last").drop(columns="_cv")
    risk.to_parquet(out / "at_risk.parquet", index=False)


def _metrics(f: Facts, now: pd.DataFrame) -> pd.DataFrame:
    """Per-account scorecard inputs at as_of."""
    m = now.copy()
    win = _window(f.recent, f.as_of)
    feat = win[win["event"].isin(f.names)].groupby(ACC)["event"].nunique().rename("used")
    exp = win[win["event"].isin(EV.expansion_events)].groupby(ACC).size().rename("expansion")
    pairs = win[[ACC, "user_id"]].drop_duplicates().merge(f.users, on="user_id")
    pairs = pairs[pairs["team"].notna() & (pairs["team"] != "")]
    teams = pairs.groupby(ACC)["team"].nunique().rename("teams")
    firsts = f.firsts.merge(f.acc[[ACC, "start_date"]], on=ACC)
    deadline = firsts["start_date"] + pd.Timedelta(days=PLAN.activation_window_days)
    act = firsts[
        firsts["event"].isin(EV.activation_events)
        & (firsts["timestamp"].dt.normalize() <= deadline)
    ]
    act = act.groupby(ACC).size().rename("act_done")
    comp = firsts[firsts["event"].isin(EV.milestone_events)].groupby(ACC).size().rename("comp_done")
    for part in (feat, exp, teams, act, comp, f.csat):
        m = m.merge(part, left_on=ACC, right_index=True, how="left")
    zero = ["used", "expansion", "teams", "act_done", "comp_done", "csat_sum", "csat_n"]
    m[zero] = m[zero].fillna(0)
    m["reached_fv"] = m["ttv_days"].notna()
    m["live"] = ~m["churned"] & (m["age_days"] >= 30)
    seats = m["licensed_seats"]
    m["seat_share"] = (m["active_users"] / seats).where(seats > 0)
    m["activated"] = m["act_done"] >= len(set(EV.activation_events))
    m["completed"] = m["comp_done"] >= len(set(EV.milestone_events))
    m["feature_share"] = m["used"] / len(f.names) if f.names else np.nan
    m["expansion_ready"] = (
        (m["seat_share"] >= 0.9).fillna(False) | (m["expansion"] > 0) | (m["teams"] >= 2)
    )
    m["retained"] = m["churn_date"].isna() | (
        m["churn_date"] > m["start_date"] + pd.Timedelta(days=90)
    )
    m["at_risk"] = m["action"].isin(["executive", "escalate"])
    churn_age = _days(m["churn_date"], m["start_date"])
    censor = np.where(m["churned"], np.minimum(churn_age, m["age_days"]), m["age_days"])
    m["km_time"] = m["ttv_days"].astype("float64").fillna(pd.Series(censor, index=m.index))
    return m


def _rate(flag: pd.Series, among: pd.Series) -> float | None:
    return float(flag[among].astype("float64").mean()) if among.any() else None


def _mean(values: pd.Series) -> float | None:
    return float(values.mean()) if len(values) else None


def _km_median(g: pd.DataFrame) -> float | None:
    steps = g.groupby("km_time").agg(n=("km_time", "size"), d=("reached_fv", "sum")).sort_index()
    at_risk = steps["n"][::-1].cumsum()[::-1]
    survival = (1 - steps["d"] / at_risk).cumprod()
    hit = steps.index[(steps["d"] > 0) & (survival <= 0.5 + 1e-12)]
    return float(hit.min()) if len(hit) else None


def _card_row(name: str, g: pd.DataFrame) -> dict[str, object]:
    age, ttv = g["age_days"], g["ttv_days"].astype("float64")
    csat_n = g["csat_n"].sum()
    seats_ok = g["seat_share"].notna() & g["live"]
    return {
        "segment": name,
        "accounts": len(g),
        "ttv_median_days": ttv.median() if ttv.notna().any() else None,
        "ttv_median_km_days": _km_median(g),
        "fv_on_time_rate": _rate((ttv <= g["ttv_target_days"]), age >= g["ttv_target_days"]),
        "activation_rate": _rate(g["activated"], age >= PLAN.activation_window_days),
        "user_adoption_rate": float(g.loc[seats_ok, "seat_share"].clip(upper=1).mean())
        if seats_ok.any()
        else None,
        "completion_rate": _rate(g["completed"], age >= g["duration_target_days"]),
        "adoption_depth": float(g.loc[g["live"], "feature_share"].mean())
        if g["live"].any()
        else None,
        "early_retention_90d": _rate(g["retained"], age >= 90),
        "expansion_ready_rate": _rate(g["expansion_ready"], g["live"]),
        "csat_mean": g["csat_sum"].sum() / csat_n if csat_n > 0 else None,
        "at_risk_accounts": int(g["at_risk"].sum()),
        "at_risk_value": float(g.loc[g["at_risk"], "contract_value"].sum()),
    }


def _scorecard(f: Facts, now: pd.DataFrame, out: Path) -> None:
    m = _metrics(f, now)
    rows = [_card_row(name, g) for name, g in sorted(m.groupby("segment"))]
    rows.append(_card_row("All", m))
    pd.DataFrame(rows).to_parquet(out / "scorecard.parquet", index=False)


def _funnel(f: Facts, out: Path) -> None:
    total = len(f.acc)
    starts = f.acc.set_index(ACC)["start_date"]
    rows, previous = [], None
    for k, event in enumerate(EV.milestone_events, start=1):
        step = f.key[f.key["event"] == event][[ACC, "timestamp"]]
        if previous is not None:
            step = step.merge(previous, on=ACC)
            step = step[step["timestamp"] >= step["at"]]
        reached = step.groupby(ACC)["timestamp"].min().rename("at").reset_index()
        days = _days(reached["at"].dt.normalize(), reached[ACC].map(starts))
        prev = total if previous is None else len(previous)
        rows.append(
            {
                "step": k,
                "event": event,
                "reached": len(reached),
                "step_conversion": len(reached) / prev if prev else None,
                "overall_conversion": len(reached) / total if total else None,
                "dropoff": prev - len(reached),
                "median_days_from_start": float(days.median()) if len(days) else None,
            }
        )
        previous = reached
    pd.DataFrame(rows).to_parquet(out / "funnel.parquet", index=False)


def run(data: Path, out: Path) -> None:
    f = Facts(data)
    now, before = _scores(f, 0), _scores(f, 7)
    _score(now, before, out)
    _scorecard(f, now, out)
    _funnel(f, out)
