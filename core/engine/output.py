"""Writing engine results: a file chosen by extension, or a readable table on stdout.

JSON is one array of records (`[{"column": value, ...}, ...]`), dates as ISO strings and
missing values as null. A file is written to a temporary name and renamed, so a failure
never leaves a half-written result behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import polars as pl

from core.common.downloads import write_csv

WRITERS: dict[str, Callable[[pl.DataFrame, Path], None]] = {
    ".csv": write_csv,  # the one CSV rule: formula-like text is neutralised
    ".parquet": lambda frame, path: frame.write_parquet(path),
    ".json": lambda frame, path: _write_json(frame, path),
}


def _write_json(frame: pl.DataFrame, path: Path) -> None:
    path.write_text(frame.write_json(), encoding="utf-8")


def writer_for(path: Path) -> Callable[[pl.DataFrame, Path], None] | None:
    return WRITERS.get(path.suffix.lower())


def write_frame(frame: pl.DataFrame, path: Path) -> None:
    """Write by extension (.csv, .parquet, .json), atomically."""
    write = writer_for(path)
    if write is None:
        raise ValueError(f"unsupported output type {path.suffix!r} (use .csv, .parquet or .json)")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(frame, Path(temp))
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)


PRINT_DECIMALS = 6


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """Floats rounded to PRINT_DECIMALS places, so they print as plain decimals (3855968,
    0.123457) rather than in scientific notation or with binary noise (0.30000000000000004)."""
    return frame.with_columns(pl.col(pl.Float32, pl.Float64).round(PRINT_DECIMALS))


def print_frame(frame: pl.DataFrame, stream: TextIO) -> None:
    """Every row and column, no truncation, no dtype line, plain decimals: for people and
    for `less`."""
    with pl.Config(
        fmt_float="full",
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=10_000,
        fmt_str_lengths=1_000,
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
    ):
        print(readable(frame), file=stream)
