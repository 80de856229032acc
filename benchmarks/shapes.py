"""Data sets not made by our demo generator, in several shapes, for the user-path benchmarks.

    .venv/bin/python benchmarks/shapes.py OUT_DIR [--shape few|many] [--format parquet|csv]
        [--accounts 100000] [--events 20000000] [--touches 1200000] [--bad-last-row]

What a warehouse or product-analytics export looks like rather than what our engine likes:
headers in mixed case and in another order, extra columns (a JSON `properties` text, a
session id, a region), segments in any case or left empty (derived from contract value),
roles and channels spelled as people write them ("Exec Sponsor", "In-App"), events in no
particular order, a few events without a user, CSAT on a third of the touches. Parquet holds
real timestamps (milliseconds, UTC time zone) and dates; CSV holds ISO 8601 text with a `Z`.

Two shapes:

- `few`: 3-8 users per account and 40 distinct event names;
- `many`: 10-60 users per account and 400 distinct event names.

Every account follows one of a few paces, so the plan's milestone events (first value,
activation, the funnel) are reached by some accounts, late by others and never by the rest,
and recent activity thins out for some: every health-score signal fires for some accounts.
With `--bad-last-row` the very last row of the events file names an account that does not
exist, for the bad-data benchmark.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.model.plan import (  # noqa: E402 - after the path
    DEFAULT_ACTIVATION_EVENTS,
    DEFAULT_EXPANSION_EVENTS,
    DEFAULT_MILESTONE_EVENTS,
)

END = date(2026, 9, 30)
HISTORY_DAYS = 900
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Shape:
    name: str
    users_low: int
    users_high: int
    event_names: int


SHAPES = {"few": Shape("few", 3, 8, 40), "many": Shape("many", 10, 60, 400)}
KEY_EVENTS: tuple[str, ...] = tuple(
    dict.fromkeys(DEFAULT_MILESTONE_EVENTS + DEFAULT_ACTIVATION_EVENTS + DEFAULT_EXPANSION_EVENTS)
)
ROLE_SPELLINGS = ("Admin", "champion", "End User", "end_user", None, "Exec Sponsor", "EXEC_SPONSOR")
ROLE_WEIGHTS = (0.08, 0.07, 0.35, 0.3, 0.1, 0.06, 0.04)
CHANNEL_SPELLINGS = (
    "email",
    "In-App",
    "training",
    "Office Hours",
    "ticket",
    "Ticket",
    "call",
    "meeting",
    "documentation",
    "community",
    "webinar",
    "chat",
)
SEGMENT_SPELLINGS = ("SMB", "smb", "Mid-Market", "mid-market", "Enterprise", None)


def _names(shape: Shape) -> list[str]:
    """The shape's event names: the plan's key events and generic product events."""
    verbs = ("viewed", "created", "updated", "shared", "exported", "deleted", "opened", "run")
    nouns = [f"{a}_{b}" for a in ("report", "board", "flow", "task", "page") for b in verbs]
    generic = [f"{n}_{i}" for i in range(shape.event_names) for n in nouns][: shape.event_names]
    return list(KEY_EVENTS) + generic[: shape.event_names - len(KEY_EVENTS)]


def _accounts(rng: np.random.Generator, n: int) -> tuple[pl.DataFrame, np.ndarray]:
    end_day = (END - date(1970, 1, 1)).days
    start = end_day - rng.integers(20, HISTORY_DAYS, n)
    value = np.round(rng.lognormal(10.3, 1.1, n), 2)
    churned = rng.random(n) < 0.08
    churn = np.where(churned, np.minimum(start + rng.integers(60, 500, n), end_day), 0)
    order = rng.permutation(n)
    frame = pl.DataFrame(
        {
            "Account_ID": [f"0015g{k:08X}" for k in order],
            "Account_Name": [f"Company {k}" for k in order],
            "Region": rng.choice(["EMEA", "AMER", "APAC"], n),
            "Segment": pl.Series(
                rng.choice(np.array(SEGMENT_SPELLINGS, dtype=object), n).tolist(), dtype=pl.String
            ),
            "Contract_Value": value,
            "Start_Date": pl.Series(start, dtype=pl.Int32).cast(pl.Date),
            "Licensed_Seats": rng.integers(1, 80, n),
            "CSM": rng.choice([f"CSM {i:02d}" for i in range(60)], n),
            "Churn_Date": pl.Series(np.where(churned, churn, 0), dtype=pl.Int32)
            .cast(pl.Date)
            .set(pl.Series(~churned), None),
            "Journey_Variant": rng.choice(["A", "B"], n),
        }
    )
    return frame, start


def _users(
    rng: np.random.Generator, ids: pl.Series, shape: Shape
) -> tuple[pl.DataFrame, np.ndarray]:
    per = rng.integers(shape.users_low, shape.users_high + 1, len(ids))
    owner = np.repeat(np.arange(len(ids)), per)
    n = len(owner)
    frame = pl.DataFrame(
        {
            # Text columns made from object arrays (a None among them) go in as lists of
            # text: from the array itself polars takes the Object type, which Parquet cannot
            # store (and which it cannot cast to text either).
            "team": pl.Series(
                rng.choice(
                    np.array(["Sales", "Ops", "IT", "Finance", None], dtype=object), n
                ).tolist(),
                dtype=pl.String,
            ),
            "role": pl.Series(
                rng.choice(np.array(ROLE_SPELLINGS, dtype=object), n, p=ROLE_WEIGHTS).tolist(),
                dtype=pl.String,
            ),
            "user_id": [f"usr-{k:09d}" for k in rng.permutation(n)],
            "account_id": ids.gather(owner),
        }
    )
    return frame, per


def _key_rows(
    rng: np.random.Generator, start: np.ndarray, end_day: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(account, key-event code, day) per account: milestones at a pace per account."""
    n = len(start)
    pace = rng.choice([0.5, 1.0, 2.0, 4.0, 99.0], n, p=[0.2, 0.35, 0.25, 0.12, 0.08])
    accounts, codes, days = [], [], []
    for code, event in enumerate(KEY_EVENTS):
        base = {"kickoff_completed": 3, "integration_connected": 12, "data_imported": 18}.get(
            event, 25 + 5 * code
        )
        day = start + (base * pace * rng.uniform(0.6, 1.6, n)).astype(np.int64)
        reached = (day <= end_day) & (rng.random(n) < (0.25 if "_hit" in event else 0.92))
        repeats = np.where(reached, rng.integers(1, 4, n), 0)
        idx = np.repeat(np.arange(n), repeats)
        accounts.append(idx)
        codes.append(np.full(len(idx), code))
        days.append(np.minimum(day[idx] + rng.integers(0, 20, len(idx)), end_day))
    return np.concatenate(accounts), np.concatenate(codes), np.concatenate(days)


def _events(
    rng: np.random.Generator, start: np.ndarray, per: np.ndarray, total: int, names: list[str]
) -> pl.DataFrame:
    """Events with the account and user as positions (__acc, __user; the user may be null)."""
    end_day = (END - date(1970, 1, 1)).days
    k_acc, k_code, k_day = _key_rows(rng, start, end_day)
    rest = total - len(k_acc)
    weight = rng.pareto(1.5, len(start)) + 0.2
    acc = rng.choice(len(start), rest, p=weight / weight.sum())
    # Activity from start to a stopping day: some accounts fell silent months ago.
    silent = rng.random(len(start)) < 0.2
    stop = np.where(silent, end_day - rng.integers(30, 200, len(start)), end_day)
    stop = np.maximum(stop, start + 1)
    day = start[acc] + ((stop[acc] - start[acc]) * rng.power(0.7, rest)).astype(np.int64)
    generic = np.minimum(rng.zipf(1.3, rest) - 1 + len(KEY_EVENTS), len(names) - 1)
    acc = np.concatenate([acc, k_acc])
    code = np.concatenate([generic, k_code])
    day = np.concatenate([day, k_day])
    offset = np.concatenate([[0], np.cumsum(per)[:-1]])
    member = offset[acc] + (rng.random(len(acc)) * per[acc]).astype(np.int64)
    ms = day.astype(np.int64) * DAY_MS + rng.integers(0, DAY_MS, len(acc))
    order = rng.permutation(len(acc))
    no_user = pl.Series(rng.random(len(acc)) < 0.03)
    session = rng.integers(0, 2**40, len(acc))
    return pl.DataFrame(
        {
            "Event": pl.Series(names).gather(code[order]),
            "Timestamp": pl.Series(ms[order]).cast(pl.Datetime("ms", "UTC")),
            "__acc": acc[order],
            "__user": pl.Series(member[order]).set(no_user, None),
            "Session_ID": session,
            "Properties": pl.Series(code[order]),
        }
    ).with_columns(
        pl.format('{{"plan": "p{}", "n": {}}}', "Properties", pl.col("Session_ID") % 97).alias(
            "Properties"
        )
    )


def _touches(rng: np.random.Generator, start: np.ndarray, n: int) -> pl.DataFrame:
    end_day = (END - date(1970, 1, 1)).days
    acc = rng.integers(0, len(start), n)
    day = np.minimum(start[acc] + rng.integers(0, 400, n), end_day)
    csat = np.where(rng.random(n) < 0.33, rng.integers(1, 6, n).astype(float), np.nan)
    return pl.DataFrame(
        {
            "__acc": acc,
            "channel": rng.choice(np.array(CHANNEL_SPELLINGS), n),
            "timestamp": pl.Series(day * DAY_MS + rng.integers(0, DAY_MS, n)).cast(
                pl.Datetime("ms", "UTC")
            ),
            "touchpoint": rng.choice(["Kickoff", "Training 1", "QBR", "Ticket", "Webinar"], n),
            "csat": pl.Series(csat).fill_nan(None),
        }
    )


def generate(
    shape: Shape, accounts: int, events: int, touches: int, seed: int = 11
) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    acc_frame, start = _accounts(rng, accounts)
    ids = acc_frame.get_column("Account_ID")
    users, per = _users(rng, ids, shape)
    user_ids = users.get_column("user_id")
    ev = _events(rng, start, per, events, _names(shape)).select(
        "Event",
        "Timestamp",
        "__acc",
        "__user",
        "Session_ID",
        "Properties",
    )
    ev = ev.with_columns(
        Account_ID=ids.gather(ev.get_column("__acc")),
        User_ID=user_ids.gather(ev.get_column("__user")),
    ).select("Event", "Timestamp", "Account_ID", "User_ID", "Session_ID", "Properties")
    tch = _touches(rng, start, touches)
    tch = tch.with_columns(account_id=ids.gather(tch.get_column("__acc"))).select(
        "account_id", "channel", "timestamp", "touchpoint", "csat"
    )
    return {"accounts": acc_frame, "users": users, "events": ev, "touches": tch}


def spoil_last_row(events: pl.DataFrame) -> pl.DataFrame:
    """The last row's account id names no account."""
    last = events.height - 1
    return events.with_columns(
        pl.when(pl.int_range(pl.len()) == last)
        .then(pl.lit("no-such-account"))
        .otherwise(pl.col("Account_ID"))
        .alias("Account_ID")
    )


def write(frames: dict[str, pl.DataFrame], out: Path, fmt: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for table, frame in frames.items():
        path = out / f"{table}.{fmt}"
        if fmt == "parquet":
            frame.write_parquet(path, compression="snappy", row_group_size=1_000_000)
            continue
        text = frame.with_columns(
            pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
        )
        text.write_csv(path)


def ensure(
    base: Path,
    shape: str,
    fmt: str,
    accounts: int,
    events: int,
    touches: int,
    *,
    bad_last_row: bool = False,
) -> Path:
    """The data set in `base/<name>`, generated once per set of arguments.

    Generated by a child process, this script itself: the caller stays small. A benchmark
    reads each command's peak memory from the kernel (ru_maxrss), and Linux counts in it the
    memory of the process that started the command, so a caller that had just held a
    generated data set (about 0.9 GB for 4M events) made every command seem to peak there."""
    name = f"{shape}-{accounts}-{events}-{touches}-{fmt}" + ("-bad" if bad_last_row else "")
    target = base / name
    if (target / f"events.{fmt}").exists():
        return target
    temp = base / f".{name}.partial"
    command = [sys.executable, str(Path(__file__).resolve()), str(temp), "--shape", shape]
    command += ["--format", fmt, "--accounts", str(accounts), "--events", str(events)]
    command += ["--touches", str(touches)] + (["--bad-last-row"] if bad_last_row else [])
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    temp.rename(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="few")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--touches", type=int, default=1_200_000)
    parser.add_argument("--bad-last-row", action="store_true")
    args = parser.parse_args()
    frames = generate(SHAPES[args.shape], args.accounts, args.events, args.touches)
    if args.bad_last_row:
        frames["events"] = spoil_last_row(frames["events"])
    write(frames, args.out, args.format)
    print(", ".join(f"{t}: {len(f):,}" for t, f in frames.items()))


if __name__ == "__main__":
    main()
