"""Running a preset: vendor files in, contract tables out, every bad row named.

The export is read batch by batch (see sources.py); each batch is coerced, checked for values
that do not parse, and cut down to contract columns at once, so only the result is held.
Checks that need the whole export (a user's account from a later group call, the account-id
join, duplicates by insert id) run once at the end. Any problem makes the whole run fail
with ValidationFailed: nothing is returned half-converted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import polars as pl

from core.common.progress import ProgressFn
from core.data.presets import checks, values
from core.data.presets.base import COERCE, KIND_RULES, Field, Preset, Tables, TableSpec
from core.data.presets.result import FILE, INSERT_ID, AccountJoin, PresetResult
from core.data.presets.sources import (
    ROW,
    Batch,
    json_batches,
    source_kind,
    split_path,
    table_batches,
)
from core.data.readers import SourceFile, UnreadableFile
from core.data.validate import PROBLEM_SCHEMA, ValidationFailed, problem
from core.model.contract import schema

FieldMap = Mapping[str, str | None]


# ------------------------------------------------------------------------------ mapping


def mapped_fields(preset: Preset, mapping: FieldMap) -> dict[str, str]:
    """The fields that have a source; blank entries mean 'leave empty'."""
    known = {f.name for f in preset.fields}
    return {k: v.strip() for k, v in mapping.items() if k in known and v and v.strip()}


def missing_required(preset: Preset, mapping: FieldMap) -> list[Field]:
    chosen = mapped_fields(preset, mapping)
    return [f for f in preset.fields if f.required and f.name not in chosen]


def _path_expr(path: str) -> pl.Expr:
    parts = split_path(path)
    expr = pl.col(parts[0])
    for part in parts[1:]:
        expr = expr.struct.field(part)
    return expr


def _resolve_columns(frame: pl.DataFrame, chosen: dict[str, str], file: str) -> dict[str, str]:
    """Header names matched case-insensitively after trimming, as the contract does."""
    by_lower = {c.strip().lower(): c for c in frame.columns if c != ROW}
    resolved, problems = {}, []
    for name, source in chosen.items():
        actual = by_lower.get(source.lower())
        if actual is None:
            shown = ", ".join(c for c in frame.columns[:30] if c != ROW)
            rule = f"{name}: the column {source!r} is not in this file (it has: {shown})"
            problems.append(problem(file, rule, column=source))
        else:
            resolved[name] = actual
    if problems:
        raise ValidationFailed(pl.concat(problems))
    return resolved


# ------------------------------------------------------------------------------ per batch


def _column_expr(spec_value: str | tuple[str, ...], chosen: dict[str, str]) -> pl.Expr | None:
    names = (spec_value,) if isinstance(spec_value, str) else spec_value
    present = [pl.col(n) for n in names if n in chosen]
    if not present:
        return None
    return present[0] if len(present) == 1 else pl.coalesce(present)


def _spec_frame(frame: pl.DataFrame, spec: TableSpec, chosen: dict[str, str]) -> pl.DataFrame:
    contract = schema(spec.table)
    columns = [pl.col(ROW), pl.col(FILE)]
    for name, dtype in contract.items():
        if name in spec.constants:
            expr = pl.lit(spec.constants[name])
        else:
            found = _column_expr(spec.columns.get(name, ()), chosen)
            expr = found if found is not None else pl.lit(None)
        columns.append(expr.cast(dtype).alias(name))
    if spec.dedupe and spec.dedupe in chosen:
        columns.append(pl.col(spec.dedupe).alias(INSERT_ID))
    rows = frame.filter(spec.where) if spec.where is not None else frame
    return rows.select(columns)


def _kind_problems(
    frame: pl.DataFrame, preset: Preset, chosen: dict[str, str], file: str
) -> pl.DataFrame:
    parts = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    for name, source in chosen.items():
        kind = preset.field(name).kind
        if kind not in KIND_RULES:
            continue
        bad = pl.col(f"__raw_{name}").is_not_null() & pl.col(name).is_null()
        if kind == "rating":
            bad = bad & ~values.is_unrated(pl.col(f"__raw_{name}"))
        parts.append(
            frame.filter(bad).select(
                pl.lit(file).alias("file"),
                pl.col(ROW).cast(pl.Int64).alias("row"),
                pl.lit(source).alias("column"),
                pl.col(f"__raw_{name}").str.slice(0, 200).alias("value"),
                pl.lit(f"{name}: {KIND_RULES[kind]}").alias("rule"),
            )
        )
    return pl.concat(parts)


def _coerce(frame: pl.DataFrame, f: Field) -> pl.Expr:
    """The typed column for a field, from its raw text (already trimmed, blanks null).

    The full parsers accept every spelling we know, and are the slowest step of a large
    event export; most batches only hold the plain shapes, so those are tried first and the
    full parser runs only when some value needs it.
    """
    raw = pl.col(f"__raw_{f.name}")
    if f.kind == "text":
        return raw.alias(f.name)
    if f.kind == "id":
        unusual = raw.str.starts_with("[") | raw.str.contains(".", literal=True)
        if not frame.select(unusual.any()).item():
            return raw.alias(f.name)
    if f.kind == "moment":
        fast = values.iso_moment(raw)
        if not frame.select((fast.is_null() & raw.is_not_null()).any()).item():
            return fast.alias(f.name)
    return COERCE[f.kind](raw).alias(f.name)


def _convert_batch(
    preset: Preset, batch: Batch, chosen: dict[str, str], file_index: int, *, is_json: bool
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    frame = batch.frame
    if is_json:
        sources = {name: _path_expr(path) for name, path in chosen.items()}
        extras = [_path_expr(p).cast(pl.String).alias(f"_{p}") for p in preset.extra_paths]
    else:
        if preset.prepare is not None:
            frame = preset.prepare(frame)
        resolved = _resolve_columns(frame, chosen, batch.file)
        sources = {name: pl.col(column) for name, column in resolved.items()}
        extras = [pl.lit(None, pl.String).alias(f"_{p}") for p in preset.extra_paths]
    raw = [values.text(expr).alias(f"__raw_{name}") for name, expr in sources.items()]
    frame = frame.select(pl.col(ROW).cast(pl.Int64), *raw, *extras)
    typed = [_coerce(frame, preset.field(name)) for name in sources]
    unmapped = [
        COERCE[f.kind](pl.lit(None, pl.String)).alias(f.name)
        for f in preset.fields
        if f.name not in sources
    ]
    frame = frame.with_columns(*typed, *unmapped, pl.lit(file_index, pl.UInt16).alias(FILE))
    problems = _kind_problems(frame, preset, chosen, batch.file)
    parts = {spec.table: _spec_frame(frame, spec, chosen) for spec in preset.specs}
    return parts, problems


# ------------------------------------------------------------------------------ whole run


def _batches(
    source: SourceFile, preset: Preset, chosen: dict[str, str], chunk: int | None
) -> tuple[str, Iterator[Batch]]:
    kind = source_kind(source)
    if kind == "table":
        return kind, table_batches(source)
    paths = [*chosen.values(), *preset.extra_paths]
    return kind, json_batches(source, paths, chunk)


def _concat(table: str, parts: list[pl.DataFrame]) -> pl.DataFrame:
    base = pl.DataFrame(schema={ROW: pl.Int64, FILE: pl.UInt16, **dict(schema(table))})
    return pl.concat([base, *parts], how="diagonal_relaxed")


def _read_all(
    preset: Preset,
    sources: Sequence[SourceFile],
    chosen: dict[str, str],
    report: ProgressFn,
    max_rows: int | None,
) -> tuple[Tables, list[str], checks.Problems, int]:
    parts: dict[str, list[pl.DataFrame]] = {t: [] for t in preset.tables}
    files: list[str] = []
    found = checks.Problems()
    total = sum(s.size() for s in sources) or 1
    done, rows = 0, 0
    for source in sources:
        try:
            kind, batches = _batches(source, preset, chosen, 256 * 1024 if max_rows else None)
            for batch in batches:
                if batch.file not in files:
                    files.append(batch.file)
                found.add(batch.problems)
                frame = batch.frame.head(max_rows) if max_rows else batch.frame
                converted, problems = _convert_batch(
                    preset,
                    Batch(batch.file, frame, batch.done, batch.problems),
                    chosen,
                    files.index(batch.file),
                    is_json=kind != "table",
                )
                found.add(problems)
                for table, part in converted.items():
                    parts[table].append(part)
                rows += len(frame)
                report((done + batch.done * source.size()) / total, f"Reading {batch.file}")
                if max_rows and rows >= max_rows:
                    break
        except UnreadableFile as exc:
            found.add(problem(source.name, str(exc)))
        except ValidationFailed as exc:
            found.add(exc.problems)
        done += source.size()
        if max_rows and rows >= max_rows:
            break
    tables = {t: _concat(t, p) for t, p in parts.items()}
    return tables, files, found, rows


def _source_labels(preset: Preset, chosen: dict[str, str]) -> dict[str, dict[str, str]]:
    """For each contract column, the export field it came from, to name it in problems."""
    labels: dict[str, dict[str, str]] = {}
    for spec in preset.specs:
        for column, names in spec.columns.items():
            names = (names,) if isinstance(names, str) else names
            used = [chosen[n] for n in names if n in chosen]
            if used:
                labels.setdefault(spec.table, {})[column] = " or ".join(used)
    return labels


def _provided(preset: Preset, chosen: dict[str, str]) -> dict[str, tuple[str, ...]]:
    out = {}
    for spec in preset.specs:
        names = [
            c
            for c, f in spec.columns.items()
            if any(n in chosen for n in ((f,) if isinstance(f, str) else f))
        ]
        out[spec.table] = tuple(dict.fromkeys([*names, *spec.constants]))
    return out


def convert(
    preset: Preset,
    sources: Sequence[SourceFile],
    mapping: FieldMap,
    *,
    join: AccountJoin | None = None,
    on_progress: ProgressFn | None = None,
    max_rows: int | None = None,
) -> tuple[PresetResult, pl.DataFrame]:
    """Convert and check; returns the result and its problems (empty when it may load)."""
    report = on_progress or (lambda _f, _m: None)
    chosen = mapped_fields(preset, mapping)
    names = ", ".join(s.name for s in sources) or "(no file)"
    unmapped = [
        problem(names, f"{f.name}: not mapped; choose the field that holds the {f.label.lower()}")
        for f in missing_required(preset, mapping)
    ]
    if not sources:
        unmapped.append(problem("(import)", "choose at least one file"))
    if unmapped:
        raise ValidationFailed(pl.concat(unmapped))
    tables, files, found, rows = _read_all(preset, sources, chosen, report, max_rows)
    report(0.95, "Checking ids and duplicates")
    sources_by_table = _source_labels(preset, chosen)
    notes: list[str] = []
    if preset.derive_users:
        tables, more = checks.derive_users(tables)
        notes += more
        tables, more = checks.fill_accounts_from_users(tables)
        notes += more
    if preset.finish is not None:
        tables, more = preset.finish(tables)
        notes += more
    if join is not None:
        tables, joined = checks.join_accounts(tables, join, files, sources_by_table)
        found.add(joined)
    found.add(checks.required_problems(tables, files, sources_by_table))
    found.add(checks.duplicate_ids(tables, files, sources_by_table))
    found.add(checks.range_problems(tables, files, sources_by_table))
    tables, dropped = checks.drop_duplicates(tables)
    if dropped:
        notes.append(f"{dropped:,} duplicate row(s) with the same insert id were dropped")
    report(1.0, "Converted")
    result = PresetResult(
        preset.name,
        tuple(files),
        tables,
        _provided(preset, chosen),
        sources_by_table,
        rows,
        dropped,
        tuple(notes),
    )
    return result, found.frame()


def run_preset(
    preset: Preset,
    sources: Sequence[SourceFile],
    mapping: FieldMap,
    *,
    join: AccountJoin | None = None,
    on_progress: ProgressFn | None = None,
) -> PresetResult:
    """Convert the whole export; raise ValidationFailed listing every bad row if any."""
    result, problems = convert(preset, sources, mapping, join=join, on_progress=on_progress)
    if len(problems):
        raise ValidationFailed(problems)
    return result
