"""The hostile files of issue 13, generated with zipfile rather than stored: a tiny workbook
whose cells span 512 GiB for the reader, zipped whitespace, and a zip whose directory lies
about what a part unpacks to. Shared by the tests and benchmarks/hostile_uploads.py."""

from __future__ import annotations

import io
import struct
import zipfile

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
    "<sheetData>"
).encode()
SHEET_TAIL = b"</sheetData></worksheet>"


def _parts() -> dict[str, str]:
    return {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_TYPES}">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
            f'<Override PartName="/{SHEET}" ContentType="{_OFFICE}.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
    }


def cell(ref: str, text: str) -> bytes:
    """One row holding one inline-text cell at `ref` (e.g. "B2")."""
    row = "".join(c for c in ref if c.isdigit())
    return f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c></row>'.encode()


def workbook(sheet_body: bytes, padding: int = 0) -> bytes:
    """A minimal .xlsx whose first sheet holds `sheet_body`, then `padding` bytes of spaces
    (streamed, so a bomb of gigabytes is built in little memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in _parts().items():
            archive.writestr(name, content)
        with archive.open(SHEET, "w", force_zip64=padding > 2**31) as sheet:
            sheet.write(SHEET_HEAD + sheet_body)
            block = b" " * (1 << 24)
            for _ in range(padding // len(block)):
                sheet.write(block)
            sheet.write(b" " * (padding % len(block)))
            sheet.write(SHEET_TAIL)
    return buffer.getvalue()


def table_workbook(rows: list[list[str]]) -> bytes:
    """A well-formed workbook with a small table from A1 (every cell says where it is)."""
    body = b""
    for r, values in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
            for c, v in enumerate(values)
        )
        body += f'<row r="{r}">{cells}</row>'.encode()
    return workbook(body)


def far_cell_workbook() -> bytes:
    """The 1.5 KB reproduction: cells at A1 and XFD1048576, a range of 2^34 cells (512 GiB
    at the reader's 32 bytes a cell)."""
    return workbook(cell("A1", "account_id") + cell("XFD1048576", "x"))


def bomb_workbook(size: int) -> bytes:
    """A header cell, then `size` bytes of whitespace: zipped, about a thousandth of it."""
    return workbook(cell("A1", "account_id"), padding=size)


def lying_workbook(declared: int = 100) -> bytes:
    """A workbook whose sheet says (in both headers) it unpacks to `declared` bytes, but
    inflates to far more: a reader trusting the directory would be fooled."""
    data = bytearray(workbook(cell("A1", "account_id") + b" " * 50_000))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(SHEET)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    central = bytes(data).index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_length]).decode() == SHEET:
            struct.pack_into("<I", data, central + 24, declared)
            return bytes(data)
        extra, comment = struct.unpack_from("<HH", data, central + 30)
        central += 46 + name_length + extra + comment
