"""Typed reads of single values out of polars frames.

polars types a scalar (`Series.max()`, `DataFrame.item()`, a row's field) as a union of every
value a column can hold, so code that knows the column is a date or a number says so here, in
one place, with a check that fails loudly instead of a silenced type error.
"""

from __future__ import annotations

from datetime import date, datetime


def as_date(value: object) -> date | None:
    """A Date column's value, or the calendar date of a Datetime column's value."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}")


def as_float(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def as_int(value: object) -> int | None:
    number = as_float(value)
    return None if number is None else int(number)
