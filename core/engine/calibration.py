"""Calibration: penalties that would have told churned from retained accounts better.

docs/metrics.md, Calibration. The backtest's rows (each account live at each backtest date,
with every signal's column and whether it churned within 90 days) are split by start date:
the earlier start cohorts fit the penalties, the later ones check them, so the figures shown
for both weightings are out of sample. The fit is a coordinate search over a penalty grid
(one signal at a time, repeated until nothing improves) for the best F1 of the flag
(executive or escalate) against churn, with the bands and minimum age as they are; ties go
to the weighting closest to the current one. Precision, recall and lift of the current and
the suggested weighting on the later cohorts come with 95% intervals from a bootstrap over
accounts (an account's rows at several dates move together).

A history without enough churn to fit on and check on is not calibrated: the result says how
many churned accounts it has and how many it would need.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import polars as pl

from core.engine.backtest import HORIZON_DAYS, covered_dates, outcome_rows
from core.engine.frames import ACCOUNT, Context
from core.engine.signals import signal_column
from core.model.plan import BUILT_IN_SIGNALS, MeasurementPlan

GRID: tuple[int, ...] = tuple(range(0, 105, 5))
MIN_FIT_CHURNED = 20  # churned accounts among the earlier cohorts, to fit on
MIN_CHECK_CHURNED = 10  # and among the later cohorts, to check on
MIN_CHURNED = MIN_FIT_CHURNED + MIN_CHECK_CHURNED
BOOTSTRAP_SAMPLES = 400
BOOTSTRAP_SEED = 15
MAX_ROUNDS = 6
MEASURES: tuple[str, ...] = ("precision", "recall", "lift")
WEIGHTINGS: tuple[str, ...] = ("current", "suggested")


@dataclass(frozen=True)
class Figures:
    """One weighting on the check cohorts: counts, and each measure with its 95% interval
    (None where a denominator is empty)."""

    rows: int
    flagged: int
    churned: int
    flagged_churned: int
    values: dict[str, float | None]
    low: dict[str, float | None]
    high: dict[str, float | None]


@dataclass(frozen=True)
class Calibration:
    """The suggestion, or why there is none (`reason`; then no weighting was fitted)."""

    reason: str | None
    churned_accounts: int
    needed: int
    current: dict[str, int]
    suggested: dict[str, int]
    fit_starts: tuple[date, date] | None = None
    check_starts: tuple[date, date] | None = None
    figures: dict[str, Figures] | None = None
    signal_lift: dict[str, float | None] | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    def table(self) -> pl.DataFrame:
        """One row per signal: signal, current_penalty, suggested_penalty, its lift on the fit
        cohorts, then precision, recall and lift (with 95% bounds) of both weightings."""
        rows = []
        for name, penalty in self.current.items():
            row: dict[str, object] = {
                "signal": name,
                "current_penalty": penalty,
                "suggested_penalty": self.suggested.get(name, penalty),
                "signal_lift": (self.signal_lift or {}).get(name),
            }
            for weighting in WEIGHTINGS:
                figures = (self.figures or {}).get(weighting)
                for measure in MEASURES:
                    key = f"{weighting}_{measure}"
                    row[key] = figures.values[measure] if figures else None
                    row[f"{key}_low"] = figures.low[measure] if figures else None
                    row[f"{key}_high"] = figures.high[measure] if figures else None
            rows.append(row)
        return pl.DataFrame(rows, schema=TABLE_SCHEMA, orient="row")


TABLE_SCHEMA = pl.Schema(
    {
        "signal": pl.String,
        "current_penalty": pl.Int64,
        "suggested_penalty": pl.Int64,
        "signal_lift": pl.Float64,
        **{
            f"{w}_{m}{end}": pl.Float64
            for w in WEIGHTINGS
            for m in MEASURES
            for end in ("", "_low", "_high")
        },
    }
)


def current_penalties(plan: MeasurementPlan) -> dict[str, int]:
    """Every signal's penalty now; a journey signal with different penalties per segment
    shows its largest."""
    found = {name: int(getattr(plan.penalties, name)) for name in BUILT_IN_SIGNALS}
    for s in plan.signals:
        found[s.name] = max(found.get(s.name, 0), s.penalty)
    return found


def with_penalties(plan: MeasurementPlan, penalties: dict[str, int]) -> MeasurementPlan:
    """The plan with these penalties (a journey signal's for every segment it is defined for)."""
    builtin = {k: v for k, v in penalties.items() if hasattr(plan.penalties, k)}
    signals = tuple(replace(s, penalty=penalties.get(s.name, s.penalty)) for s in plan.signals)
    return replace(plan, penalties=replace(plan.penalties, **builtin), signals=signals)


# ------------------------------------------------------------------ the rows


@dataclass(frozen=True)
class _Rows:
    """The backtest rows as arrays: fired (rows x signals), and per row its account index,
    whether it is old enough to be flagged, whether it churned, the engine's current flag."""

    fired: np.ndarray
    account: np.ndarray
    old_enough: np.ndarray
    churned: np.ndarray
    flagged_now: np.ndarray
    check: np.ndarray  # the row's account is in the later (check) cohorts


def _frame(ctx: Context, names: list[str]) -> pl.DataFrame:
    columns = [pl.col(signal_column(n)).fill_null(False).alias(n) for n in names]
    return outcome_rows(ctx).select(
        ACCOUNT,
        "start_date",
        (pl.col("age_days") >= ctx.plan.min_age_days).alias("old_enough"),
        "churned_90d",
        "flagged",
        *columns,
    )


def _split(frame: pl.DataFrame) -> tuple[date, int, int]:
    """The first start date of the check cohorts: the later cohorts holding the last third
    of the churned accounts (at least MIN_CHECK_CHURNED); and the churned counts of both."""
    churned = (
        frame.filter(pl.col("churned_90d"))
        .group_by(ACCOUNT)
        .agg(pl.col("start_date").first())
        .sort("start_date", ACCOUNT)
    )
    n = len(churned)
    at = max(0, n - max(MIN_CHECK_CHURNED, n // 3))
    cutoff = churned.get_column("start_date")[at]
    later = int((churned.get_column("start_date") >= cutoff).sum())
    return cutoff, n - later, later


def _arrays(frame: pl.DataFrame, names: list[str], cutoff: date) -> _Rows:
    # Ranks, not category codes: the same accounts give the same bootstrap draws every run.
    codes = frame.get_column(ACCOUNT).rank("dense").to_numpy()
    return _Rows(
        fired=frame.select(names).to_numpy().astype(np.int64),
        account=codes.astype(np.int64),
        old_enough=frame.get_column("old_enough").to_numpy(),
        churned=frame.get_column("churned_90d").to_numpy(),
        flagged_now=frame.get_column("flagged").to_numpy(),
        check=(frame.get_column("start_date") >= cutoff).to_numpy(),
    )


# ------------------------------------------------------------------ fitting


def _flags(rows: _Rows, weights: np.ndarray, threshold: int) -> np.ndarray:
    score = np.maximum(0, 100 - rows.fired @ weights)
    return rows.old_enough & (score < threshold)


def _f1(flagged: np.ndarray, churned: np.ndarray) -> float:
    both = int((flagged & churned).sum())
    denominator = int(flagged.sum()) + int(churned.sum())
    return 2 * both / denominator if denominator else 0.0


def _fit(rows: _Rows, start: np.ndarray, threshold: int) -> np.ndarray:
    """Coordinate search on the fit rows from the current weights; ties keep the weighting
    closest to the current one."""
    fit = _Rows(*(a[~rows.check] for a in _fields(rows)))
    best = start.copy()

    def key(w: np.ndarray) -> tuple[float, int]:
        return (_f1(_flags(fit, w, threshold), fit.churned), -int(np.abs(w - start).sum()))

    best_key = key(best)
    for _ in range(MAX_ROUNDS):
        improved = False
        for i in range(len(best)):
            for value in GRID:
                trial = best.copy()
                trial[i] = value
                trial_key = key(trial)
                if trial_key > best_key:
                    best, best_key, improved = trial, trial_key, True
        if not improved:
            break
    return best


def _fields(rows: _Rows) -> tuple[np.ndarray, ...]:
    return (rows.fired, rows.account, rows.old_enough, rows.churned, rows.flagged_now, rows.check)


# ------------------------------------------------------------------ figures


def _measures(totals: np.ndarray) -> dict[str, float | None]:
    """totals = rows, flagged, churned, flagged_churned."""
    rows, flagged, churned, both = (float(x) for x in totals)
    precision = both / flagged if flagged else None
    base = churned / rows if rows else None
    return {
        "precision": precision,
        "recall": both / churned if churned else None,
        "lift": precision / base if precision is not None and base else None,
    }


def _figures(rows: _Rows, flagged: np.ndarray) -> Figures:
    """Figures on the check rows, bootstrapped over their accounts."""
    check = rows.check
    account = rows.account[check]
    parts = np.stack(
        [
            np.ones(int(check.sum())),
            flagged[check],
            rows.churned[check],
            flagged[check] & rows.churned[check],
        ],
        axis=1,
    ).astype(float)
    ids, index = np.unique(account, return_inverse=True)
    per_account = np.zeros((len(ids), 4))
    np.add.at(per_account, index, parts)
    totals = per_account.sum(axis=0)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    samples: dict[str, list[float]] = {m: [] for m in MEASURES}
    for _ in range(BOOTSTRAP_SAMPLES):
        weights = np.bincount(rng.integers(0, len(ids), len(ids)), minlength=len(ids))
        for measure, value in _measures(weights @ per_account).items():
            if value is not None:
                samples[measure].append(value)
    low = {m: float(np.percentile(v, 2.5)) if v else None for m, v in samples.items()}
    high = {m: float(np.percentile(v, 97.5)) if v else None for m, v in samples.items()}
    return Figures(
        rows=int(totals[0]),
        flagged=int(totals[1]),
        churned=int(totals[2]),
        flagged_churned=int(totals[3]),
        values=_measures(totals),
        low=low,
        high=high,
    )


def _signal_lift(rows: _Rows, names: list[str]) -> dict[str, float | None]:
    """Churn rate when fired over when not, on the fit rows (as the backtest's signal table)."""
    fit = ~rows.check
    churned = rows.churned[fit]
    found: dict[str, float | None] = {}
    for i, name in enumerate(names):
        fired = rows.fired[fit, i].astype(bool)
        on = churned[fired].mean() if fired.any() else None
        off = churned[~fired].mean() if (~fired).any() else None
        found[name] = float(on / off) if on is not None and off else None
    return found


# ------------------------------------------------------------------ entry


def too_little(churned: int, fit: int, check: int) -> str:
    return (
        f"The history is too small to calibrate on: it has {churned} accounts that churned "
        f"within {HORIZON_DAYS} days of a backtest date ({fit} in the earlier start cohorts, "
        f"{check} in the later ones); calibration needs at least {MIN_CHURNED} "
        f"({MIN_FIT_CHURNED} to fit on, {MIN_CHECK_CHURNED} to check on)."
    )


def too_short(ctx: Context) -> str:
    return (
        "The history is too short to calibrate on: the backtest needs accounts that started "
        f"at least {HORIZON_DAYS} days before the analysis date ({ctx.as_of}), so their churn "
        "in the next 90 days is known, and there are none."
    )


def calibrate(ctx: Context) -> Calibration:
    """Suggested penalties from the backtest on this history (build the Context with
    since = the first start date, as for the backtest)."""
    plan = ctx.plan
    current = current_penalties(plan)
    names = list(current)
    if not covered_dates(ctx):
        return Calibration(too_short(ctx), 0, MIN_CHURNED, current, dict(current))
    frame = _frame(ctx, names)
    churned_total = frame.filter(pl.col("churned_90d")).get_column(ACCOUNT).n_unique()
    if churned_total == 0:
        return Calibration(too_little(0, 0, 0), 0, MIN_CHURNED, current, dict(current))
    cutoff, fit_churned, check_churned = _split(frame)
    if fit_churned < MIN_FIT_CHURNED or check_churned < MIN_CHECK_CHURNED:
        reason = too_little(churned_total, fit_churned, check_churned)
        return Calibration(reason, churned_total, MIN_CHURNED, current, dict(current))
    rows = _arrays(frame, names, cutoff)
    threshold = max(plan.bands.executive, plan.bands.escalate)
    weights = _fit(rows, np.array([current[n] for n in names], dtype=np.int64), threshold)
    starts = frame.get_column("start_date")
    check = starts >= cutoff
    return Calibration(
        reason=None,
        churned_accounts=churned_total,
        needed=MIN_CHURNED,
        current=current,
        suggested={n: int(w) for n, w in zip(names, weights, strict=True)},
        fit_starts=(_day(starts.filter(~check).min()), _day(starts.filter(~check).max())),
        check_starts=(cutoff, _day(starts.filter(check).max())),
        figures={
            "current": _figures(rows, rows.flagged_now),
            "suggested": _figures(rows, _flags(rows, weights, threshold)),
        },
        signal_lift=_signal_lift(rows, names),
    )


def _day(value: object) -> date:
    if not isinstance(value, date):
        raise TypeError(f"expected a date, got {value!r}")
    return value
