"""The demo generator: exact contract schemas, determinism, and the story the demo must tell
(segment mix, every milestone and expansion signal present, churn, time bounds, volume)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.data import demo
from core.data.validate import load_directory
from core.model.contract import CHANNELS, ROLES, TABLES, schema
from core.model.plan import DEFAULT_EXPANSION_EVENTS, DEFAULT_MILESTONE_EVENTS

END = dt.date(2026, 10, 31)
END_OF_DAY = dt.datetime(2026, 11, 1)


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return demo.generate(accounts=800, seed=11, events_per_account=80)


@pytest.fixture(scope="module")
def mix() -> pl.DataFrame:
    """A larger book (few events, so it stays fast) for proportions."""
    return demo.generate(accounts=3000, seed=5, events_per_account=40)["accounts"]


def _with_start(frame: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    return frame.join(accounts.select("account_id", "start_date", "churn_date"), on="account_id")


# ------------------------------------------------------------------------------ shape


def test_tables_have_exactly_the_contract_schemas(frames: dict[str, pl.DataFrame]) -> None:
    assert list(frames) == list(TABLES)
    for table in TABLES:
        assert frames[table].schema == schema(table), table
        assert len(frames[table]) > 0, table


def test_same_arguments_give_identical_frames() -> None:
    first = demo.generate(accounts=300, seed=3, events_per_account=40)
    second = demo.generate(accounts=300, seed=3, events_per_account=40)
    for table in TABLES:
        assert_frame_equal(first[table], second[table])


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    for run in ("a", "b"):
        demo.write_dataset(
            demo.generate(accounts=150, seed=9, events_per_account=30), tmp_path / run
        )
    for table in TABLES:
        assert (tmp_path / "a" / f"{table}.csv").read_bytes() == (
            tmp_path / "b" / f"{table}.csv"
        ).read_bytes()


def test_a_different_seed_gives_different_data() -> None:
    first = demo.generate(accounts=300, seed=3, events_per_account=40)
    other = demo.generate(accounts=300, seed=4, events_per_account=40)
    for table in TABLES:
        assert not first[table].equals(other[table]), table


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="accounts"):
        demo.generate(accounts=0)
    with pytest.raises(ValueError, match="events_per_account"):
        demo.generate(accounts=5, events_per_account=-1)


# ------------------------------------------------------------------------------ accounts


def test_segment_mix_follows_the_seed_ratio(mix: pl.DataFrame) -> None:
    derived = pl.coalesce(
        "segment",
        pl.when(pl.col("contract_value") < 25_000)
        .then(pl.lit("SMB"))
        .when(pl.col("contract_value") <= 100_000)
        .then(pl.lit("Mid-Market"))
        .otherwise(pl.lit("Enterprise")),
    )
    shares = dict(
        mix.group_by(derived.alias("s")).len().select("s", pl.col("len") / len(mix)).rows()
    )
    assert set(shares) == {"Enterprise", "Mid-Market", "SMB"}
    for name, weight in (("Enterprise", 42), ("Mid-Market", 180), ("SMB", 650)):
        assert shares[name] == pytest.approx(weight / 872, abs=0.025), name


def test_each_csm_covers_one_segment_at_a_plausible_ratio(mix: pl.DataFrame) -> None:
    live = mix.filter(pl.col("churn_date").is_null(), pl.col("csm").is_not_null())
    books = live.group_by("csm").agg(pl.col("segment").drop_nulls().unique(), pl.len())
    assert (books["segment"].list.len() == 1).all()
    mean_book = dict(
        books.select(pl.col("segment").list.first(), "len").group_by("segment").mean().rows()
    )
    assert mean_book["Enterprise"] == pytest.approx(10, rel=0.35)
    assert mean_book["Mid-Market"] == pytest.approx(40, rel=0.35)
    assert mean_book["SMB"] == pytest.approx(150, rel=0.35)
    assert 0 < mix["csm"].null_count() < 0.03 * len(mix)


def test_contract_values_sit_in_their_segment_band(mix: pl.DataFrame) -> None:
    bands = {"SMB": (0, 24_999), "Mid-Market": (25_000, 100_000), "Enterprise": (100_001, 1e9)}
    for name, (low, high) in bands.items():
        values = mix.filter(pl.col("segment") == name)["contract_value"].drop_nulls()
        assert values.min() >= low, name
        assert values.max() <= high, name
        assert (values == values.round(0)).all(), name


def test_gaps_exercise_the_optional_columns(mix: pl.DataFrame) -> None:
    no_segment = mix.filter(pl.col("segment").is_null())
    assert 0.005 < len(no_segment) / len(mix) < 0.04
    assert no_segment["contract_value"].null_count() == 0  # segment can be derived
    assert 0 < mix["contract_value"].null_count() < 0.05 * len(mix)
    assert 0 < mix["licensed_seats"].null_count() < 0.05 * len(mix)
    assert (mix["licensed_seats"].drop_nulls() >= 1).all()


def test_variants_and_start_dates(mix: pl.DataFrame) -> None:
    variants = mix.group_by("segment", "journey_variant").len()
    enterprise = variants.filter(pl.col("segment") == "Enterprise")["journey_variant"].to_list()
    assert enterprise == ["assisted"]
    smb = dict(variants.filter(pl.col("segment") == "SMB").select("journey_variant", "len").rows())
    assert set(smb) == {"guided", "self_serve"}
    assert 0.4 < smb["guided"] / (smb["guided"] + smb["self_serve"]) < 0.6
    assert mix["start_date"].min() >= END - dt.timedelta(days=731)
    assert mix["start_date"].max() <= END
    assert (mix["start_date"] > END - dt.timedelta(days=14)).sum() > 0  # some young accounts
    older = (mix["start_date"] < END - dt.timedelta(days=365)).sum()
    assert older < len(mix) / 2  # mild growth: the second year signs more


def test_ids_are_unique_and_well_formed(frames: dict[str, pl.DataFrame]) -> None:
    accounts, users = frames["accounts"], frames["users"]
    assert accounts["account_id"].is_unique().all()
    assert users["user_id"].is_unique().all()
    assert accounts["account_id"].str.contains(r"^ACC-\d{5}$").all()
    assert users["user_id"].str.contains(r"^U-\d{7}$").all()
    assert accounts["account_name"].is_unique().all()


# ------------------------------------------------------------------------------ references


def test_every_reference_points_to_an_existing_row(frames: dict[str, pl.DataFrame]) -> None:
    accounts = frames["accounts"].select("account_id")
    users = frames["users"].select("user_id", pl.col("account_id").alias("home"))
    for table in ("users", "events", "touches"):
        assert frames[table].join(accounts, on="account_id", how="anti").is_empty(), table
    for table in ("events", "touches"):
        rows = frames[table].filter(pl.col("user_id").is_not_null())
        assert rows.join(users, on="user_id", how="anti").is_empty(), table
        # and every user acts only inside their own account
        joined = rows.join(users, on="user_id")
        assert (joined["account_id"] == joined["home"]).all(), table


def test_roles_and_teams(frames: dict[str, pl.DataFrame]) -> None:
    users = frames["users"]
    assert set(users["role"].drop_nulls().unique()) == set(ROLES)
    assert 0 < users["role"].null_count() < 0.05 * len(users)
    admins = users.filter(pl.col("role") == "admin").group_by("account_id").len()
    assert len(admins) == len(frames["accounts"])
    assert (admins["len"] == 1).all()
    sponsors = users.filter(pl.col("role") == "exec_sponsor")["account_id"].n_unique()
    assert 0.5 * len(frames["accounts"]) < sponsors < len(frames["accounts"])
    teams = users.group_by("account_id").agg(pl.col("team").n_unique())["team"]
    assert teams.min() == 1
    assert teams.max() >= 3


# ------------------------------------------------------------------------------ events


def test_every_milestone_and_expansion_event_occurs(frames: dict[str, pl.DataFrame]) -> None:
    names = set(frames["events"]["event"].unique())
    expected = set(DEFAULT_MILESTONE_EVENTS) | set(DEFAULT_EXPANSION_EVENTS) | {"user_invited"}
    assert expected <= names
    assert {"login", "report_created", "automation_run", "api_call"} <= names


def test_milestones_reached_in_order_with_drop_off(frames: dict[str, pl.DataFrame]) -> None:
    firsts = (
        frames["events"]
        .filter(pl.col("event").is_in(DEFAULT_MILESTONE_EVENTS))
        .group_by("account_id", "event")
        .agg(pl.col("timestamp").min())
        .pivot("event", index="account_id", values="timestamp")
    )
    reached = [firsts[name].count() for name in DEFAULT_MILESTONE_EVENTS]
    assert reached == sorted(reached, reverse=True)  # each step loses some accounts
    assert reached[0] > reached[-1] > 0
    for earlier, later in zip(DEFAULT_MILESTONE_EVENTS, DEFAULT_MILESTONE_EVENTS[1:], strict=False):
        both = firsts.filter(pl.col(later).is_not_null())
        assert (both[earlier] < both[later]).all(), (earlier, later)


def test_some_events_are_messy(frames: dict[str, pl.DataFrame]) -> None:
    events = _with_start(frames["events"], frames["accounts"])
    early = events.filter(pl.col("timestamp").dt.date() < pl.col("start_date"))
    assert 0 < early["account_id"].n_unique() < 0.05 * len(frames["accounts"])
    assert frames["events"].is_duplicated().any()
    assert 0 < frames["events"]["user_id"].null_count() < 0.2 * len(frames["events"])


def test_events_per_account_sets_the_volume() -> None:
    for accounts, per_account in ((500, 50), (400, 200)):
        events = demo.generate(accounts=accounts, seed=2, events_per_account=per_account)["events"]
        assert len(events) == pytest.approx(accounts * per_account, rel=0.15)


def test_nothing_happens_outside_the_customer_lifetime(frames: dict[str, pl.DataFrame]) -> None:
    for table in ("events", "touches"):
        rows = _with_start(frames[table], frames["accounts"])
        assert rows["timestamp"].max() < END_OF_DAY, table
        days_from_start = (rows["timestamp"].dt.date() - rows["start_date"]).dt.total_days()
        assert days_from_start.min() >= -7, table
        after_churn = rows.filter(pl.col("timestamp").dt.date() > pl.col("churn_date"))
        assert after_churn.is_empty(), table


def test_churn_is_plausible(mix: pl.DataFrame) -> None:
    churned = mix.filter(pl.col("churn_date").is_not_null())
    assert 0.06 < len(churned) / len(mix) < 0.15
    assert (churned["churn_date"] > churned["start_date"]).all()
    assert churned["churn_date"].max() <= END


# ------------------------------------------------------------------------------ touches


def test_touches_use_contract_channels_and_sane_csat(frames: dict[str, pl.DataFrame]) -> None:
    touches = frames["touches"]
    assert set(touches["channel"].unique()) <= set(CHANNELS)
    assert {"email", "ticket", "call", "training", "in_app", "meeting"} <= set(touches["channel"])
    rated = touches.filter(pl.col("csat").is_not_null())
    assert set(rated["channel"].unique()) <= {"training", "call", "ticket", "meeting"}
    assert ((rated["csat"] * 2).round(0) == rated["csat"] * 2).all()
    assert rated["csat"].min() >= 1
    assert rated["csat"].max() <= 5
    people = touches.filter(pl.col("channel").is_in(["training", "call", "ticket", "meeting"]))
    assert 0.2 < len(rated) / len(people) < 0.4
    assert 0 < touches["touchpoint"].null_count() < 0.1 * len(touches)


def test_churned_accounts_were_unhappy_and_ticket_heavy(frames: dict[str, pl.DataFrame]) -> None:
    touches = _with_start(frames["touches"], frames["accounts"])
    by_fate = touches.group_by(churned=pl.col("churn_date").is_not_null()).agg(
        pl.col("csat").mean(), (pl.col("channel") == "ticket").mean().alias("ticket_share")
    )
    churned = by_fate.filter(pl.col("churned")).row(0, named=True)
    kept = by_fate.filter(~pl.col("churned")).row(0, named=True)
    assert churned["csat"] < kept["csat"] - 0.2
    assert churned["ticket_share"] > kept["ticket_share"]


# ------------------------------------------------------------------------------ writing


def test_csv_round_trip(frames: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    demo.write_dataset(frames, tmp_path / "out")
    for table in TABLES:
        text = pl.read_csv(tmp_path / "out" / f"{table}.csv", infer_schema=False)
        assert text.columns == list(schema(table)), table
        assert len(text) == len(frames[table]), table
    events = pl.read_csv(tmp_path / "out" / "events.csv", infer_schema=False)
    assert events["timestamp"].str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()
    accounts = pl.read_csv(tmp_path / "out" / "accounts.csv", infer_schema=False)
    assert accounts["start_date"].str.contains(r"^\d{4}-\d\d-\d\d$").all()
    assert accounts["churn_date"].null_count() == frames["accounts"]["churn_date"].null_count()


def test_parquet_round_trip(frames: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    demo.write_dataset(frames, tmp_path / "pq", fmt="parquet")
    for table in TABLES:
        assert_frame_equal(pl.read_parquet(tmp_path / "pq" / f"{table}.parquet"), frames[table])


def test_written_demo_passes_the_contract_validator(
    frames: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    demo.write_dataset(frames, tmp_path)
    loaded = load_directory(tmp_path).frames()
    for table in TABLES:
        assert len(loaded[table]) == len(frames[table]), table
    assert_frame_equal(
        loaded["events"].sort("account_id", "timestamp", "event", "user_id", nulls_last=True),
        frames["events"].sort("account_id", "timestamp", "event", "user_id", nulls_last=True),
    )


def test_unknown_format_is_refused(frames: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        demo.write_dataset(frames, tmp_path, fmt="xlsx")
