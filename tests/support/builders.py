"""Tiny hand-built data sets in the normalised contract schema, for engine tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from core.model.contract import TABLES, schema
from core.model.dataset import Dataset

AS_OF = date(2026, 3, 31)


def frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A frame of `table` from partial rows: absent columns are null, types are the contract's."""
    cols = schema(table)
    data = {name: [row.get(name) for row in rows] for name in cols}
    return pl.DataFrame(data, schema=cols)


def account(account_id: str, start: date, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "account_id": account_id,
        "account_name": account_id.upper(),
        "segment": "SMB",
        "start_date": start,
    }
    row.update(extra)
    return row


def event(account_id: str, name: str, ts: datetime, user_id: str | None = None) -> dict[str, Any]:
    return {"account_id": account_id, "user_id": user_id, "event": name, "timestamp": ts}


def touch(account_id: str, channel: str, ts: datetime, **extra: Any) -> dict[str, Any]:
    return {"account_id": account_id, "channel": channel, "timestamp": ts, **extra}


def user(user_id: str, account_id: str, role: str = "end_user", team: str | None = None) -> dict:
    return {"user_id": user_id, "account_id": account_id, "role": role, "team": team}


def dataset(
    accounts: list[dict[str, Any]],
    events: list[dict[str, Any]] | None = None,
    users: list[dict[str, Any]] | None = None,
    touches: list[dict[str, Any]] | None = None,
) -> Dataset:
    given = {"accounts": accounts, "users": users, "events": events, "touches": touches}
    return Dataset(**{t: frame(t, given[t] or []) for t in TABLES})


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def days_ago(n: int) -> date:
    return AS_OF - timedelta(days=n)


def merge(*parts: dict[str, list[dict[str, Any]]]) -> Dataset:
    """One Dataset from several scenario parts (each a dict of table -> rows)."""
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for part in parts:
        for table, rows in part.items():
            tables[table].extend(rows)
    return dataset(tables["accounts"], tables["events"], tables["users"], tables["touches"])


def healthy(account_id: str = "h", age: int = 60, **extra: Any) -> dict[str, list[dict]]:
    """An account that fires no signal at AS_OF: first value on day 5, two active users and
    an active executive sponsor in the last 30 days, no touches."""
    start = days_ago(age)
    u1, u2, sponsor = f"{account_id}-u1", f"{account_id}-u2", f"{account_id}-s"
    return {
        "accounts": [account(account_id, start, **extra)],
        "users": [
            user(u1, account_id),
            user(u2, account_id),
            user(sponsor, account_id, "exec_sponsor"),
        ],
        "events": [
            event(account_id, "first_workflow_live", at(start + timedelta(days=5)), u1),
            event(account_id, "report_viewed", at(days_ago(1)), u1),
            event(account_id, "report_viewed", at(days_ago(1)), u2),
            event(account_id, "report_viewed", at(days_ago(2)), sponsor),
        ],
        "touches": [],
    }
