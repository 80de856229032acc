"""Reading vendor exports in batches: JSON Lines, JSON arrays, Amplitude zips, CSV and Excel.

Product-analytics exports run to millions of lines, so JSON is read in line-aligned chunks of
a few tens of megabytes, keeping only the fields the mapping asks for (an explicit schema of
text leaves); each chunk is converted and reduced to contract columns before the next one is
read. That keeps memory near the size of the *result*, not of the export, and gives a
progress fraction after every chunk. Row numbers are line numbers (records for JSON arrays,
data rows under the header for CSV and Excel), so a problem points at the line to open.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import polars as pl

from core.common.archives import (
    MAX_STREAM_INFLATED_BYTES,
    ArchiveRefused,
    bounded_stream,
    check_directory,
)
from core.data.readers import SourceFile, UnreadableFile, file_format, read_file
from core.data.validate import PROBLEM_SCHEMA, problem

ROW = "__row"
CHUNK_BYTES = 32 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024 * 1024  # one JSON record; a longer "line" is padding, not data
TABLE_BATCH_ROWS = 250_000
SAMPLE_RECORDS = 500
MAX_LINE_PROBLEMS = 200


@dataclass(frozen=True)
class Batch:
    """A slice of one file: raw fields (text), the row numbers, and the progress after it."""

    file: str
    frame: pl.DataFrame
    done: float
    problems: pl.DataFrame


def source_kind(source: SourceFile) -> str:
    """'jsonl', 'json' (an array or an object holding one), 'zip', 'gz', or 'table'."""
    name = source.name.lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith(".gz"):
        return "gz"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".json"):
        return "json" if _first_char(source) == b"[" or _is_single_object(source) else "jsonl"
    if file_format(source.name) is None:
        raise UnreadableFile(
            "unsupported file type (use JSON Lines, JSON, a zip of .json.gz files, CSV or Excel)"
        )
    return "table"


def _open(source: SourceFile) -> IO[bytes]:
    return io.BytesIO(source.data) if isinstance(source.data, bytes) else source.data.open("rb")


def _first_char(source: SourceFile) -> bytes:
    with _open(source) as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1]


def _is_single_object(source: SourceFile) -> bool:
    """A pretty-printed JSON object (an API response like {"tickets": [...]}) spans lines."""
    with _open(source) as handle:
        first_line = handle.readline().strip().lstrip(b"\xef\xbb\xbf")
    return first_line == b"{"


# ------------------------------------------------------------------------------ schemas


def split_path(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split(".") if part)


def json_schema(paths: list[str]) -> pl.Schema:
    """A schema keeping only `paths`, every leaf as text, so nothing else is parsed or held."""
    tree: dict = {}
    for path in paths:
        node = tree
        parts = split_path(path)
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(parts[-1], None)
    return pl.Schema({k: _dtype(v) for k, v in tree.items()})


def _dtype(node: dict | None) -> pl.DataType:
    if node is None:
        return pl.String()
    return pl.Struct({k: _dtype(v) for k, v in node.items()})


# ------------------------------------------------------------------------------ JSON lines


def loads(text: bytes | str) -> object:
    """json.loads, with nesting too deep for Python's parser reported as invalid JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _line_chunks(handle: IO[bytes], size: int) -> Iterator[bytes]:
    rest = b""
    while True:
        block = handle.read(size)
        if not block:
            if rest.strip():
                yield rest
            return
        block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            if len(block) > MAX_LINE_BYTES:
                raise UnreadableFile(
                    f"a line is longer than {MAX_LINE_BYTES // 1024 // 1024} MB "
                    "(one record per line is expected)"
                )
            rest = block
            continue
        yield block[: cut + 1]
        rest = block[cut + 1 :]


def _line_numbers(chunk: bytes, first: int, records: int) -> pl.Series:
    """Line numbers of the records in a chunk (the parser skips blank lines, so count them)."""
    n_lines = chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
    if records == n_lines:
        return pl.int_range(first, first + n_lines, eager=True, dtype=pl.Int64).alias(ROW)
    keep = [first + i for i, line in enumerate(chunk.split(b"\n")) if line.strip()]
    return pl.Series(ROW, keep[:records], dtype=pl.Int64)


def _not_an_object(record: object, schema: pl.Schema | dict, prefix: str = "") -> str | None:
    """The first mapped path whose value should be an object ({...}) but is not."""
    if not isinstance(record, dict):
        return prefix.rstrip(".") or "(the line)"
    for key, dtype in schema.items():
        value = record.get(key)
        if isinstance(dtype, pl.Struct) and value is not None:
            inner = {f.name: f.dtype for f in dtype.fields}
            found = _not_an_object(value, inner, f"{prefix}{key}.")
            if found:
                return found
    return None


def _line_problem(line: bytes, schema: pl.Schema) -> tuple[str, str] | None:
    """Why one line cannot be read with the schema, as (rule, column); None when it can."""
    try:
        record = loads(line)
    except ValueError as exc:
        return f"the line is not valid JSON ({str(exc).split(':')[0]})", ""
    path = _not_an_object(record, schema)
    if path == "(the line)":
        return "the line is not a JSON object", ""
    if path:
        return f"{path} should hold an object ({{...}}) here", path
    return None


def _bad_lines(
    chunk: bytes, first: int, file: str, schema: pl.Schema
) -> tuple[bytes, list[int], pl.DataFrame]:
    """Find the lines that cannot be read; return the good ones and the problems."""
    good: list[bytes] = []
    rows: list[int] = []
    problems: list[pl.DataFrame] = []
    for i, line in enumerate(chunk.split(b"\n")):
        if not line.strip():
            continue
        found = _line_problem(line, schema)
        if found is None:
            good.append(line)
            rows.append(first + i)
        elif len(problems) < MAX_LINE_PROBLEMS:
            shown = line[:80].decode("utf-8", "replace")
            problems.append(problem(file, found[0], row=first + i, column=found[1], value=shown))
    return b"\n".join(good), rows, pl.concat([pl.DataFrame(schema=PROBLEM_SCHEMA), *problems])


def _parse_chunk(
    chunk: bytes, first: int, file: str, schema: pl.Schema
) -> tuple[pl.DataFrame, pl.DataFrame]:
    no_problems = pl.DataFrame(schema=PROBLEM_SCHEMA)
    try:
        frame = pl.read_ndjson(io.BytesIO(chunk), schema=schema)
    except Exception:  # noqa: BLE001 - a parser error means some line is bad; find which
        good, rows, problems = _bad_lines(chunk, first, file, schema)
        try:
            parsed = pl.read_ndjson(io.BytesIO(good), schema=schema) if good else None
        except Exception as exc:  # noqa: BLE001 - still unreadable: report the file
            return pl.DataFrame(schema={**schema, ROW: pl.Int64}), pl.concat(
                [problems, problem(file, f"could not read the JSON: {str(exc)[:200]}")]
            )
        if parsed is None:
            return pl.DataFrame(schema={**schema, ROW: pl.Int64}), problems
        return parsed.with_columns(pl.Series(ROW, rows, dtype=pl.Int64)), problems
    return frame.with_columns(_line_numbers(chunk, first, len(frame))), no_problems


def _jsonl_batches(
    handle: IO[bytes],
    file: str,
    schema: pl.Schema,
    progress: tuple[float, float, int],
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[Batch]:
    """Chunks of a JSON Lines stream; `progress` is (start, span, bytes) of this stream."""
    start, span, size = progress
    first, read = 1, 0
    for index, chunk in enumerate(_line_chunks(handle, chunk_bytes)):
        if index == 0 and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        frame, problems = _parse_chunk(chunk, first, file, schema)
        first += chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
        read += len(chunk)
        yield Batch(file, frame, start + span * min(1.0, read / max(size, 1)), problems)


def _array_to_lines(source: SourceFile) -> bytes:
    """A JSON array (or an object whose one list holds the records) as JSON Lines."""
    raw = source.data if isinstance(source.data, bytes) else source.data.read_bytes()
    try:
        data = loads(raw.decode("utf-8-sig"))
    except ValueError as exc:
        raise UnreadableFile(f"the file is not valid JSON ({exc})") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else [data]
    if not isinstance(data, list):
        raise UnreadableFile("the JSON holds neither a list of records nor one object per line")
    try:
        return b"\n".join(json.dumps(r).encode() if isinstance(r, dict) else b"[]" for r in data)
    except RecursionError:
        raise UnreadableFile("the JSON is not valid (nested too deeply)") from None


def _gunzip(raw: IO[bytes], label: str) -> IO[bytes]:
    """A gzip stream that refuses to unpack beyond MAX_STREAM_INFLATED_BYTES."""
    return bounded_stream(gzip.GzipFile(fileobj=raw), label, MAX_STREAM_INFLATED_BYTES)


def _zip_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    wanted = (".json.gz", ".jsonl.gz", ".json", ".jsonl", ".ndjson", ".gz")
    members = [m for m in archive.infolist() if m.filename.lower().endswith(wanted)]
    return sorted(members, key=lambda m: m.filename)


def _zip_batches(source: SourceFile, schema: pl.Schema, chunk_bytes: int) -> Iterator[Batch]:
    with _open(source) as handle, zipfile.ZipFile(handle) as archive:
        check_directory(archive, MAX_STREAM_INFLATED_BYTES)
        members = _zip_members(archive)
        if not members:
            raise UnreadableFile("the zip holds no .json.gz or .json files")
        total = sum(m.compress_size for m in members) or 1
        done = 0
        for member in members:
            span = member.compress_size / total
            with archive.open(member) as raw:
                label = f"{source.name}/{member.filename}"
                stream = _gunzip(raw, label) if member.filename.endswith(".gz") else raw
                where = (done / total, span, member.file_size)
                yield from _jsonl_batches(stream, label, schema, where, chunk_bytes)
            done += member.compress_size


def json_batches(
    source: SourceFile, paths: list[str], chunk_bytes: int | None = None
) -> Iterator[Batch]:
    """Batches holding only `paths` (as nested structs with text leaves) plus the row number."""
    schema = json_schema(paths)
    kind = source_kind(source)
    chunk = chunk_bytes or CHUNK_BYTES
    try:
        if kind == "zip":
            yield from _zip_batches(source, schema, chunk)
        elif kind == "json":
            lines = _array_to_lines(source)
            where = (0.0, 1.0, len(lines))
            yield from _jsonl_batches(io.BytesIO(lines), source.name, schema, where, chunk)
        else:
            with _open(source) as handle:
                stream = _gunzip(handle, source.name) if kind == "gz" else handle
                where = (0.0, 1.0, source.size() * (6 if kind == "gz" else 1))
                yield from _jsonl_batches(stream, source.name, schema, where, chunk)
    except ArchiveRefused as exc:
        raise UnreadableFile(str(exc)) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise UnreadableFile(f"could not read the file: {exc}") from exc


# ------------------------------------------------------------------------------ tables


def read_table(source: SourceFile) -> pl.DataFrame:
    """A CSV/Excel/Parquet export with every column as text and trimmed header names.

    Names starting with two underscores are ours (the row number, the file) and are left
    out; so are columns no text can stand for (lists, records), which no field can use.
    """
    frame = read_file(source, keep=lambda name: not str(name).strip().startswith("__"))
    frame = frame.rename({c: str(c).strip() for c in frame.columns})
    usable = [c for c, t in frame.schema.items() if not (t.is_nested() or t == pl.Object)]
    return frame.select(usable).with_columns(pl.all().cast(pl.String, strict=False))


def table_batches(source: SourceFile) -> Iterator[Batch]:
    frame = (
        read_table(source).with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    )
    empty = pl.DataFrame(schema=PROBLEM_SCHEMA)
    total = max(len(frame), 1)
    for start in range(0, max(len(frame), 1), TABLE_BATCH_ROWS):
        part = frame.slice(start, TABLE_BATCH_ROWS)
        yield Batch(source.name, part, min(1.0, (start + len(part)) / total), empty)


# ------------------------------------------------------------------------------ samples


def _flatten(record: dict, prefix: str = "") -> dict[str, str | None]:
    flat: dict[str, str | None] = {}
    for key, value in record.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{path}."))
        elif value is None or isinstance(value, str):
            flat[path] = value
        else:
            flat[path] = json.dumps(value) if isinstance(value, list | dict) else str(value)
    return flat


def _sample_lines(source: SourceFile, limit: int) -> list[bytes]:
    kind = source_kind(source)
    if kind == "json":
        return _array_to_lines(source).split(b"\n")[:limit]
    with _open(source) as handle:
        if kind == "zip":
            with zipfile.ZipFile(handle) as archive:
                members = _zip_members(archive)
                if not members:
                    raise UnreadableFile("the zip holds no .json.gz or .json files")
                with archive.open(members[0]) as raw:
                    gz = members[0].filename.endswith(".gz")
                    stream = _gunzip(raw, source.name) if gz else raw
                    return [stream.readline(MAX_LINE_BYTES) for _ in range(limit)]
        stream = _gunzip(handle, source.name) if kind == "gz" else handle
        return [stream.readline(MAX_LINE_BYTES) for _ in range(limit)]


def sample(source: SourceFile, limit: int = SAMPLE_RECORDS) -> pl.DataFrame:
    """The first records, flattened to dotted paths ('properties.plan'), all as text.

    Used to offer the fields a mapping can choose from and to guess the mapping by content.
    """
    try:
        if source_kind(source) == "table":
            return read_table(source).head(limit)
        records = []
        for line in _sample_lines(source, limit):
            line = line.strip().lstrip(b"\xef\xbb\xbf")
            if line:
                try:
                    record = loads(line)
                    if isinstance(record, dict):
                        records.append(_flatten(record))
                except (ValueError, RecursionError):
                    continue
    except ArchiveRefused as exc:
        raise UnreadableFile(str(exc)) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise UnreadableFile(f"could not read the file: {exc}") from exc
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    rows = [{c: r.get(c) for c in columns} for r in records]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns})
