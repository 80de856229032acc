"""A/B comparison of onboarding flows (journey_variant) on activation and on-time first value.

Each variant's rate uses the scorecard's denominators, with a Wilson 95% interval (sound for
small samples and rates near 0 or 1). Each variant is compared with the baseline (the first
variant by name): difference with a Wald 95% interval and a pooled two-proportion z-test.
The normal tail uses the Numerical Recipes erfc approximation (relative error < 1.2e-7)
written as a polars expression, so nothing leaves polars.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from core.engine.frames import Context, build_context
from core.engine.metrics import account_metrics
from core.engine.tables import Tables
from core.model.plan import MeasurementPlan

Z95 = 1.959963984540054
MIN_SAMPLE = 30  # accounts per variant
MIN_OUTCOMES = 5  # successes and failures per variant (normal approximation)
TOO_SMALL = (
    f"too few accounts to tell: each variant needs at least {MIN_SAMPLE} accounts and "
    f"{MIN_OUTCOMES} successes and failures"
)
_ERFC = (
    -1.26551223,
    1.00002368,
    0.37409196,
    0.09678418,
    -0.18628806,
    0.27886807,
    -1.13520398,
    1.48851587,
    -0.82215223,
    0.17087277,
)


def erfc(x: pl.Expr) -> pl.Expr:
    """Complementary error function for x >= 0 (Numerical Recipes, erfcc)."""
    t = 1.0 / (1.0 + 0.5 * x)
    poly = pl.lit(_ERFC[-1])
    for coef in reversed(_ERFC[:-1]):
        poly = coef + t * poly
    return t * (-x * x + poly).exp()


def wilson(successes: pl.Expr, n: pl.Expr, bound: int) -> pl.Expr:
    """Wilson score interval bound (-1 low, +1 high) at 95%; null when n is 0."""
    p = successes / n
    z2 = Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * ((p * (1 - p) / n + z2 / (4 * n * n)).sqrt()) / (1 + z2 / n)
    return pl.when(n > 0).then(centre + bound * half)


def _variant_rates(metrics: pl.LazyFrame) -> pl.LazyFrame:
    age, ttv, target = pl.col("age_days"), pl.col("ttv_days"), pl.col("ttv_target_days")
    outcomes = {
        "activation_rate": (pl.col("activated"), age >= pl.col("activation_window_days")),
        "fv_on_time_rate": ((ttv <= target).fill_null(False), age >= target),
    }
    parts = [
        metrics.filter(among & pl.col("journey_variant").is_not_null())
        .group_by(pl.col("journey_variant").alias("variant"))
        .agg(pl.len().cast(pl.Int64).alias("n"), flag.sum().cast(pl.Int64).alias("successes"))
        .with_columns(pl.lit(name).alias("metric"))
        for name, (flag, among) in outcomes.items()
    ]
    return pl.concat(parts)


def _compare() -> list[pl.Expr]:
    n, s = pl.col("n"), pl.col("successes")
    bn, bs = pl.col("base_n"), pl.col("base_successes")
    rate, base = s / n, bs / bn
    pooled = (s + bs) / (n + bn)
    se_pooled = (pooled * (1 - pooled) * (1 / n + 1 / bn)).sqrt()
    se_diff = (rate * (1 - rate) / n + base * (1 - base) / bn).sqrt()
    diff = rate - base
    z = (diff / se_pooled).abs()
    small = (pl.min_horizontal(n, bn) < MIN_SAMPLE) | (
        pl.min_horizontal(s, n - s, bs, bn - bs) < MIN_OUTCOMES
    )
    return [
        diff.alias("difference"),
        (diff - Z95 * se_diff).alias("difference_ci_low"),
        (diff + Z95 * se_diff).alias("difference_ci_high"),
        pl.when(se_pooled > 0).then(erfc(z / 2**0.5)).alias("p_value"),
        pl.when(small).then(pl.lit(TOO_SMALL)).alias("warning"),
    ]


def ab_table(ctx: Context) -> pl.DataFrame:
    """metric, variant, n, successes, rate, ci_low, ci_high, baseline, difference,
    difference_ci_low, difference_ci_high, p_value, warning.

    The baseline row of each metric has null comparison columns; rates with n = 0 are null.
    """
    rates = _variant_rates(account_metrics(ctx))
    n, s = pl.col("n"), pl.col("successes")
    rates = rates.with_columns(
        pl.when(n > 0).then(s / n).alias("rate"),
        wilson(s, n, -1).alias("ci_low"),
        wilson(s, n, 1).alias("ci_high"),
    ).sort("metric", "variant")
    # The baseline is each metric's first variant by name, picked by value rather than by
    # row order, which a parallel group-by does not promise to keep.
    base = rates.filter(pl.col("variant") == pl.col("variant").min().over("metric")).select(
        "metric",
        pl.col("variant").alias("baseline"),
        pl.col("n").alias("base_n"),
        pl.col("successes").alias("base_successes"),
    )
    compared = rates.join(base, on="metric").with_columns(
        pl.when(pl.col("variant") != pl.col("baseline")).then(e) for e in _compare()
    )
    return compared.drop("base_n", "base_successes").sort("metric", "variant").collect()


def ab_test(data: Tables, plan: MeasurementPlan, as_of: date | None = None) -> pl.DataFrame:
    """Compare journey variants on activation and on-time first value (see ab_table)."""
    return ab_table(build_context(data, plan, as_of))
