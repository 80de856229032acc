"""Calibration (docs/metrics.md, Calibration) on generated histories: one whose churn follows a
known signal (the suggestion must find it), and histories too short or too small to calibrate
on (the result must say so, with the numbers), also through `python -m core calibrate`."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from core.cli import main
from core.engine import build_context
from core.engine.calibration import MIN_CHURNED, calibrate, with_penalties
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan, plan_from_dict
from tests.support.builders import dataset

AS_OF = date(2026, 6, 30)


def _history(accounts: int, *, days: int, churn_driver: float, seed: int = 3) -> Dataset:
    """Accounts over the last `days` days. Ticket-heavy accounts (ticket_primary fires all
    along) churn 100-250 days after start with probability `churn_driver`, the others rarely;
    no_first_value, single_user and sponsor_disengaged fire at random and say nothing."""
    rng = random.Random(seed)
    rows: dict[str, list[dict[str, object]]] = {"accounts": [], "events": [], "users": []}
    touches: list[dict[str, object]] = []
    for i in range(accounts):
        aid = f"A{i:04d}"
        start = AS_OF - timedelta(days=rng.randint(40, days))
        tickets = rng.random() < 0.3
        churn = None
        if rng.random() < (churn_driver if tickets else 0.03):
            churn = start + timedelta(days=rng.randint(100, 250))
        end = min(churn or AS_OF, AS_OF)
        rows["accounts"].append(
            {"account_id": aid, "segment": "SMB", "start_date": start, "churn_date": churn}
        )
        users = ["a"] if rng.random() < 0.4 else ["a", "b"]
        sponsor = rng.random() < 0.5
        rows["users"] += [{"user_id": f"{aid}-{u}", "account_id": aid} for u in users]
        if sponsor:
            rows["users"].append({"user_id": f"{aid}-s", "account_id": aid, "role": "exec_sponsor"})
        if rng.random() < 0.6:
            rows["events"].append(_event(aid, None, "first_workflow_live", start, 3))
        for week in range(0, (end - start).days + 1, 7):
            for u in users:
                rows["events"].append(_event(aid, f"{aid}-{u}", "login", start, week))
            if sponsor and week >= 21:
                rows["events"].append(_event(aid, f"{aid}-s", "login", start, week))
            channel = "ticket" if tickets else "email"
            touches.append({"account_id": aid, "channel": channel, **_when(start, week)})
    return dataset(rows["accounts"], rows["events"], rows["users"], touches)


def _when(start: date, day: int) -> dict[str, object]:
    return {"timestamp": datetime.combine(start + timedelta(days=day), datetime.min.time())}


def _event(aid: str, user: str | None, name: str, start: date, day: int) -> dict[str, object]:
    return {"account_id": aid, "user_id": user, "event": name, **_when(start, day)}


def _calibrated(data: Dataset, plan: MeasurementPlan | None = None):  # noqa: ANN202
    first = data.accounts.get_column("start_date").min()
    return calibrate(build_context(data, plan or MeasurementPlan(), AS_OF, since=first))


@pytest.fixture(scope="module")
def driven() -> Dataset:
    return _history(700, days=720, churn_driver=0.85)


def test_calibration_finds_the_signal_that_drives_churn(driven: Dataset):
    result = _calibrated(driven)
    assert result.ok, result.reason
    s = result.suggested
    # Ticket-heavy accounts churn: that signal alone now reaches the escalate band (50) ...
    assert s["ticket_primary"] >= 50
    # ... and the three that say nothing can no longer take the score below 50 without it.
    assert s["no_first_value"] + s["single_user"] + s["sponsor_disengaged"] <= 50
    assert result.current == {
        "no_first_value": 40,
        "single_user": 25,
        "sponsor_disengaged": 20,
        "ticket_primary": 15,
    }


def test_the_suggestion_is_better_out_of_sample_with_intervals(driven: Dataset):
    result = _calibrated(driven)
    assert result.figures is not None
    assert result.fit_starts
    assert result.check_starts
    assert result.fit_starts[1] < result.check_starts[0]  # fitted on earlier cohorts only
    now, suggested = result.figures["current"], result.figures["suggested"]
    assert now.rows == suggested.rows
    assert now.churned == suggested.churned
    for measure in ("precision", "recall", "lift"):
        value, low, high = (getattr(suggested, k)[measure] for k in ("values", "low", "high"))
        assert low <= value <= high
    assert suggested.values["precision"] > now.values["precision"]
    assert suggested.values["lift"] > now.values["lift"]
    assert suggested.low["precision"] > now.high["precision"]  # clearly, not by chance


def test_current_figures_are_the_engine_flags_and_a_refit_keeps_the_suggestion(driven: Dataset):
    result = _calibrated(driven)
    refit = _calibrated(driven, with_penalties(MeasurementPlan(), result.suggested))
    assert refit.current == result.suggested
    assert refit.suggested == result.suggested
    assert refit.figures is not None
    assert result.figures is not None
    assert refit.figures["current"] == result.figures["suggested"]


def test_journey_signals_are_calibrated_by_their_name(driven: Dataset):
    plan = plan_from_dict(
        {"signals": [{"name": "Quiet", "event": "login", "window_days": 14, "penalty": 5}]}
    )
    table = _calibrated(driven, plan).table()
    assert table["signal"].to_list()[-1] == "Quiet"
    assert table.columns[:4] == ["signal", "current_penalty", "suggested_penalty", "signal_lift"]
    assert table.filter(pl.col("signal") == "Quiet")["current_penalty"].item() == 5


def test_a_short_history_is_not_calibrated_and_says_why():
    result = _calibrated(_history(200, days=80, churn_driver=0.85))
    assert not result.ok
    assert "too short" in (result.reason or "")
    assert "90 days before the analysis date" in (result.reason or "")
    assert result.suggested == result.current


def test_a_small_history_says_how_many_churned_accounts_it_has_and_needs():
    result = _calibrated(_history(60, days=720, churn_driver=0.85))
    assert not result.ok
    assert 0 < result.churned_accounts < MIN_CHURNED
    assert f"it has {result.churned_accounts} accounts that churned" in (result.reason or "")
    assert f"needs at least {MIN_CHURNED}" in (result.reason or "")


def _write(data: Dataset, folder: Path) -> Path:
    folder.mkdir()
    for name, frame in data.frames().items():
        frame.write_parquet(folder / f"{name}.parquet")
    return folder


def test_the_command_writes_one_row_per_signal(driven: Dataset, tmp_path: Path):
    out = tmp_path / "calibration.csv"
    data_dir = _write(driven, tmp_path / "data")
    assert main(["calibrate", str(data_dir), "--as-of", str(AS_OF), "--out", str(out)]) == 0
    table = pl.read_csv(out)
    assert table["signal"].to_list() == [
        "no_first_value",
        "single_user",
        "sponsor_disengaged",
        "ticket_primary",
    ]
    assert table.columns[:3] == ["signal", "current_penalty", "suggested_penalty"]
    assert {"current_precision_low", "suggested_lift_high"} <= set(table.columns)


def test_the_command_exits_1_with_the_reason_on_a_small_history(tmp_path: Path, capsys):  # noqa: ANN001
    data_dir = _write(_history(60, days=720, churn_driver=0.85), tmp_path / "data")
    out = tmp_path / "calibration.csv"
    assert main(["calibrate", str(data_dir), "--as-of", str(AS_OF), "--out", str(out)]) == 1
    assert "too small to calibrate on" in capsys.readouterr().err
    assert not out.exists()
