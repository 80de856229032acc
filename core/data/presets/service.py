"""Loading a converted export into a workspace: merge, check as one import, store.

The page calls these; they never touch Streamlit. Nothing is stored unless the merged data
passes every check, and the data loaded before stays active until the new version is saved.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import polars as pl

from core.data.presets.base import Preset
from core.data.presets.checks import unknown_accounts
from core.data.presets.convert import FieldMap, convert
from core.data.presets.guess import Guess
from core.data.presets.merge import MergeSummary
from core.data.presets.result import FILE, AccountJoin, PresetResult, file_names
from core.data.presets.sources import ROW
from core.data.readers import SourceFile
from core.data.store import DatasetInfo

PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Preview:
    """The first rows of each table as they will load, and the problems found in them."""

    tables: dict[str, pl.DataFrame]
    problems: pl.DataFrame
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    info: DatasetInfo
    summary: MergeSummary
    notes: tuple[str, ...]


def preview(
    preset: Preset,
    sources: Sequence[SourceFile],
    mapping: FieldMap,
    *,
    join: AccountJoin | None = None,
    rows: int = PREVIEW_ROWS,
    known_accounts: Collection[str] | None = None,
) -> Preview:
    """Convert only the first rows: quick enough to rerun on every change of the mapping.

    With `known_accounts` (the loaded account ids), rows whose account is unknown are shown
    as problems now rather than when the whole export is loaded.
    """
    result, problems = convert(preset, sources, mapping, join=join, max_rows=rows * 5)
    if known_accounts is not None and not len(problems):
        problems = unknown_accounts(result, known_accounts)
    tables = {}
    for table, frame in result.tables.items():
        head = frame.head(rows)
        shown = head.select(
            file_names(result, head).alias("file"),
            pl.col(ROW).alias("row"),
            pl.exclude(ROW, FILE),
        )
        tables[table] = shown
    return Preview(tables, problems, result.notes)


def source_label(preset: Preset, result: PresetResult) -> str:
    files = ", ".join(result.files[:3]) + (" …" if len(result.files) > 3 else "")
    return f"{preset.label} export: {files}"


# ------------------------------------------------------------------------------ mapping table


def mapping_rows(
    preset: Preset, guesses: dict[str, Guess], chosen: FieldMap | None = None
) -> list[dict[str, object]]:
    """One row per field for the mapping editor: a saved choice wins over a guess."""
    rows: list[dict[str, object]] = []
    for f in preset.fields:
        guess = guesses.get(f.name)
        source = guess.source if guess else None
        how = guess.reason if guess and guess.source else ""
        if chosen is not None and f.name in chosen:
            source, how = chosen[f.name] or None, "saved mapping"
        rows.append(
            {
                "field": f.name,
                "label": f.label + (" *" if f.required else ""),
                "source": source,
                "how": how or ("not found: choose one" if f.required else ""),
                "help": f.help,
            }
        )
    return rows


def mapping_from_rows(rows: Sequence[dict[str, object]]) -> dict[str, str | None]:
    """The mapping the user ended up with in the editor."""
    return {str(r["field"]): (str(r["source"]) if r.get("source") else None) for r in rows}


def source_options(sample_columns: Sequence[str], rows: Sequence[dict[str, object]]) -> list[str]:
    """Every field of the sample, plus saved choices the sample happens not to show."""
    extra = [
        str(r["source"]) for r in rows if r.get("source") and r["source"] not in sample_columns
    ]
    return [*sample_columns, *extra]
