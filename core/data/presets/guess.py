"""Guessing which export field fills which contract field: by name first, then by content.

Names: the preset's documented field names, matched case-insensitively and ignoring spaces,
dots and underscores ("Record ID" ~ "record_id"), then by the last part of a nested path
("properties.company_id" ~ "company_id"). Content: a column whose values are mostly this
workspace's account ids is the account id; a column of role or channel names is the role or
channel; for a required date-time or date still unmatched, the first column whose values
all read as one. Every guess says how it was made, so the user knows what to check.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from core.data.presets import values
from core.data.presets.base import Field, Preset
from core.model.contract import CHANNELS, ROLES

BY_NAME = "by name"
BY_CONTENT = "by content"
BY_ACCOUNTS = "values match your account ids"
MIN_SHARE = 0.9


@dataclass(frozen=True)
class Guess:
    """The source chosen for a field (None: nothing fits) and how it was chosen."""

    field: str
    source: str | None
    reason: str


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9$]", "", name.lower())


def _last(name: str) -> str:
    return _key(name.rsplit(".", 1)[-1])


def _by_name(f: Field, columns: list[str], used: set[str]) -> str | None:
    free = [c for c in columns if c not in used]
    for test in (str.lower, _key):
        index = {test(c): c for c in reversed(free)}
        for candidate in f.candidates:
            if test(candidate) in index:
                return index[test(candidate)]
    by_last = {_last(c): c for c in reversed(free)}
    for candidate in (*f.candidates, f.name):
        if "." not in candidate and _last(candidate) in by_last:
            return by_last[_last(candidate)]
    return None


def _share(sample: pl.DataFrame, column: str, test: pl.Expr) -> float:
    values_ = sample.get_column(column).drop_nulls()
    if values_.is_empty():
        return 0.0
    checked = pl.DataFrame({"v": values_}).select(test.alias("ok")).get_column("ok")
    share = checked.fill_null(False).cast(pl.Float64).mean()
    return float(share) if isinstance(share, (int, float)) else 0.0


def _content_test(f: Field, known_accounts: Collection[str]) -> tuple[pl.Expr, str] | None:
    v = pl.col("v")
    if f.name == "account_id" and known_accounts:
        return values.identifier(v).is_in(list(known_accounts)), BY_ACCOUNTS
    if f.kind == "role":
        return values.choice(v, ROLES).is_not_null(), BY_CONTENT
    if f.kind == "channel":
        return values.choice(v, CHANNELS).is_not_null(), BY_CONTENT
    if f.required and f.kind == "moment":
        return values.moment(v).is_not_null(), BY_CONTENT
    if f.required and f.kind == "day":
        return values.day(v).is_not_null(), BY_CONTENT
    return None


def _by_content(
    f: Field, sample: pl.DataFrame, used: set[str], known_accounts: Collection[str]
) -> tuple[str, str] | None:
    test = _content_test(f, known_accounts)
    if test is None:
        return None
    expr, reason = test
    threshold = 0.5 if reason == BY_ACCOUNTS else MIN_SHARE
    best, best_share = None, threshold
    for column in sample.columns:
        if column in used:
            continue
        share = _share(sample, column, expr)
        if share >= best_share and (best is None or share > best_share):
            best, best_share = column, share
    return (best, reason) if best else None


def guess_mapping(
    preset: Preset, sample: pl.DataFrame, known_accounts: Collection[str] = ()
) -> dict[str, Guess]:
    """A guess for every field of the preset, from a sample of the export (see sources.sample)."""
    columns = list(sample.columns)
    used: set[str] = set()
    guesses: dict[str, Guess] = {}
    ordered = sorted(preset.fields, key=lambda f: not f.required)
    for f in ordered:
        found = _by_name(f, columns, used)
        if found is not None:
            used.add(found)
            guesses[f.name] = Guess(f.name, found, BY_NAME)
    for f in ordered:
        if f.name in guesses:
            continue
        by_content = _by_content(f, sample, used, known_accounts)
        if by_content is not None:
            used.add(by_content[0])
            guesses[f.name] = Guess(f.name, by_content[0], by_content[1])
        else:
            guesses[f.name] = Guess(f.name, None, "")
    return {f.name: guesses[f.name] for f in preset.fields}


def as_mapping(guesses: dict[str, Guess]) -> dict[str, str | None]:
    return {name: g.source for name, g in guesses.items()}
