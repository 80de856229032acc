"""Every number the Scorecards and At-risk pages compute is the same whether the engine passes
over the raw events or reads the data version's rollups (core.data.rollups), on the demo data
and on a data set of another shape (benchmarks/shapes.py: many users and event names), at the
latest event, in the middle of the history and early on, with plans that use every path
(default lists, segment overrides, journey signals of both rules)."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import fields, is_dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core import engine
from core.data.overview import event_catalogue
from core.data.rollups import EventRollups, rollups_of
from core.data.validate import load_directory
from core.engine import RolledTables, build_context
from core.engine.calibration import calibrate
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan
from core.scorecards.bundle import Filters, build_bundle
from core.scorecards.plan_preview import compare_plans
from core.workspace.demo_workspace import demo_dataset
from tests.support.rollup_reference import plain_first_events
from tests.unit.engine.test_engine_reference import CUSTOM, JOURNEY, PLAN

ROOT = Path(__file__).resolve().parents[3]
PLANS = {"default": PLAN, "custom": CUSTOM, "journey": JOURNEY}


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return demo_dataset(accounts=300, seed=5)


@pytest.fixture(scope="module")
def shaped(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """Data not made by the demo generator: 10-60 users per account, 400 event names."""
    folder = tmp_path_factory.mktemp("shape")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "shapes.py"),
            str(folder),
            "--shape",
            "many",
            "--accounts",
            "300",
            "--events",
            "90000",
            "--touches",
            "6000",
        ],
        check=True,
        capture_output=True,
    )
    return load_directory(folder)


def analysis_dates(data: Dataset) -> list[date | None]:
    """None (the latest event, found by the engine), the middle of the history, and a date
    early on, when few accounts have started."""
    stamps = data.events.get_column("timestamp")
    first, last = stamps.min().date(), stamps.max().date()  # type: ignore[union-attr]
    return [None, first + (last - first) / 2, first + timedelta(days=40)]


def same(a: object, b: object, where: str) -> None:
    """Frames equal with rows in the same order, every value exact but floats to 1e-12 (the
    raw path itself sums means in parallel, so their last bit varies from run to run: two
    raw runs differ there too); dataclasses field by field; else ==."""
    if isinstance(a, pl.DataFrame):
        assert isinstance(b, pl.DataFrame), where
        try:
            assert_frame_equal(a, b, check_exact=False, rel_tol=1e-12, abs_tol=1e-12)
        except AssertionError as error:
            raise AssertionError(f"{where}: {error}") from None
    elif is_dataclass(a) and not isinstance(a, type):
        for f in fields(a):
            if f.name not in ("cache",):
                same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)), where
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) or (a != a and b != b), where
    else:
        assert a == b, where


def page_numbers(data: object, plan: MeasurementPlan, as_of: date | None) -> dict[str, object]:
    """What the two pages compute (ui/scorecards/compute.py, ui/at_risk/compute.py)."""
    ctx = build_context(data, plan, as_of)  # type: ignore[arg-type]
    scores = engine.score_table(ctx)
    bundle, bctx = build_bundle(data, plan, ctx.as_of, Filters())  # type: ignore[arg-type]
    segment = bundle.segments[0] if bundle.segments else None
    filtered, fctx = build_bundle(data, plan, ctx.as_of, Filters(segment=segment))  # type: ignore[arg-type]
    return {
        "as_of": ctx.as_of,
        "scores": scores,
        "at_risk": engine.at_risk_table(scores),
        "reasons": engine.explained_scores(ctx),
        "expansion": engine.expansion_table(ctx),
        "csm_load": engine.csm_load_table(ctx),
        "bundle": bundle,
        "bundle, one segment": filtered,
        "what-if": engine.what_if(bctx, 1, 0.2, None),
        "what-if, one segment": engine.what_if(fctx, 1, 0.2, segment),
        "cohorts": engine.judged_cohort_table(bctx),
        "a/b": engine.ab_table(bctx),
        "attribution": engine.attribution_table(bctx),
        "funnel, one segment": engine.funnel_table(ctx, segment),
        "backtest": engine.backtest(data, plan, ctx.as_of),  # type: ignore[arg-type]
        "preview": compare_plans(data, plan, CUSTOM, ctx.as_of, base=bctx),  # type: ignore[arg-type]
        "calibration": calibrate(
            build_context(data, plan, ctx.as_of, since=ctx.as_of - timedelta(days=120))  # type: ignore[arg-type]
        ),
    }


@pytest.mark.parametrize("which", ["demo", "shaped"])
@pytest.mark.parametrize("plan_name", sorted(PLANS))
def test_every_page_number_is_the_same_from_the_rollups(
    which: str, plan_name: str, request: pytest.FixtureRequest
):
    data: Dataset = request.getfixturevalue(which)
    plan = PLANS[plan_name]
    rolled = RolledTables(data, rollups_of(data))
    for as_of in analysis_dates(data):
        raw = page_numbers(data, plan, as_of)
        from_rollups = page_numbers(rolled, plan, as_of)
        assert raw["scores"].height > 0 or as_of is not None  # type: ignore[union-attr]
        for name, value in raw.items():
            same(value, from_rollups[name], f"{which}, {plan_name}, {as_of}: {name}")


def test_one_rollups_object_serves_many_dates_and_filters(demo: Dataset):
    """The key events' occurrences are computed once per key list and then cut per date
    and accounts: moving the date back and forth gives the raw path's numbers each time."""
    rollups = rollups_of(demo)
    rolled = RolledTables(demo, rollups)
    dates = [d for d in analysis_dates(demo) if d is not None]
    for as_of in [*dates, *reversed(dates)]:
        for filters in (Filters(), Filters(segment="SMB")):
            raw, _ = build_bundle(demo, JOURNEY, as_of, filters)
            ours, _ = build_bundle(rolled, JOURNEY, as_of, filters)
            same(raw, ours, f"{as_of} {filters}")
    assert len(rollups._memo) == 1  # one key list: the occurrences were computed once


def test_the_rollups_hold_first_occurrences_and_names(demo: Dataset):
    rollups = rollups_of(demo)
    assert isinstance(rollups, EventRollups)
    assert rollups.latest == demo.events.get_column("timestamp").max()
    names = rollups.event_names.get_column("event").drop_nulls().sort().to_list()
    assert names == demo.events.get_column("event").drop_nulls().unique().sort().to_list()
    firsts = rollups.first_events
    assert firsts.select("account_id", "event").is_duplicated().sum() == 0
    starts = firsts.join(demo.accounts.select("account_id", "start_date"), on="account_id")
    assert (starts.get_column("first_at").dt.date() >= starts.get_column("start_date")).all()


@pytest.mark.parametrize("data_name", ["demo", "shaped"])
def test_the_catalogue_and_first_occurrences_from_the_rollups_match_the_rows(
    data_name: str, request: pytest.FixtureRequest
):
    """The Data page's event catalogue from the per-name rollup is the one the scan of every
    event makes (counts, distinct accounts, first and last day), and the first occurrences
    are those the definition gives, events before an account's start left out."""
    data: Dataset = request.getfixturevalue(data_name)
    rollups = rollups_of(data)
    assert_frame_equal(
        event_catalogue(data, rollups.event_names), event_catalogue(data), check_exact=True
    )
    assert_frame_equal(rollups.first_events, plain_first_events(data), check_exact=True)


def test_events_before_the_start_count_in_the_catalogue_but_not_as_first_occurrences():
    accounts = demo_dataset(accounts=5, seed=2).accounts.head(2)
    first, second = accounts.get_column("account_id").to_list()
    start = accounts.get_column("start_date").to_list()[0]
    at = datetime.combine(start, datetime.min.time())
    events = pl.DataFrame(
        {
            "account_id": [first, first, second],
            "user_id": ["u1", "u1", "u2"],
            "event": ["trial_login", "trial_login", "trial_login"],
            "timestamp": [at - timedelta(days=3), at + timedelta(hours=5), at],
        }
    ).cast(dict(Dataset.empty().events.schema))  # type: ignore[arg-type]
    data = Dataset(
        accounts=accounts,
        users=Dataset.empty().users,
        events=events,
        touches=Dataset.empty().touches,
    )
    rollups = rollups_of(data)
    row = event_catalogue(data, rollups.event_names).row(0, named=True)
    assert (row["events"], row["accounts"]) == (3, 2)
    assert row["first_seen"] == start - timedelta(days=3)
    mine = rollups.first_events.filter(pl.col("account_id") == first)
    assert mine.get_column("first_at").to_list() == [at + timedelta(hours=5)]
