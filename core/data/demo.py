"""Deterministic demo data: a believable two-year book of B2B onboardings.

The demo is what a new user sees on first start and what every metric is demonstrated on, so
each account follows a hidden archetype (thriving, steady, slow, struggling, stalled) that
drives its milestone delays, drop-offs, usage, support load and churn. That way every signal
in docs/metrics.md fires for some accounts and not for others, and the segments and journey
variants differ the way a CS leader would expect.

Everything is vectorised numpy drawn from one seeded generator in a fixed order, so the same
arguments always give byte-identical frames, and 100,000 accounts with ~20M events take
seconds. Days are counted relative to each account's start ("rel days"); timestamps are
seconds from the start day's midnight until the very end, where they become absolute UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from core.model.contract import CHANNELS, ROLES, TABLES, schema
from core.model.plan import DEFAULT_EXPANSION_EVENTS, DEFAULT_MILESTONE_EVENTS

DEFAULT_END_DATE = dt.date(2026, 10, 31)
FORMATS: tuple[str, ...] = ("csv", "parquet")

_EPOCH = dt.date(1970, 1, 1)
_DAY = 86_400
_HISTORY_DAYS = 730

# ------------------------------------------------------------------------------ vocabulary

SEGMENTS: tuple[str, ...] = ("Enterprise", "Mid-Market", "SMB")
ENT, MM, SMB = 0, 1, 2
VARIANTS: tuple[str, ...] = ("assisted", "guided", "self_serve")
ASSISTED, GUIDED, SELF_SERVE = 0, 1, 2
ARCHETYPES: tuple[str, ...] = ("thriving", "steady", "slow", "struggling", "stalled")
THRIVING, STEADY, SLOW, STRUGGLING, STALLED = 0, 1, 2, 3, 4

MILESTONES: tuple[str, ...] = DEFAULT_MILESTONE_EVENTS
KICKOFF, INTEGRATION, DATA, TRAINED, FIRST_VALUE, QBR = range(6)
FEATURES: tuple[str, ...] = (
    "login",
    "dashboard_viewed",
    "report_created",
    "comment_added",
    "workflow_edited",
    "automation_run",
    "export_generated",
    "api_call",
)
EVENT_NAMES: tuple[str, ...] = (
    MILESTONES + ("user_invited",) + FEATURES + tuple(DEFAULT_EXPANSION_EVENTS)
)
_EV = {name: code for code, name in enumerate(EVENT_NAMES)}
_FEATURE0 = _EV["login"]

ADMIN, CHAMPION, END_USER, SPONSOR = (
    ROLES.index(r) for r in ("admin", "champion", "end_user", "exec_sponsor")
)
TEAMS: tuple[str, ...] = ("Sales", "Support", "Finance", "Operations", "Marketing", "IT", "HR")
_IT = TEAMS.index("IT")

TOUCHPOINTS: tuple[str, ...] = (
    "Welcome email",
    "Kickoff call",
    "Admin training",
    "Integration office hours",
    "Support ticket",
    "Executive business review",
    "In-app checklist",
    "Help center article",
    "Community forum",
    "Onboarding webinar",
    "Live chat",
    "Product update email",
    "In-app tip",
    "CSM check-in",
    "End-user training",
)
_TP = {name: code for code, name in enumerate(TOUCHPOINTS)}
_CH = {name: code for code, name in enumerate(CHANNELS)}
_SCHEDULED_CHANNELS = ("call", "meeting", "training", "webinar", "office_hours")
_CSAT_CHANNELS = np.array([_CH[c] for c in ("training", "call", "ticket", "meeting")])

# ------------------------------------------------------------------------------ tuning
# Rows are indexed by segment, variant or archetype (in the orders above).

_SEGMENT_MIX = np.array([[42.0, 180.0, 650.0]])
_ARCHETYPE_MIX = np.array(
    [
        [0.27, 0.44, 0.18, 0.08, 0.03],  # assisted (Enterprise)
        [0.28, 0.44, 0.15, 0.09, 0.04],  # guided converts better ...
        [0.20, 0.41, 0.19, 0.13, 0.07],  # ... than self-serve
    ]
)
_CONTRACT_BANDS = np.array([[100_001, 1_500_000], [25_000, 100_000], [2_500, 24_999]], float)
_CONTRACT_SKEW = np.array([[1.4, 4.0], [1.5, 2.6], [2.0, 2.4]])  # beta(a, b) on the log scale
_SEAT_PRICE = np.array([2_500.0, 900.0, 900.0])
_CSM_RATIO = np.array([10, 40, 150])

# Mean days of each milestone step after the previous one (kickoff: after start).
_STEP_DAYS = np.array(
    [
        [6.0, 18.0, 12.0, 12.0, 12.0, 35.0],
        [4.0, 8.0, 6.0, 6.0, 6.0, 25.0],
        [1.5, 3.0, 2.5, 2.5, 3.0, 15.0],
    ]
)
_PACE = np.array([0.7, 1.0, 1.9, 1.5, 1.6])
# Probability of completing exactly 0..6 milestones before dropping off.
_STEPS_DONE = np.array(
    [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.04, 0.96],
        [0.0, 0.0, 0.0, 0.03, 0.04, 0.10, 0.83],
        [0.0, 0.0, 0.03, 0.07, 0.10, 0.20, 0.60],
        [0.0, 0.08, 0.17, 0.25, 0.22, 0.18, 0.10],
        [0.12, 0.45, 0.28, 0.15, 0.0, 0.0, 0.0],
    ]
)
# Churn comes early (months 2-6) or at the first renewal, and mostly from the unhappy.
_EARLY_CHURN = np.array([0.0, 0.01, 0.04, 0.2, 0.45])
_RENEWAL_CHURN = np.array([0.02, 0.06, 0.2, 0.55, 0.8])
_FADE = np.array([0.0, 0.0, 0.05, 0.25, 1.0])  # active a few weeks, then absent
_SINGLE_PLAYER = np.array([0.0, 0.03, 0.08, 0.22, 0.35])  # never invites anyone
_SPONSOR = np.array([0.97, 0.9, 0.75])  # by segment: has an exec sponsor at all
_SPONSOR_ENGAGED = np.array([0.95, 0.85, 0.6, 0.4, 0.1])
_ACCESS_REQUEST = np.array([0.3, 0.1, 0.03, 0.0, 0.0])
_LIMIT_HIT = np.array([0.4, 0.15, 0.05, 0.0, 0.0])
_USER_SHARE = np.array([[0.75, 0.98], [0.6, 0.9], [0.45, 0.8], [0.35, 0.7], [0.3, 0.6]])
_ROLLOUT_DAYS = np.array([40.0, 20.0, 7.0])
_TEAM_COUNT = np.array(
    [
        [0.25, 0.35, 0.25, 0.10, 0.05],
        [0.55, 0.30, 0.12, 0.03, 0.0],
        [0.85, 0.13, 0.02, 0.0, 0.0],
    ]
)
_TEAM_MIX = np.array([[0.22, 0.20, 0.10, 0.22, 0.12, 0.08, 0.06]])
# Usage per user-day; sets who gets the event budget, so adoption lands near the targets.
_SEG_INTENSITY = np.array([1.7, 1.6, 1.3])
_ARCH_INTENSITY = np.array([1.4, 1.0, 0.8, 0.8, 0.5])
_USAGE_SHAPE = np.array([1, 0, 1, 2, 0])  # 0 flat, 1 growing (density 2t), 2 declining
_BREADTH = np.array([[6, 8], [4, 7], [3, 6], [2, 4], [1, 3]])
_FEATURE_POPULARITY = np.array([0.28, 0.22, 0.12, 0.10, 0.08, 0.08, 0.07, 0.05])
_SYSTEM_SHARE = {"automation_run": 0.5, "api_call": 0.7}
_LIMITED_FEATURES = ("report_created", "automation_run", "export_generated", "workflow_edited")
_CSAT_MEAN = np.array([4.75, 4.55, 4.2, 3.4, 3.6])
_FADED_TICKETS = 0.2  # ticket rate of a faded account's lone champion, against the whole team
_LONE_TICKETS = 0.3  # ticket rate of a single-player account, against a team's
_TIMEZONE_HOURS = np.array([[9.0, 13.0, 15.0, 17.0, 3.0], [0.3, 0.15, 0.3, 0.15, 0.1]])

# ------------------------------------------------------------------------------ word lists

_ROOTS = (
    "Northwind", "Bluepeak", "Copperleaf", "Silverline", "Redwood", "Brightwater", "Ironbridge",
    "Clearpath", "Summitview", "Harborlight", "Evergreen", "Stonegate", "Pinecrest", "Lakeshore",
    "Alder", "Beacon", "Cedarline", "Crescent", "Driftwood", "Emberly", "Falconer", "Foxglove",
    "Granite", "Hawthorne", "Juniper", "Keystone", "Lumen", "Mapleton", "Meridian", "Nimbus",
    "Oakridge", "Orchid", "Pallas", "Quarry", "Riverbend", "Saltmarsh", "Sable", "Tidewater",
    "Trillium", "Upland", "Vantage", "Willowby", "Zephyr", "Aurora", "Bramble", "Cobalt",
    "Dovetail", "Elmstead", "Fairhaven", "Glacier", "Highland", "Indigo", "Kestrel", "Larkspur",
    "Marigold", "Northstar", "Obsidian", "Prairie", "Quillon", "Rosewood",
)  # fmt: skip
_INDUSTRIES = (
    "Logistics", "Analytics", "Health", "Systems", "Foods", "Manufacturing", "Software",
    "Energy", "Capital", "Retail", "Labs", "Media", "Dynamics", "Partners", "Robotics",
    "Insurance", "Biotech", "Freight", "Hospitality", "Telecom", "Construction", "Pharma",
    "Apparel", "Outfitters", "Consulting", "Security", "Learning", "Realty", "Marine",
    "Aerospace", "Networks", "Solutions", "Brewing", "Supply", "Textiles", "Motors", "Finance",
    "Clinics", "Studios", "Farms",
)  # fmt: skip
_LEGAL = ("", " Inc.", " Ltd", " Group", " Co.", " GmbH", " LLC", " Holdings", " AG", " BV")
_REGIONS = ("Europe", "APAC", "Americas", "UK", "Nordics", "DACH", "LATAM", "Japan")
_FIRST_NAMES = (
    "Ava", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hugo", "Isla", "Jonas",
    "Keiko", "Liam", "Maya", "Noah", "Olivia", "Priya", "Quentin", "Rosa", "Samir", "Tara",
    "Umar", "Vera", "Wes", "Ximena", "Yusuf", "Zoe", "Aiden", "Bianca", "Carlos", "Dana",
    "Emeka", "Freya", "Gabriel", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Mateo", "Nadia",
)  # fmt: skip
_LAST_NAMES = (
    "Alvarez", "Brooks", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Patel", "Quinn",
    "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Walsh", "Xu", "Yilmaz", "Zimmermann",
    "Becker", "Costa", "Dlamini", "Evans", "Ferreira", "Gupta", "Hughes", "Ibrahim", "Jovanovic",
    "Khan", "Larsen", "Murphy", "Novak", "Olsen",
)  # fmt: skip

# ------------------------------------------------------------------------------ state


@dataclass(frozen=True)
class _Book:
    """Per-account truth, hidden archetype included; arrays are indexed by account."""

    seg: np.ndarray
    variant: np.ndarray
    arch: np.ndarray
    start: np.ndarray  # absolute day number (days since 1970-01-01)
    horizon: np.ndarray  # rel day of end_date
    contract: np.ndarray
    seats: np.ndarray
    tz: np.ndarray  # centre of the working day, hours UTC
    churned: np.ndarray
    churn: np.ndarray  # rel day of churn (meaningful where churned)
    active_end: np.ndarray  # last rel day of customer activity (before churn)
    usage_end: np.ndarray  # last rel day of broad usage (earlier for faded accounts)
    champion_end: np.ndarray  # last rel day the champion still shows up
    single: np.ndarray  # single-player account: only the champion ever uses it
    milestone_s: np.ndarray  # (n, 6) planned rel seconds of each milestone
    reached: np.ndarray  # (n, 6) milestone happened (in order, before the data ends)

    @property
    def n(self) -> int:
        return len(self.seg)

    def day_of(self, step: int) -> np.ndarray:
        return np.floor_divide(self.milestone_s[:, step], _DAY)

    @property
    def kickoff_day(self) -> np.ndarray:
        """Kickoff day, never before start: who joins and when is anchored here."""
        return np.maximum(self.day_of(KICKOFF), 0)


@dataclass(frozen=True)
class _People:
    """Per-user truth plus per-account pointers to the key roles (-1 where there is none)."""

    acc: np.ndarray
    role: np.ndarray  # ROLES index, -1 = empty
    team: np.ndarray
    joined: np.ndarray  # ever invited and active
    join: np.ndarray  # rel day the user joined
    end: np.ndarray  # last rel day the user is active
    weight: np.ndarray  # relative usage intensity
    admin: np.ndarray
    champion: np.ndarray
    sponsor: np.ndarray
    engaged: np.ndarray  # per account: the sponsor stays engaged after kickoff
    requester: np.ndarray
    request_day: np.ndarray
    limit_hit: np.ndarray  # per account: users run into plan limits
    n_core: np.ndarray
    first: np.ndarray

    @property
    def size(self) -> int:
        return len(self.acc)


@dataclass(frozen=True)
class _Rows:
    """A batch of events or touches: account, user (-1 none), code, rel seconds."""

    acc: np.ndarray
    user: np.ndarray
    code: np.ndarray
    sec: np.ndarray

    @staticmethod
    def concat(parts: list[_Rows]) -> _Rows:
        return _Rows(
            np.concatenate([p.acc for p in parts]).astype(np.int32),
            np.concatenate([p.user for p in parts]).astype(np.int32),
            np.concatenate([p.code for p in parts]).astype(np.int16),
            np.concatenate([p.sec for p in parts]).astype(np.int64),
        )

    def take(self, idx: np.ndarray) -> _Rows:
        return _Rows(self.acc[idx], self.user[idx], self.code[idx], self.sec[idx])

    def __len__(self) -> int:
        return len(self.acc)


# ------------------------------------------------------------------------------ public API


def generate(
    accounts: int = 2000,
    seed: int = 7,
    end_date: dt.date = DEFAULT_END_DATE,
    events_per_account: float = 200.0,
) -> dict[str, pl.DataFrame]:
    """The four contract tables of a synthetic book of accounts, identical for equal arguments.

    `events_per_account` sets the average event volume: milestones, invitations and sponsor
    check-ins are fixed by the story (about 40 per account), and product usage fills the rest,
    so below that the total overshoots.
    """
    if accounts < 1:
        raise ValueError(f"accounts must be at least 1, got {accounts}")
    if events_per_account < 0:
        raise ValueError(f"events_per_account must be 0 or more, got {events_per_account}")
    rng = np.random.default_rng(seed)
    end_day = (end_date - _EPOCH).days
    book = _book(rng, accounts, end_day)
    people = _people(rng, book)
    fixed = _story_events(rng, book, people)
    budget = max(round(accounts * events_per_account) - len(fixed), 0)
    usage = _usage_events(rng, book, people, budget)
    touches = _touches(rng, book, people)
    account_ids = _ids("ACC-", accounts, 5)
    user_ids = _ids("U-", people.size, 7)
    return {
        "accounts": _accounts_frame(rng, book, account_ids),
        "users": _users_frame(people, account_ids, user_ids),
        "events": _events_frame(book, _Rows.concat([fixed, usage]), account_ids, user_ids),
        "touches": _touches_frame(rng, book, touches, account_ids, user_ids),
    }


def write_dataset(frames: dict[str, pl.DataFrame], out_dir: Path, fmt: str = "csv") -> None:
    """Write the four tables as `<table>.<fmt>`; CSV uses ISO dates and `...Z` UTC timestamps."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        path = out_dir / f"{table}.{fmt}"
        if fmt == "csv":
            frames[table].write_csv(
                path, date_format="%Y-%m-%d", datetime_format="%Y-%m-%dT%H:%M:%SZ", null_value=""
            )
        else:
            frames[table].write_parquet(path)


# ------------------------------------------------------------------------------ sampling helpers


def _pick(rng: np.random.Generator, probs: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One category per row, row i drawn from the probability row `probs[group[i]]`."""
    cum = np.cumsum(probs, axis=1)
    cum = cum / cum[:, -1:]
    u = rng.random(len(group))
    picked = (u[:, None] >= cum[group]).sum(axis=1)
    return np.minimum(picked, probs.shape[1] - 1).astype(np.int64)


def _chance(rng: np.random.Generator, p: np.ndarray | float, n: int) -> np.ndarray:
    """n coin flips with probability p (single precision: plenty, and half the memory)."""
    return rng.random(n, dtype=np.float32) < p


def _weekday(day: np.ndarray) -> np.ndarray:
    """Monday = 0 for absolute day numbers (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def _tod(rng: np.random.Generator, centre_hours: np.ndarray, step: int = 1) -> np.ndarray:
    """Seconds into the day around each account's working hours, floored to `step` seconds.

    Kept between 00:30 and 22:00 UTC so shifting a time by an hour never changes its date.
    """
    low, high = 1800, 22 * 3600
    noise = rng.standard_normal(len(centre_hours), dtype=np.float32) * np.float32(2.4 * 3600)
    sec = (centre_hours * 3600).astype(np.float32) + noise
    sec = np.where(sec > high, 2 * high - sec, sec)  # reflect rather than pile up at the edge
    sec = np.clip(np.where(sec < low, 2 * low - sec, sec), low, high - 1).astype(np.int64)
    return sec - sec % step


def _scatter(
    rng: np.random.Generator, per_30d: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A Poisson number of items per account at `per_30d` a month, uniform on days [lo, hi]."""
    span = np.maximum(hi - lo + 1, 0)
    counts = rng.poisson(per_30d * span / 30.0)
    idx = np.repeat(np.arange(len(lo)), counts)
    day = lo[idx] + np.floor(rng.random(len(idx)) * span[idx]).astype(np.int64)
    return idx, day


def _cadence(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, period: np.ndarray, jitter: int
) -> tuple[np.ndarray, np.ndarray]:
    """Regular items every `period` days from lo to hi (newsletters, reviews, sponsor check-ins)."""
    counts = np.where(hi >= lo, (hi - lo) // period + 1, 0)
    idx = np.repeat(np.arange(len(lo)), counts)
    k = np.arange(len(idx)) - np.repeat(np.cumsum(counts) - counts, counts)
    day = lo[idx] + k * period[idx] + rng.integers(-jitter, jitter + 1, len(idx))
    return idx, np.clip(day, lo[idx], hi[idx])


def _ids(prefix: str, n: int, width: int) -> pl.Series:
    """Zero-padded sequential ids (ACC-00001), widened when n needs more digits."""
    width = max(width, len(str(n)))
    digits = pl.int_range(1, n + 1, eager=True).cast(pl.String).str.zfill(width)
    return (prefix + digits).alias("id")


def _gather(pool: pl.Series, idx: np.ndarray | pl.Series, name: str) -> pl.Series:
    """Strings from a pool by index; negative indexes become nulls (empty cells)."""
    codes = idx if isinstance(idx, pl.Series) else pl.Series(name, idx.astype(np.int64))
    codes = pl.select(pl.when(codes >= 0).then(codes)).to_series()
    return pool.gather(codes).alias(name)


# ------------------------------------------------------------------------------ accounts


def _book(rng: np.random.Generator, n: int, end_day: int) -> _Book:
    """Draw every account's segment, archetype, money, timeline, drop-off and churn."""
    start = _start_days(rng, n, end_day)
    seg = _pick(rng, _SEGMENT_MIX, np.zeros(n, np.int64))
    variant = np.where(seg == ENT, ASSISTED, np.where(_chance(rng, 0.5, n), GUIDED, SELF_SERVE))
    arch = _pick(rng, _ARCHETYPE_MIX, variant)
    contract = _contract_values(rng, seg)
    seats = np.rint(contract / _SEAT_PRICE[seg] * rng.lognormal(0.0, 0.25, n))
    tz = _TIMEZONE_HOURS[0][_pick(rng, _TIMEZONE_HOURS[1:], np.zeros(n, np.int64))]
    horizon = end_day - start
    milestone_s = _milestone_plan(rng, seg, arch, tz, start)
    kickoff = np.maximum(np.floor_divide(milestone_s[:, KICKOFF], _DAY), 0)
    churned, churn = _churn(rng, arch, horizon)
    active_end, usage_end, champion_end = _activity_ends(
        rng, arch, horizon, churned, churn, kickoff
    )
    single = _chance(rng, np.minimum(_SINGLE_PLAYER[arch] * np.where(seg == SMB, 1.5, 1.0), 1), n)
    steps_done = _pick(rng, _STEPS_DONE, arch)
    in_time = milestone_s < (champion_end[:, None] + 1) * _DAY
    reached = (np.arange(6)[None, :] < steps_done[:, None]) & in_time
    return _Book(
        seg=seg,
        variant=variant,
        arch=arch,
        start=start,
        horizon=horizon,
        contract=contract,
        seats=np.maximum(seats, 2).astype(np.int64),
        tz=tz,
        churned=churned,
        churn=churn,
        active_end=active_end,
        usage_end=usage_end,
        champion_end=champion_end,
        single=single,
        milestone_s=milestone_s,
        reached=reached,
    )


def _start_days(rng: np.random.Generator, n: int, end_day: int) -> np.ndarray:
    """Start dates over the last two years with mild growth, on weekdays, oldest first.

    Sorting before ids are assigned makes ACC-00001 the oldest customer, as in a real CRM.
    """
    u = rng.random(n)
    t = np.where(_chance(rng, 0.6, n), u, np.sqrt(u))
    day = end_day - _HISTORY_DAYS + np.floor(t * (_HISTORY_DAYS + 1)).astype(np.int64)
    day = np.minimum(day, end_day)
    weekday = _weekday(day)
    day = np.where(weekday >= 5, day - (weekday - 4), day)
    return np.sort(day)


def _contract_values(rng: np.random.Generator, seg: np.ndarray) -> np.ndarray:
    """Whole-dollar annual values inside the segment band, skewed towards its low end."""
    lo, hi = np.log(_CONTRACT_BANDS[seg, 0]), np.log(_CONTRACT_BANDS[seg, 1])
    x = rng.beta(_CONTRACT_SKEW[seg, 0], _CONTRACT_SKEW[seg, 1])
    value = np.rint(np.exp(lo + (hi - lo) * x))
    return np.clip(value, _CONTRACT_BANDS[seg, 0], _CONTRACT_BANDS[seg, 1])


def _milestone_plan(
    rng: np.random.Generator,
    seg: np.ndarray,
    arch: np.ndarray,
    tz: np.ndarray,
    start: np.ndarray,
) -> np.ndarray:
    """Planned rel seconds of the six milestones, strictly increasing per account, on
    weekdays (people do these steps). A few kickoffs are logged before the contract start,
    as real CRMs do.
    """
    n = len(seg)
    pace = _PACE[arch] * rng.lognormal(0.0, 0.2, n)
    delays = rng.gamma(2.5, 1 / 2.5, (n, 6)) * _STEP_DAYS[seg] * pace[:, None]
    days = np.cumsum(delays, axis=1)
    early = _chance(rng, 0.02, n)
    days[:, KICKOFF] = np.where(early, -rng.uniform(1, 5, n), days[:, KICKOFF])
    day = np.floor(days).astype(np.int64)
    weekday = _weekday(start[:, None] + day)
    day += np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))  # to Monday
    sec = day * _DAY + _tod(rng, np.repeat(tz, 6), 60).reshape(n, 6)
    for step in range(1, 6):
        sec[:, step] = np.maximum(sec[:, step], sec[:, step - 1] + 900)
    return sec


def _activity_ends(
    rng: np.random.Generator,
    arch: np.ndarray,
    horizon: np.ndarray,
    churned: np.ndarray,
    churn: np.ndarray,
    kickoff: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Last rel days of activity: overall (usage winds down in the weeks before churn), of
    broad usage (faded accounts go quiet 1-4 weeks after kickoff) and of the champion (who
    keeps trickling along in faded accounts that are not stalled outright)."""
    n = len(arch)
    active_end = np.where(churned, np.maximum(churn - rng.integers(0, 22, n), 0), horizon)
    faded = _chance(rng, _FADE[arch], n)
    fade_day = np.minimum(kickoff + rng.integers(7, 29, n), active_end)
    usage_end = np.where(faded, fade_day, active_end)
    champion_end = np.where(faded & (arch != STALLED), active_end, usage_end)
    return active_end, usage_end, champion_end


def _churn(
    rng: np.random.Generator, arch: np.ndarray, horizon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Early churn (months 2-6) and non-renewal at the first anniversary, by archetype."""
    n = len(arch)
    early = _chance(rng, _EARLY_CHURN[arch], n)
    renewal = _chance(rng, _RENEWAL_CHURN[arch], n)
    day = np.where(early, rng.integers(45, 200, n), 365 + rng.integers(-45, 11, n))
    churned = (early | renewal) & (day <= horizon)
    return churned, day


def _csm_pool(rng: np.random.Generator, book: _Book) -> tuple[pl.Series, np.ndarray]:
    """CSM names and each account's CSM, each segment's pool sized to its coverage ratio
    over live accounts (as the CSM load view counts them), so some CSMs come out within the
    ratio and, by the luck of assignment, some over or under it."""
    live = ~book.churned
    sizes = np.array(
        [max(1, round(int((live & (book.seg == s)).sum()) / _CSM_RATIO[s])) for s in range(3)]
    )
    offsets = np.cumsum(sizes) - sizes
    pick = offsets[book.seg] + np.floor(rng.random(book.n) * sizes[book.seg]).astype(np.int64)
    return _person_names(rng, int(sizes.sum())), pick


def _person_names(rng: np.random.Generator, n: int) -> pl.Series:
    """n distinct "First Last" names; past the word lists, middle initials keep them distinct."""
    plain = len(_FIRST_NAMES) * len(_LAST_NAMES)
    k = np.arange(n)
    c = rng.permutation(plain)[k % plain]
    first = pl.Series(_FIRST_NAMES).gather(c // len(_LAST_NAMES))
    last = pl.Series(_LAST_NAMES).gather(c % len(_LAST_NAMES))
    letters = [f" {chr(ord('A') + i)}." for i in range(26)]
    initial = _gather(pl.Series(letters), np.where(k >= plain, (k // plain - 1) % 26, -1), "i")
    frame = pl.DataFrame({"f": first, "i": initial.fill_null(""), "l": last})
    return frame.select(pl.col("f") + pl.col("i") + " " + pl.col("l")).to_series()


def _company_names(rng: np.random.Generator, n: int) -> pl.Series:
    """Distinct names like "Northwind Logistics Ltd"; past the word lists, regions are added."""
    sizes = (len(_ROOTS), len(_INDUSTRIES), len(_LEGAL))
    combos = sizes[0] * sizes[1] * sizes[2]
    order = rng.permutation(combos)
    i = rng.permutation(n)  # spreads the regional names over the book, not its newest end
    c = order[i % combos]
    root = pl.Series(_ROOTS).gather(c // (sizes[1] * sizes[2]))
    industry = pl.Series(_INDUSTRIES).gather(c // sizes[2] % sizes[1])
    legal = pl.Series(_LEGAL).gather(c % sizes[2])
    region_idx = np.where(i >= combos, (i // combos - 1) % len(_REGIONS), -1)
    region = _gather(pl.Series(_REGIONS), region_idx, "region")
    frame = pl.DataFrame({"r": root, "i": industry, "l": legal, "g": region})
    suffix = pl.when(pl.col("g").is_null()).then(pl.lit("")).otherwise(" (" + pl.col("g") + ")")
    return frame.select(pl.col("r") + " " + pl.col("i") + pl.col("l") + suffix).to_series()


def _accounts_frame(rng: np.random.Generator, book: _Book, account_ids: pl.Series) -> pl.DataFrame:
    """The accounts table, with the gaps real CRMs have (segment, value or seats missing)."""
    n = book.n
    csm_names, csm = _csm_pool(rng, book)
    no_segment = _chance(rng, 0.02, n)
    no_value = _chance(rng, 0.015, n) & ~no_segment
    no_seats = _chance(rng, 0.015, n)
    no_csm = _chance(rng, 0.01, n)
    names = _company_names(rng, n)
    frame = pl.DataFrame(
        {
            "account_id": account_ids,
            "account_name": names,
            "segment": _gather(pl.Series(SEGMENTS), np.where(no_segment, -1, book.seg), "s"),
            "contract_value": pl.Series(book.contract).set(pl.Series(no_value), None),
            "start_date": pl.Series(book.start.astype(np.int32)).cast(pl.Date),
            "licensed_seats": pl.Series(book.seats).set(pl.Series(no_seats), None),
            "csm": _gather(csm_names, np.where(no_csm, -1, csm), "c"),
            "churn_date": pl.Series((book.start + book.churn).astype(np.int32))
            .cast(pl.Date)
            .set(pl.Series(~book.churned), None),
            "journey_variant": pl.Series(VARIANTS).gather(book.variant),
        }
    )
    return frame.cast(schema("accounts"))


# ------------------------------------------------------------------------------ users


def _people(rng: np.random.Generator, book: _Book) -> _People:
    """Users per account: admin, champion, usually an exec sponsor, end users, and sometimes
    a user from a new team who asks for access (an expansion signal)."""
    n = book.n
    share = rng.uniform(_USER_SHARE[book.arch, 0], _USER_SHARE[book.arch, 1])
    n_core = np.maximum(np.rint(book.seats * share), 1).astype(np.int64)
    has_sponsor = _chance(rng, _SPONSOR[book.seg], n) & (book.seats >= 3)
    n_core = np.where(has_sponsor, np.maximum(n_core, 3), n_core)
    engaged = has_sponsor & _chance(rng, _SPONSOR_ENGAGED[book.arch], n) & ~book.single
    fv_day = book.day_of(FIRST_VALUE)
    lo, hi = fv_day + 14, book.usage_end
    access = _chance(rng, _ACCESS_REQUEST[book.arch], n) & book.reached[:, FIRST_VALUE] & (hi >= lo)
    request_day = lo + np.floor(np.sqrt(rng.random(n)) * np.maximum(hi - lo + 1, 0))
    limit_hit = _chance(rng, _LIMIT_HIT[book.arch], n)
    n_total = n_core + access
    first = np.cumsum(n_total) - n_total
    acc = np.repeat(np.arange(n, dtype=np.int32), n_total)
    pos = np.arange(len(acc)) - first[acc]
    role, is_requester = _roles(rng, pos, n_core[acc], has_sponsor[acc], access[acc])
    team = _teams(rng, book, acc, role, is_requester)
    join, joined, end = _membership(rng, book, acc, role, pos, n_core, has_sponsor, is_requester)
    join = np.where(is_requester, request_day[acc] + rng.integers(1, 6, len(acc)), join)
    joined &= join <= end
    weight = _weights(rng, book, acc, role, is_requester)
    return _People(
        acc=acc,
        role=role,
        team=team,
        joined=joined,
        join=join,
        end=end,
        weight=weight,
        admin=first,
        champion=first + (n_core >= 2),
        sponsor=np.where(has_sponsor, first + 2, -1),
        engaged=engaged,
        requester=np.where(access, first + n_core, -1),
        request_day=request_day.astype(np.int64),
        limit_hit=limit_hit,
        n_core=n_core,
        first=first,
    )


def _roles(
    rng: np.random.Generator,
    pos: np.ndarray,
    n_core: np.ndarray,
    has_sponsor: np.ndarray,
    access: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Role codes by position in the account: 0 admin, 1 champion, 2 sponsor, then end users."""
    is_requester = access & (pos == n_core)
    role = np.full(len(pos), END_USER, np.int64)
    role[pos == 0] = ADMIN
    role[(pos == 1) & (pos < n_core)] = CHAMPION
    role[(pos == 2) & has_sponsor] = SPONSOR
    blank = (role == END_USER) & ~is_requester & _chance(rng, 0.01, len(pos))
    return np.where(blank, -1, role), is_requester


def _teams(
    rng: np.random.Generator,
    book: _Book,
    acc: np.ndarray,
    role: np.ndarray,
    is_requester: np.ndarray,
) -> np.ndarray:
    """Teams: bigger healthy accounts span several departments, small ones one or two.

    Each account walks the team list from a primary team with a step coprime to 7, so its
    k-th team is distinct, and an access request always comes from a team not yet on board.
    """
    n = book.n
    primary = _pick(rng, _TEAM_MIX, np.zeros(n, np.int64))
    step = rng.integers(1, 4, n)
    grown = (book.arch == THRIVING) & _chance(rng, 0.5, n)
    n_teams = np.minimum(_pick(rng, _TEAM_COUNT, book.seg) + 1 + grown, 5)
    k = np.floor(n_teams[acc] * rng.random(len(acc)) ** 2.0).astype(np.int64)
    k = np.where(role == SPONSOR, 0, k)
    k = np.where(is_requester, n_teams[acc], k)
    team = (primary[acc] + k * step[acc]) % len(TEAMS)
    it_admin = (role == ADMIN) & _chance(rng, 0.1, len(acc))
    return np.where(it_admin, _IT, team)


def _membership(
    rng: np.random.Generator,
    book: _Book,
    acc: np.ndarray,
    role: np.ndarray,
    pos: np.ndarray,
    n_core: np.ndarray,
    has_sponsor: np.ndarray,
    is_requester: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """When each user joins and stops: pilots right after kickoff, the rest after training.

    Single-player accounts never bring anyone but the champion in.
    """
    u = len(acc)
    kickoff = book.kickoff_day[acc]
    n_end = np.maximum(n_core - 2 - has_sponsor, 0)
    rank = pos - 2 - has_sponsor[acc]
    pilot = rank < np.maximum(1, np.rint(0.25 * n_end[acc]))
    rollout = book.day_of(TRAINED)[acc] + np.floor(
        rng.exponential(1.0, u) * _ROLLOUT_DAYS[book.seg[acc]] * _PACE[book.arch[acc]]
    ).astype(np.int64)
    join = np.where(pilot, kickoff + rng.integers(1, 15, u), rollout)
    join = np.where(role == ADMIN, 0, join)
    join = np.where((role == CHAMPION) | (role == SPONSOR), kickoff, join)
    joined = pilot | book.reached[acc, TRAINED] | (role == ADMIN) | (role == CHAMPION)
    joined |= role == SPONSOR
    is_champion = pos == np.minimum(1, n_core[acc] - 1)
    joined &= ~book.single[acc] | is_champion
    end = np.where(is_champion, book.champion_end[acc], book.usage_end[acc])
    leaves = ~is_champion & (role != ADMIN) & _chance(rng, 0.08, u)
    end = np.where(leaves, np.minimum(end, join + rng.exponential(150.0, u).astype(np.int64)), end)
    joined |= is_requester
    return join, joined & (join <= end), end


def _weights(
    rng: np.random.Generator,
    book: _Book,
    acc: np.ndarray,
    role: np.ndarray,
    is_requester: np.ndarray,
) -> np.ndarray:
    """Relative daily usage: champions most, admins steady, end users varied, sponsors via
    their own cadence (see _sponsor_events), admins of single-player accounts not at all."""
    base = rng.gamma(2.0, 0.5, len(acc))
    base = np.where(role == CHAMPION, 3.0, base)
    base = np.where(role == ADMIN, np.where(book.single[acc], 0.0, 1.5), base)
    base = np.where(role == SPONSOR, 0.0, base)
    base = np.where(is_requester, 1.0, base)
    trickle = (book.champion_end != book.usage_end)[acc] & (role == CHAMPION)
    base = np.where(trickle, 0.3, base)
    return base * _SEG_INTENSITY[book.seg[acc]] * _ARCH_INTENSITY[book.arch[acc]]


def _users_frame(people: _People, account_ids: pl.Series, user_ids: pl.Series) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "user_id": user_ids,
            "account_id": account_ids.gather(people.acc),
            "role": _gather(pl.Series(ROLES), people.role, "role"),
            "team": pl.Series(TEAMS).gather(people.team),
        }
    )
    return frame.cast(schema("users"))


# ------------------------------------------------------------------------------ events


def _at(rng: np.random.Generator, book: _Book, acc: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Rel seconds for events on the given rel days, at the account's working hours."""
    return day.astype(np.int64) * _DAY + _tod(rng, book.tz[acc])


def _rows(acc: np.ndarray, user: np.ndarray, code: np.ndarray | int, sec: np.ndarray) -> _Rows:
    return _Rows(acc, user, np.broadcast_to(np.asarray(code, np.int16), acc.shape), sec)


def _story_events(rng: np.random.Generator, book: _Book, people: _People) -> _Rows:
    """Everything that is not routine usage: milestones (with a few duplicates), invitations,
    the exec sponsor's activity and access requests."""
    milestones = _milestone_events(book, people)
    dup = np.flatnonzero(_chance(rng, 0.015, len(milestones)))
    return _Rows.concat(
        [
            milestones,
            milestones.take(dup),
            _invite_events(rng, book, people),
            _sponsor_events(rng, book, people),
            _access_events(rng, book, people),
        ]
    )


def _milestone_events(book: _Book, people: _People) -> _Rows:
    """One event per reached milestone, by the role that does that step in real projects."""
    setup = np.where(book.single, people.champion, people.admin)
    qbr = np.where(people.engaged, people.sponsor, people.champion)
    actor = (people.champion, setup, setup, people.champion, people.champion, qbr)
    parts = []
    for step in range(6):
        acc = np.flatnonzero(book.reached[:, step])
        parts.append(_rows(acc, actor[step][acc], step, book.milestone_s[acc, step]))
    return _Rows.concat(parts)


def _invite_events(rng: np.random.Generator, book: _Book, people: _People) -> _Rows:
    """The admin invites each user on the day they join; single-player accounts invite no one."""
    invited = people.joined & (people.role != ADMIN) & ~book.single[people.acc]
    invited &= np.arange(people.size) != people.admin[people.acc]
    user = np.flatnonzero(invited)
    acc = people.acc[user]
    sec = _at(rng, book, acc, people.join[user])
    return _rows(acc, people.admin[acc], _EV["user_invited"], sec)


def _sponsor_events(rng: np.random.Generator, book: _Book, people: _People) -> _Rows:
    """Sponsors show up at kickoff; engaged ones keep checking in every week or two after."""
    kicked = np.flatnonzero((people.sponsor >= 0) & book.reached[:, KICKOFF])
    kick_s = book.milestone_s[kicked, KICKOFF]
    sponsor = people.sponsor[kicked]
    later = kick_s + rng.integers(600, 5400, len(kicked))
    parts = [
        _rows(kicked, sponsor, _EV["login"], kick_s - 1800),
        _rows(kicked, sponsor, _EV["dashboard_viewed"], later),
    ]
    engaged = people.engaged
    lo = np.where(engaged, book.kickoff_day + rng.integers(3, 11, book.n), 1)
    hi = np.where(engaged, book.usage_end, 0)
    acc, day = _cadence(rng, lo, hi, rng.integers(6, 13, book.n), 2)
    kind = _pick(rng, np.array([[0.7, 0.1, 0.2]]), np.zeros(len(acc), np.int64))
    codes = np.array([_EV["dashboard_viewed"], _EV["report_created"], _EV["comment_added"]])
    parts.append(_rows(acc, people.sponsor[acc], codes[kind], _at(rng, book, acc, day)))
    return _Rows.concat(parts)


def _access_events(rng: np.random.Generator, book: _Book, people: _People) -> _Rows:
    """A user from a department not yet on board asks for access (second-team expansion)."""
    acc = np.flatnonzero(people.requester >= 0)
    sec = _at(rng, book, acc, people.request_day[acc])
    return _rows(acc, people.requester[acc], _EV["access_requested"], sec)


def _usage_events(rng: np.random.Generator, book: _Book, people: _People, budget: int) -> _Rows:
    """Routine product usage: `budget` events (in expectation) spread over users by intensity
    and active days, shaped by archetype (growing, flat or declining) and mostly on weekdays."""
    span = np.where(people.joined, np.maximum(people.end - people.join + 1, 0), 0)
    load = people.weight * span
    total = float(load.sum())
    counts = rng.poisson(load * (budget / total if total > 0 else 0.0))
    user = np.repeat(np.arange(people.size, dtype=np.int32), counts)
    acc = people.acc[user]
    day = _usage_days(rng, book, people, user, acc, span)
    code = _feature_codes(rng, book, acc)
    code = _limit_hits(rng, book, people, acc, day, code)
    system = np.zeros(len(code), bool)
    for name, share in _SYSTEM_SHARE.items():
        candidates = np.flatnonzero(code == _EV[name])
        system[candidates] = _chance(rng, share, len(candidates))
    sec = day * _DAY + _tod(rng, book.tz[acc])
    return _Rows(acc, np.where(system, -1, user), code, sec)


def _usage_days(
    rng: np.random.Generator,
    book: _Book,
    people: _People,
    user: np.ndarray,
    acc: np.ndarray,
    span: np.ndarray,
) -> np.ndarray:
    """Rel day of each usage event inside its user's active period, weekends mostly avoided."""
    t = rng.random(len(user), dtype=np.float32)
    shape = _USAGE_SHAPE[book.arch[acc]]
    t = np.where(shape == 1, np.sqrt(t), t)
    t = np.where(shape == 2, (1 - np.sqrt(1 - 0.91 * t)) / 0.7, t)  # density 1 - 0.7t
    join = people.join[user]
    day = join + np.minimum((t * span[user]).astype(np.int64), span[user] - 1)
    weekday = _weekday(book.start[acc] + day)
    friday = day - (weekday - 4)
    move = (weekday >= 5) & (friday >= join) & _chance(rng, 0.8, len(day))
    return np.where(move, friday, day)


def _feature_codes(rng: np.random.Generator, book: _Book, acc: np.ndarray) -> np.ndarray:
    """Feature used by each event: healthy accounts have adopted more features, and events
    aimed at a feature the account never adopted fall back to logging in or a dashboard."""
    n, k = book.n, len(FEATURES)
    gumbel = np.log(_FEATURE_POPULARITY)[None, :] - np.log(-np.log(rng.random((n, k))))
    gumbel[:, 0] = np.inf  # everyone logs in
    rank = np.argsort(np.argsort(-gumbel, axis=1), axis=1)
    breadth = rng.integers(_BREADTH[book.arch, 0], _BREADTH[book.arch, 1] + 1)
    adopted = (rank < breadth[:, None]).ravel()
    cum = np.cumsum(_FEATURE_POPULARITY) / _FEATURE_POPULARITY.sum()
    feature = np.searchsorted(cum, rng.random(len(acc), dtype=np.float32), side="right")
    feature = np.minimum(feature, k - 1).astype(np.int16)
    fallback = np.where(_chance(rng, 0.55, len(acc)), 0, 1).astype(np.int16)
    feature = np.where(adopted[acc.astype(np.int64) * k + feature], feature, fallback)
    return (feature + _FEATURE0).astype(np.int16)


def _limit_hits(
    rng: np.random.Generator,
    book: _Book,
    people: _People,
    acc: np.ndarray,
    day: np.ndarray,
    code: np.ndarray,
) -> np.ndarray:
    """In some healthy accounts, heavy features start hitting plan limits after first value."""
    heavy = np.isin(code, [_EV[name] for name in _LIMITED_FEATURES])
    reached = book.reached[:, FIRST_VALUE]
    eligible = heavy & people.limit_hit[acc] & reached[acc]
    eligible &= day >= book.day_of(FIRST_VALUE)[acc] + 20
    hit = eligible & _chance(rng, 0.03, len(code))
    return np.where(hit, _EV["feature_limit_hit"], code).astype(np.int16)


def _time_ordered(book: _Book, rows: _Rows, **extra: pl.Series) -> pl.DataFrame:
    """Rows as integer columns in time order, ties in generation order.

    The row number goes into the low bits of the sort key, so keys are unique and a plain
    (fast, unstable) sort still gives one deterministic order.
    """
    ts = book.start[rows.acc] * _DAY + rows.sec
    bits = max(1, (len(ts) - 1).bit_length())
    base = int(ts.min()) if len(ts) else 0
    key = np.sort(((ts - base) << bits) | np.arange(len(ts), dtype=np.int64))
    order = pl.Series(key & ((1 << bits) - 1))
    frame = pl.DataFrame({"acc": rows.acc, "user": rows.user, "code": rows.code, "ts": ts, **extra})
    return frame.select(pl.all().gather(order))


def _timestamps(seconds: pl.Series) -> pl.Series:
    return (seconds.cast(pl.Int64) * 1_000_000).cast(pl.Datetime("us"))


def _events_frame(
    book: _Book, rows: _Rows, account_ids: pl.Series, user_ids: pl.Series
) -> pl.DataFrame:
    ordered = _time_ordered(book, rows)
    frame = pl.DataFrame(
        {
            "account_id": account_ids.gather(ordered["acc"]),
            "user_id": _gather(user_ids, ordered["user"], "user_id"),
            "event": pl.Series(EVENT_NAMES).gather(ordered["code"]),
            "timestamp": _timestamps(ordered["ts"]),
        }
    )
    return frame.cast(schema("events"))


# ------------------------------------------------------------------------------ touches


@dataclass(frozen=True)
class _TouchBatch:
    """Touches of one kind: one channel, one touchpoint name, one kind of recipient."""

    acc: np.ndarray
    day: np.ndarray
    channel: str
    touchpoint: str
    who: str  # champion, admin, sponsor, anyone or none


def _touches(rng: np.random.Generator, book: _Book, people: _People) -> tuple[_Rows, np.ndarray]:
    """All touches as rows (code = channel) plus their touchpoint codes, in generation order."""
    touch_end = np.where(book.churned, book.churn, book.horizon)
    rows: list[_Rows] = []
    touchpoints: list[np.ndarray] = []
    for batch in _onboarding_touches(rng, book) + _ongoing_touches(rng, book, people):
        acc = batch.acc.astype(np.int64)
        keep = batch.day <= touch_end[acc]
        acc, day = acc[keep], batch.day[keep]
        step = 60
        if batch.channel in _SCHEDULED_CHANNELS:  # people meet on weekdays, on the quarter hour
            weekday = _weekday(book.start[acc] + day)
            day = np.where(weekday >= 5, np.maximum(day - (weekday - 4), 0), day)
            step = 900
        sec = day.astype(np.int64) * _DAY + _tod(rng, book.tz[acc], step)
        user = _recipients(rng, people, acc, day, batch.who)
        rows.append(_rows(acc, user, _CH[batch.channel], sec))
        touchpoints.append(np.full(len(acc), _TP[batch.touchpoint], np.int64))
    return _Rows.concat(rows), np.concatenate(touchpoints)


def _on(mask: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One touch per account where `mask` holds, on that account's `day`."""
    idx = np.flatnonzero(mask)
    return idx, day[idx]


def _onboarding_touches(rng: np.random.Generator, book: _Book) -> list[_TouchBatch]:
    """Welcome, kickoff, training and setup help, by journey variant: assisted and guided
    accounts get people (calls, training), self-serve gets webinars, checklists and articles."""
    n, seg = book.n, book.seg
    day0 = np.zeros(n, np.int64)
    kick = book.kickoff_day
    kicked = book.reached[:, KICKOFF]
    served = book.variant != SELF_SERVE
    integration = np.where(book.reached[:, INTEGRATION], book.day_of(INTEGRATION), kick + 30)
    integration = np.minimum(integration, book.active_end)
    hours = np.array([0.5, 1.0, 2.0, 2.5, 1.0])[book.arch] * np.where(served, 1.0, 0.4)
    hours_per_30d = hours * 30 / np.maximum(integration - kick + 1, 1)
    webinar_day = np.minimum(kick + rng.integers(0, 10, n), book.active_end)
    training_day = np.maximum(integration - rng.integers(0, 5, n), kick)
    first_month = np.minimum(kick + 30, book.active_end)
    first_weeks = np.minimum(21, book.usage_end)
    rollout = np.minimum(kick + 60, book.active_end)
    end_user_training = book.reached[:, TRAINED] & (seg != SMB)
    return [
        _TouchBatch(np.arange(n), day0, "email", "Welcome email", "champion"),
        _TouchBatch(*_on(kicked & served, kick), "call", "Kickoff call", "sponsor"),
        _TouchBatch(
            *_on(kicked & ~served, webinar_day), "webinar", "Onboarding webinar", "champion"
        ),
        _TouchBatch(
            *_scatter(rng, hours_per_30d, kick, integration),
            "office_hours",
            "Integration office hours",
            "admin",
        ),
        _TouchBatch(*_on(kicked & served, training_day), "training", "Admin training", "admin"),
        _TouchBatch(
            *_scatter(rng, np.where(served, 0.0, 4.0), kick, first_month),
            "documentation",
            "Help center article",
            "admin",
        ),
        _TouchBatch(
            *_scatter(rng, np.where(seg == ENT, 0.0, 3.0), day0, first_weeks),
            "in_app",
            "In-app checklist",
            "champion",
        ),
        _TouchBatch(
            *_on(end_user_training, book.day_of(TRAINED)), "training", "End-user training", "none"
        ),
        _TouchBatch(
            *_scatter(rng, np.where(seg == SMB, 0.0, 0.5), kick, rollout),
            "webinar",
            "Onboarding webinar",
            "anyone",
        ),
    ]


def _per_archetype(book: _Book, *rates: float) -> np.ndarray:
    return np.array(rates)[book.arch]


def _ongoing_touches(rng: np.random.Generator, book: _Book, people: _People) -> list[_TouchBatch]:
    """Monthly rhythm after kickoff; struggling accounts file many tickets while the rest of
    the relationship goes quiet, so tickets become their main channel."""
    n, seg = book.n, book.seg
    kick = book.kickoff_day
    touch_end = np.where(book.churned, book.churn, book.horizon)
    using = book.champion_end  # in-product and support touches need someone using it
    managed = np.where(seg == SMB, np.where(book.variant == GUIDED, 0.3, 0.0), 1.0)
    tickets = _per_archetype(book, 0.3, 0.5, 0.9, 2.5, 0.8) * np.array([1.5, 1.2, 1.0])[seg]
    tickets = np.where(book.single, tickets * _LONE_TICKETS, tickets)  # one person, fewer asks
    reviewed = people.engaged & book.reached[:, QBR] & (seg != SMB)
    first_review = np.where(reviewed, book.day_of(QBR), touch_end + 1)
    return [
        _TouchBatch(
            *_cadence(rng, np.full(n, 30), touch_end, np.full(n, 30), 3),
            "email",
            "Product update email",
            "none",
        ),
        _TouchBatch(
            *_scatter(rng, _per_archetype(book, 1.6, 1.6, 1.2, 0.6, 0.2), kick, using),
            "in_app",
            "In-app tip",
            "anyone",
        ),
        _TouchBatch(
            *_scatter(
                rng, _per_archetype(book, 1.0, 1.0, 1.2, 0.6, 0.4) * managed, kick, touch_end
            ),
            "call",
            "CSM check-in",
            "champion",
        ),
        # Tickets come from people using the product: once an account fades, the lone
        # champion files a trickle, so "tickets as main channel" comes and goes with it.
        _TouchBatch(
            *_scatter(rng, tickets, kick, book.usage_end), "ticket", "Support ticket", "anyone"
        ),
        _TouchBatch(
            *_scatter(rng, tickets * _FADED_TICKETS, book.usage_end + 1, using),
            "ticket",
            "Support ticket",
            "anyone",
        ),
        _TouchBatch(
            *_scatter(
                rng, _per_archetype(book, 0.3, 0.4, 0.6, 0.5, 0.2) * (seg != ENT), kick, using
            ),
            "chat",
            "Live chat",
            "anyone",
        ),
        _TouchBatch(
            *_scatter(rng, _per_archetype(book, 0.8, 0.8, 1.0, 0.4, 0.3), kick, using),
            "documentation",
            "Help center article",
            "anyone",
        ),
        _TouchBatch(
            *_scatter(rng, _per_archetype(book, 0.5, 0.3, 0.2, 0.05, 0.0), kick, using),
            "community",
            "Community forum",
            "anyone",
        ),
        _TouchBatch(
            *_cadence(rng, first_review, touch_end, np.full(n, 91), 7),
            "meeting",
            "Executive business review",
            "sponsor",
        ),
    ]


def _recipients(
    rng: np.random.Generator, people: _People, acc: np.ndarray, day: np.ndarray, who: str
) -> np.ndarray:
    """The user a touch was with. "anyone" is a user already on board (never the sponsor);
    otherwise, and where there is no sponsor, it is the champion."""
    if who == "none":
        return np.full(len(acc), -1, np.int64)
    if who == "anyone":
        pick = people.first[acc] + np.floor(rng.random(len(acc)) * people.n_core[acc])
        pick = pick.astype(np.int64)
        on_board = people.joined[pick] & (people.join[pick] <= day) & (pick != people.sponsor[acc])
        return np.where(on_board, pick, people.champion[acc])
    if who == "sponsor":
        return np.where(people.sponsor[acc] >= 0, people.sponsor[acc], people.champion[acc])
    return getattr(people, who)[acc]


def _touches_frame(
    rng: np.random.Generator,
    book: _Book,
    touches: tuple[_Rows, np.ndarray],
    account_ids: pl.Series,
    user_ids: pl.Series,
) -> pl.DataFrame:
    """Touches in time order, CSAT on ~30% of people touches, the odd untagged touchpoint."""
    rows, tp = touches
    tp = np.where(_chance(rng, 0.04, len(tp)), -1, tp)
    ordered = _time_ordered(book, rows, tp=pl.Series(tp), csat=_csat(rng, book, rows))
    frame = pl.DataFrame(
        {
            "account_id": account_ids.gather(ordered["acc"]),
            "user_id": _gather(user_ids, ordered["user"], "user_id"),
            "channel": pl.Series(CHANNELS).gather(ordered["code"]),
            "timestamp": _timestamps(ordered["ts"]),
            "touchpoint": _gather(pl.Series(TOUCHPOINTS), ordered["tp"], "touchpoint"),
            "csat": ordered["csat"],
        }
    )
    return frame.cast(schema("touches"))


def _csat(rng: np.random.Generator, book: _Book, rows: _Rows) -> pl.Series:
    """Survey answers 1-5 in whole or half points, lower for struggling accounts and tickets."""
    n = len(rows)
    mean = _CSAT_MEAN[book.arch[rows.acc]] - 0.2 * (rows.code == _CH["ticket"])
    raw = mean + rng.normal(0.0, 0.6, n)
    value = np.where(_chance(rng, 0.75, n), np.rint(raw), np.rint(raw * 2) / 2)
    value = np.clip(value, 1.0, 5.0)
    asked = np.isin(rows.code, _CSAT_CHANNELS) & _chance(rng, 0.3, n)
    return pl.Series("csat", value).set(pl.Series(~asked), None)
