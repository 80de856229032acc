"""Limits on what a compressed upload may unpack to, checked before a parser sees it.

A workbook (.xlsx, .xlsm) is a zip of XML, and the spreadsheet reader behind polars
(calamine) trusts it: it allocates one slot for every cell between the top-left and the
bottom-right cell present, and it holds long runs of text whole. So two cells at A1 and
XFD1048576 in a 1.5 KB file ask for 512 GiB and abort the process, and 4 MB of zipped
whitespace becomes 4 GB in memory. `check_workbook` reads the zip's directory, then inflates
every part itself (never trusting the sizes the directory declares) and scans the XML for
cell positions, refusing the file before the reader runs when:

- the parts declare more than MAX_INFLATED_BYTES in all, or inflate to more than they
  declare, or use a compression or encryption a workbook never uses;
- a run of more than MAX_TEXT_RUN bytes holds no markup (no real workbook has one: a cell
  holds at most 32,767 characters);
- a sheet's cells span more than MAX_SHEET_CELLS (rows x columns of the box from A1 to the
  farthest cell), or a position beyond Excel's own 1,048,576 rows and 16,384 columns.

`bounded_stream` does the same counting for gzip and zip streams that are read in chunks.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

import numpy as np

from core.common.errors import UserError

MAX_INFLATED_BYTES = 1024 * 1024 * 1024  # all parts of one workbook, unpacked
MAX_STREAM_INFLATED_BYTES = 16 * 1024 * 1024 * 1024  # one gzip or zip stream read in chunks
MAX_SHEET_CELLS = 20_000_000  # 32 bytes each in the reader: at most 640 MB for one sheet
MAX_TEXT_RUN = 1024 * 1024
MAX_MEMBERS = 10_000
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
_READ_BLOCK = 1024 * 1024
_SCAN_BLOCK = 8 * 1024 * 1024
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED


class ArchiveRefused(UserError):
    """A compressed file that would unpack to more than the app accepts, or is malformed."""


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def _open_zip(data: bytes | Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveRefused(f"the file is not a valid workbook (not a zip: {exc})") from None


def check_directory(archive: zipfile.ZipFile, limit: int | None = None) -> None:
    """Refuse from the zip's directory alone: too many parts, or too much declared content
    (more than `limit`, by default MAX_INFLATED_BYTES)."""
    limit = MAX_INFLATED_BYTES if limit is None else limit
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ArchiveRefused(f"the archive holds {len(members):,} parts (at most {MAX_MEMBERS:,})")
    declared = sum(m.file_size for m in members)
    if declared > limit:
        raise ArchiveRefused(
            f"the archive would unpack to {_mb(declared)}, more than the {_mb(limit)} accepted"
        )


def _data_offset(handle: IO[bytes], member: zipfile.ZipInfo) -> int:
    handle.seek(member.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise ArchiveRefused(f"the part {member.filename!r} is cut short")
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04":
        raise ArchiveRefused(f"the part {member.filename!r} is damaged")
    return member.header_offset + _LOCAL_HEADER.size + name_length + extra_length


def inflate_member(handle: IO[bytes], member: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """The part's content in blocks, inflated here from its raw bytes: a part that unpacks to
    more than its directory entry says, or to more than `budget`, is refused mid-way."""
    if member.flag_bits & 0x1:
        raise ArchiveRefused(f"the part {member.filename!r} is encrypted")
    if member.compress_type not in (_STORED, _DEFLATED):
        raise ArchiveRefused(f"the part {member.filename!r} uses an unusual compression")
    position, left = _data_offset(handle, member), member.compress_size
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if member.compress_type == _DEFLATED else None
    produced = 0
    pending = b""
    while left > 0 or pending:
        if not pending:
            handle.seek(position)
            pending = handle.read(min(_READ_BLOCK, left))
            if not pending:
                raise ArchiveRefused(f"the part {member.filename!r} is cut short")
            position, left = position + len(pending), left - len(pending)
        if inflater is None:
            block, pending = pending, b""
        else:
            block = inflater.decompress(pending, _READ_BLOCK)
            pending = inflater.unconsumed_tail
        produced += len(block)
        if produced > member.file_size or produced > budget:
            raise ArchiveRefused(
                f"the part {member.filename!r} unpacks to more than its directory declares "
                f"or than the {_mb(budget)} accepted (a zip bomb?)"
            )
        if block:
            yield block
        if inflater is not None and inflater.eof:
            break
    if produced != member.file_size:
        raise ArchiveRefused(f"the part {member.filename!r} does not match its directory entry")


# ------------------------------------------------------------------------------ sheets

_TAG = re.compile(rb"<(?:\w+:)?(row|c)([\s/>][^>]*)?>")
_REF = re.compile(rb"\br\s*=\s*[\"']([A-Za-z]*)(\d*)[\"']")
_PAD = b"\0" * 16
_LT, _COLON, _QUOTE = ord("<"), ord(":"), ord('"')


def column_number(letters: bytes) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27, 'XFD' -> 16384."""
    number = 0
    for char in letters.upper():
        number = number * 26 + (char - 64)
    return number


def _table(chars: bytes) -> np.ndarray:
    table = np.zeros(256, bool)
    table[list(chars)] = True
    return table


_NAME_END = _table(b" \t\r\n>/")  # what can follow a tag's name
_LETTER = _table(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DIGIT_VALUE = np.full(256, -1, np.int64)
_DIGIT_VALUE[list(b"0123456789")] = np.arange(10)


def _number_at(data: np.ndarray, start: np.ndarray) -> tuple[int, bool]:
    """The largest decimal number starting at the positions (0 when none), and whether one
    ran on past 8 digits (a position no sheet can have)."""
    value = np.zeros(len(start), np.int64)
    alive = np.ones(len(start), bool)
    for k in range(9):
        digit = _DIGIT_VALUE[data[start + k]]
        alive &= digit >= 0
        if not alive.any():
            return int(value.max(initial=0)), False
        value[alive] = value[alive] * 10 + digit[alive]
    return int(value.max(initial=0)), True


def _matches(data: np.ndarray, at: np.ndarray, text: bytes) -> np.ndarray:
    found = data[at] == text[0]
    for k, char in enumerate(text[1:], start=1):
        found &= data[at + k] == char
    return found


class _SheetBox:
    """The farthest row and column seen so far in one XML part (cells count from A1)."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.rows = 0
        self.columns = 0
        self._row = 0
        self._column = 0

    def feed(self, text: bytes) -> None:
        if not self._feed_plain(text):
            self._walk(text)

    def _feed_plain(self, text: bytes) -> bool:
        """The usual layout, vectorised: every `<c` and `<row` opens with r="..." and has no
        namespace prefix. Returns False (nothing seen) for anything else."""
        data = np.frombuffer(text + _PAD, np.uint8)
        tags = np.flatnonzero(data[: len(text)] == _LT)
        colons = np.flatnonzero(data[: len(text)] == _COLON)
        if len(colons) and (
            ((data[colons + 1] == ord("c")) & _NAME_END[data[colons + 2]]).any()
            or (_matches(data, colons + 1, b"row") & _NAME_END[data[colons + 4]]).any()
        ):
            return False
        cells = tags[(data[tags + 1] == ord("c")) & _NAME_END[data[tags + 2]]]
        rows = tags[_matches(data, tags + 1, b"row") & _NAME_END[data[tags + 4]]]
        if not (
            _matches(data, cells + 2, b' r="').all() and _matches(data, rows + 4, b' r="').all()
        ):
            return False
        deepest_row, too_long = _number_at(data, rows + 8)
        start = cells + 6
        first, second, third = (_LETTER[data[start + k]] for k in range(3))
        if (first & second & third & _LETTER[data[start + 3]]).any() or too_long:
            return False
        width = first.astype(np.int64) + (first & second) + (first & second & third)
        widest = int(width.max(initial=0))
        if widest:
            at = start[width == widest]
            column = np.zeros(len(at), np.int64)
            for k in range(widest):
                column = column * 26 + (data[at + k].astype(np.int64) | 32) - ord("a") + 1
            self._see(0, int(column.max()))
        cell_row, too_long = _number_at(data, start + width)
        if too_long:
            return False
        self._see(max(deepest_row, cell_row), 0)
        if len(rows):
            self._row = int(_number_at(data, rows[-1:] + 8)[0])
        return True

    def _walk(self, text: bytes) -> None:
        """Tag by tag: cells or rows without a position follow the one before, as the reader
        places them. Slow, but only for workbooks written in an unusual way."""
        for match in _TAG.finditer(text):
            ref = _REF.search(match.group(2) or b"")
            if match.group(1) == b"row":
                self._row = int(ref.group(2)) if ref and ref.group(2) else self._row + 1
                self._column = 0
                self._see(self._row, 0)
            else:
                if ref and ref.group(1):
                    self._column = column_number(ref.group(1))
                    row = int(ref.group(2)) if ref.group(2) else self._row
                else:
                    self._column += 1
                    row = self._row
                self._see(row, self._column)

    def _see(self, row: int, column: int) -> None:
        if row > EXCEL_ROWS or column > EXCEL_COLUMNS:
            raise ArchiveRefused(
                f"the sheet {self.part!r} has a cell beyond Excel's last row or column"
            )
        self.rows = max(self.rows, row)
        self.columns = max(self.columns, column)
        if self.rows * self.columns > MAX_SHEET_CELLS:
            raise ArchiveRefused(
                f"the sheet {self.part!r} spans {self.rows:,} rows by {self.columns:,} columns "
                f"({self.rows * self.columns:,} cells); at most {MAX_SHEET_CELLS:,} are accepted "
                "(delete stray cells far from the table, or save it as CSV)"
            )


def _scan_xml(blocks: Iterator[bytes], part: str) -> None:
    """Feed complete tags to the box in large pieces; a long stretch without markup is refused.

    Blocks are at most _READ_BLOCK (= MAX_TEXT_RUN) long, so a longer stretch must reach
    across a block's start: counting the bytes since the last '<' is enough.
    """
    box = _SheetBox(part)
    since_tag = 0
    pending: list[bytes] = []
    size = 0
    for block in blocks:
        first = block.find(b"<")
        if since_tag + (first if first >= 0 else len(block)) > MAX_TEXT_RUN:
            raise ArchiveRefused(
                f"the part {part!r} holds over {_mb(MAX_TEXT_RUN)} without markup "
                "(padding, not a real workbook)"
            )
        since_tag = since_tag + len(block) if first < 0 else len(block) - block.rfind(b"<") - 1
        pending.append(block)
        size += len(block)
        if size >= _SCAN_BLOCK:
            text = b"".join(pending)
            cut = text.rfind(b"<")
            if cut > 0:
                box.feed(text[:cut])
                text = text[cut:]
            pending, size = [text], len(text)
    box.feed(b"".join(pending))


def check_workbook(data: bytes | Path) -> None:
    """Refuse a .xlsx/.xlsm that would cost far more memory than its size suggests."""
    with _open_zip(data) as archive:
        check_directory(archive)
        budget = MAX_INFLATED_BYTES
        handle = archive.fp
        if handle is None:  # pragma: no cover - an open ZipFile always has its file
            raise ArchiveRefused("the workbook could not be opened")
        for member in archive.infolist():
            if member.is_dir():
                continue
            blocks = inflate_member(handle, member, budget)
            if member.filename.lower().endswith((".xml", ".rels", ".vml")):
                _scan_xml(blocks, member.filename)
            else:
                for _ in blocks:
                    pass
            budget -= member.file_size


# ------------------------------------------------------------------------------ streams


class Readable(Protocol):
    """Anything with read(n): a file, a zip member, a GzipFile."""

    def read(self, size: int = -1, /) -> bytes: ...


class BoundedStream(io.RawIOBase):
    """A read-only stream that refuses to give more than `limit` bytes in all."""

    def __init__(self, inner: Readable, limit: int, label: str) -> None:
        self._inner = inner
        self._left = limit
        self._limit = limit
        self._label = label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]  # RawIOBase's Buffer type is not importable on 3.11
        data = self._inner.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise ArchiveRefused(
                f"{self._label} unpacks to more than the {_mb(self._limit)} accepted (a zip bomb?)"
            )
        buffer[: len(data)] = data
        return len(data)


def bounded_stream(inner: Readable, label: str, limit: int | None = None) -> IO[bytes]:
    """`inner` (an inflating stream), cut off with ArchiveRefused past `limit` bytes (by
    default MAX_STREAM_INFLATED_BYTES)."""
    limit = MAX_STREAM_INFLATED_BYTES if limit is None else limit
    return io.BufferedReader(BoundedStream(inner, limit, label), buffer_size=_READ_BLOCK)
