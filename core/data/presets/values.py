"""Turning vendor text into contract values: ids, names, timestamps, dates, numbers, ratings.

Every vendor spells the same thing differently (epoch seconds or milliseconds, Excel serial
days, "1/15/2026", "$150,000.00", "good" for a satisfaction rating), so each coercion accepts
all the spellings we have seen and yields null for anything else; a null where a value was
given is then reported as a bad row by the caller.
"""

from __future__ import annotations

import polars as pl

from core.data.validate import parse_iso_datetime

_EXCEL_EPOCH = pl.datetime(1899, 12, 30, time_unit="us")
_US_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%Y")
_EU_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y")
MS_FROM = 1e11  # 1e11 seconds is the year 5138; 1e11 milliseconds is 1973
SECONDS_FROM = 1e6  # below this a number is an Excel serial day, not an epoch


def text(expr: pl.Expr) -> pl.Expr:
    """Trimmed text; empty strings and JSON nulls become null."""
    stripped = expr.cast(pl.String).str.strip_chars()
    return pl.when(stripped.is_in(["", "null", "None"])).then(None).otherwise(stripped)


def identifier(expr: pl.Expr) -> pl.Expr:
    """An id as text; a JSON list (Amplitude groups) gives its first member, 42.0 gives 42."""
    value = text(expr)
    first = value.str.extract(r'^\[\s*"?([^",\]]+?)"?\s*[,\]]', 1)
    value = pl.when(value.str.starts_with("[")).then(text(first)).otherwise(value)
    return value.str.replace(r"^(-?\d+)\.0+$", "${1}")


def number(expr: pl.Expr) -> pl.Expr:
    """A float from '150000', '$150,000.00', '1 200' or '12,5' (decimal comma without dots)."""
    value = text(expr).str.replace_all(r"[\s_$€£¥]|USD|EUR|GBP", "")
    decimal_comma = value.str.contains(r"^-?\d+,\d{1,2}$")
    value = pl.when(decimal_comma).then(value.str.replace(",", ".")).otherwise(value)
    parsed = value.str.replace_all(",", "").cast(pl.Float64, strict=False)
    return pl.when(parsed.is_finite()).then(parsed)


def whole_number(expr: pl.Expr) -> pl.Expr:
    value = number(expr)
    return pl.when(value == value.round(0)).then(value).cast(pl.Int64)


def _iso(value: pl.Expr) -> pl.Expr:
    """The contract's ISO 8601 reading, also accepting a trailing " UTC" that exports add."""
    return parse_iso_datetime(value.str.replace(r" UTC$", "+00:00"))


def _numeric_moment(value: pl.Expr) -> pl.Expr:
    """Epoch milliseconds, epoch seconds or an Excel serial day, told apart by size."""
    n = value.cast(pl.Float64, strict=False)
    micros = (
        pl.when(n.abs() >= MS_FROM)
        .then(n * 1_000)
        .when(n.abs() >= SECONDS_FROM)
        .then(n * 1_000_000)
        .when(n > 0)
        .then(None)
    )
    epoch = pl.from_epoch(micros.round(0).cast(pl.Int64, strict=False), time_unit="us")
    serial = _EXCEL_EPOCH + pl.duration(microseconds=(n * 86_400_000_000).round(0).cast(pl.Int64))
    return (
        pl.when(n.is_null())
        .then(None)
        .when(micros.is_not_null())
        .then(epoch)
        .otherwise(pl.when((n > 0) & (n < SECONDS_FROM)).then(serial))
    )


def _day_first(value: pl.Expr) -> pl.Expr:
    """Whether a column of d/m/y dates is day-first: true when any first part is above 12."""
    first = value.str.extract(r"^(\d{1,2})[/.]\d{1,2}[/.]\d{4}", 1).cast(pl.Int32, strict=False)
    return (first > 12).any() | value.str.contains(r"^\d{1,2}\.\d{1,2}\.\d{4}").any()


def _slashed(value: pl.Expr) -> pl.Expr:
    us = [value.str.to_datetime(f, strict=False, time_unit="us") for f in _US_FORMATS]
    eu = [value.str.to_datetime(f, strict=False, time_unit="us") for f in _EU_FORMATS]
    return pl.when(_day_first(value)).then(pl.coalesce(eu)).otherwise(pl.coalesce(us))


def moment(expr: pl.Expr) -> pl.Expr:
    """A naive UTC datetime from ISO 8601 (any offset), epoch s/ms, Excel serial or m/d/Y."""
    value = text(expr)
    is_number = value.str.contains(r"^-?\d+(\.\d+)?$")
    return (
        pl.when(is_number)
        .then(_numeric_moment(value))
        .otherwise(pl.coalesce(_iso(value), _slashed(value)))
    )


def iso_moment(expr: pl.Expr) -> pl.Expr:
    """The two shapes nearly every event export uses: ISO with an offset or Z (Segment,
    Zendesk) and naive 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (Amplitude). Null for anything else."""
    value = text(expr)
    aware = (
        value.str.replace(r"[zZ]$", "+00:00")
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_zone="UTC", time_unit="us")
        .dt.replace_time_zone(None)
    )
    naive = value.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us")
    return pl.coalesce(aware, naive)


def day(expr: pl.Expr) -> pl.Expr:
    return moment(expr).dt.date()


RATING_WORDS = {
    "good": 5.0,
    "great": 5.0,
    "satisfied": 5.0,
    "bad": 1.0,
    "poor": 1.0,
    "dissatisfied": 1.0,
    "unsatisfied": 1.0,
}
UNRATED_WORDS = ("offered", "unoffered", "not offered", "none", "n/a", "-")


def rating(expr: pl.Expr) -> pl.Expr:
    """A 1-5 satisfaction score from good/bad (Zendesk), 1-5 scores or whole 0-10/0-100 scores.

    'offered' and 'unoffered' mean no answer was given, so they load as empty, not as a score.
    """
    value = text(expr).str.to_lowercase()
    word = value.str.extract(r"^(good|great|satisfied|bad|poor|dissatisfied|unsatisfied)\b", 1)
    from_word = word.replace_strict(RATING_WORDS, default=None, return_dtype=pl.Float64)
    n = number(value)
    whole = n == n.round(0)
    scaled = (
        pl.when(n.is_between(1, 5))
        .then(n)
        .when(whole & n.is_between(0, 10))
        .then(1 + 4 * n / 10)
        .when(whole & n.is_between(0, 100))
        .then(1 + 4 * n / 100)
    )
    return (
        pl.when(value.is_in(list(UNRATED_WORDS)))
        .then(None)
        .otherwise(pl.coalesce(from_word, scaled))
    )


def is_unrated(expr: pl.Expr) -> pl.Expr:
    """Values that mean 'no rating' rather than a bad one."""
    return text(expr).str.to_lowercase().is_in(list(UNRATED_WORDS))


def choice(expr: pl.Expr, allowed: tuple[str, ...]) -> pl.Expr:
    """'Exec Sponsor', 'in-app' and 'IN_APP' all mean the contract value; others are null."""
    value = text(expr).str.to_lowercase().str.replace_all(r"[\s\-]+", "_")
    return pl.when(value.is_in(list(allowed))).then(value)
