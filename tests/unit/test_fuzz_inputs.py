"""A few hundred generated malformed files through every door data comes in by (issue 13).

Seeded, so a failure reproduces: the contract's validation (the Data page's import path up to
storing: `check_sources`), every vendor preset (the From-other-tools path: `run_preset`, then
the merge's own check), and the journey-map import (`from_json`/`from_excel` and the full
row checks, before any row is written). Each must end in a result or a UserError whose
problems name the file, and the row and column wherever a value is at fault; a rejected
import must produce nothing (no partial load). Workbooks are read in a subprocess, so a
reader that aborts fails the test instead of killing pytest.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from core.common.errors import UserError
from core.data.presets import VENDOR_PRESETS, get_preset
from core.data.presets.convert import run_preset
from core.data.presets.merge import combine
from core.data.readers import SourceFile
from core.data.validate import ValidationFailed, check_sources
from core.journey.errors import JourneyError
from core.journey.exchange import _checked_rows, from_json, to_document
from core.journey.templates import TEMPLATES
from tests.unit.hostile_files import cell, far_cell_workbook, table_workbook, workbook

ROOT = Path(__file__).parents[2]
FIXTURES = Path(__file__).parents[1] / "fixtures" / "presets"
SEGMENTS = ["SMB", "Mid-Market", "Enterprise"]
SEED = 13

HOSTILE_VALUES: list[Any] = [
    "",
    " ",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "9223372036854775808",
    "-9223372036854775809",
    "340282366920938463463374607431768211456",
    "9999-12-31",
    "9999-12-31T23:59:59Z",
    "-2026-01-01",
    "0000-01-01",
    "1969-12-31T23:59:59Z",
    "2026-02-30",
    "2026-13-01",
    "99999-01-01",
    "\x00",
    "a\x00b",
    '=HYPERLINK("http://x")',
    "-2+3+cmd|' /C calc'!A0",
    "![x](http://elsewhere/p.png)",
    "<script>x</script>",
    "é" * 3,
    "\u202e\u0000\ufffe",
    "x" * 5000,
    "__row",
    '"',
    "a,b;c\td",
    "line\nbreak",
    "1.5",
    "-0",
    "00001",
    "1_000",
    "2026-03-01T25:61:61Z",
    "1772442000",
    "1772442000000",
    "46085.4375",
]
ODD_JSON: list[Any] = [
    None,
    True,
    [],
    [1, [2, [3]]],
    {},
    {"a": {"b": {"c": 1}}},
    2**64,
    -(2**70),
    1.5e308,
    "",
    "\x00",
]


def _rng(salt: str) -> random.Random:
    return random.Random(f"{SEED}:{salt}")


def _hostile(rng: random.Random) -> Any:
    return (
        rng.choice(HOSTILE_VALUES + ODD_JSON) if rng.random() < 0.3 else rng.choice(HOSTILE_VALUES)
    )


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


# ------------------------------------------------------------------ invariants


LINE_RULES = ("the line is not", "should hold an object")


def _assert_problems_name_where(problems: pl.DataFrame, files: set[str]) -> None:
    """Every problem names its file; a problem about a value names its row, and its column
    unless the whole line is at fault (a line of an export that is not JSON)."""
    assert problems.height > 0
    for p in problems.iter_rows(named=True):
        assert p["file"], p
        assert p["file"] in files or p["file"].startswith(("(", *files)), p
        assert p["rule"], p
        if p["value"] is not None:
            assert p["row"] is not None, p
            assert p["column"] or str(p["rule"]).startswith(LINE_RULES), p


def _assert_validated(sources: list[SourceFile]) -> None:
    """check_sources never raises, and refuses whole: no Dataset whenever a problem exists."""
    dataset, problems = check_sources(sources, SEGMENTS)
    if problems.height:
        assert dataset is None
        _assert_problems_name_where(problems, {s.name for s in sources})
    else:
        assert dataset is not None


# ------------------------------------------------------------------ contract files

GOOD = {
    "accounts": [
        [
            "account_id",
            "account_name",
            "segment",
            "contract_value",
            "start_date",
            "licensed_seats",
            "csm",
            "churn_date",
            "journey_variant",
        ],
        ["a1", "Alpha", "SMB", "12000", "2025-01-01", "5", "kim", "", "A"],
        ["a2", "Beta", "", "150000", "2025-02-20", "", "lee", "2025-12-01", "B"],
        ["a3", "Gamma", "Mid-Market", "50000", "2025-03-10", "2", "", "", ""],
    ],
    "users": [
        ["user_id", "account_id", "role", "team"],
        ["u1", "a1", "admin", "ops"],
        ["u2", "a2", "Exec Sponsor", ""],
    ],
    "events": [
        ["account_id", "user_id", "event", "timestamp"],
        ["a1", "u1", "kickoff_completed", "2025-01-02T10:00:00Z"],
        ["a2", "u2", "report_viewed", "2025-03-01T09:00:00+02:00"],
        ["a3", "", "kickoff_completed", "2025-03-11"],
    ],
    "touches": [
        ["account_id", "user_id", "channel", "timestamp", "touchpoint", "csat"],
        ["a1", "", "call", "2025-01-03T10:00:00Z", "Kickoff call", "5"],
        ["a2", "u2", "in-app", "2025-03-02T10:00:00Z", "", ""],
    ],
}


def _mutated_rows(table: str, rng: random.Random) -> list[list[str]]:
    rows = [list(r) for r in GOOD[table]]
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.6:
            r, c = rng.randrange(1, len(rows)), rng.randrange(len(rows[0]))
            rows[r][c] = str(_hostile(rng))
        elif kind < 0.75:
            rows[0][rng.randrange(len(rows[0]))] = rng.choice(
                ["__row", "__file", "__typed_account_id", "ACCOUNT_ID ", "", rows[0][0]]
            )
        elif kind < 0.85:
            rows.append([str(_hostile(rng)) for _ in rows[0]])
        else:
            c = rng.randrange(len(rows[0]))
            rows = [r[:c] + r[c + 1 :] for r in rows]
    return rows


def _csv(rows: list[list[str]], rng: random.Random) -> bytes:
    sep = rng.choice([",", ";", "\t"]) if rng.random() < 0.2 else ","
    buffer = io.StringIO()
    frame = pl.DataFrame(
        [
            pl.Series(f"c{i}", [r[i] if i < len(r) else "" for r in rows[1:]], pl.String)
            for i in range(len(rows[0]))
        ]
    )
    frame.columns = [f"{h}#{i}" if h in rows[0][:i] else h for i, h in enumerate(rows[0])]
    frame.write_csv(buffer, separator=sep)
    data = buffer.getvalue().encode("utf-8")
    roll = rng.random()
    if roll < 0.1:
        data = data[: rng.randrange(1, len(data))]
    elif roll < 0.2:
        position = rng.randrange(len(data))
        data = data[:position] + bytes([rng.randrange(256)]) + data[position + 1 :]
    elif roll < 0.25:
        data = b"\xef\xbb\xbf" + data
    return data


def _json_records(rows: list[list[str]], rng: random.Random) -> list[dict[str, Any]]:
    header = rows[0]
    records = [dict(zip(header, r, strict=False)) for r in rows[1:]]
    for record in records:
        if rng.random() < 0.3 and header:
            record[rng.choice(header)] = rng.choice(ODD_JSON)
    return records


def _parquet_frame(table: str, rng: random.Random) -> pl.DataFrame:
    frame = pl.DataFrame(GOOD[table][1:], schema=GOOD[table][0], orient="row")
    column = rng.choice(frame.columns)
    n = frame.height
    odd = rng.choice(
        [
            pl.Series([[1, 2]] * n),
            pl.Series([{"a": 1}] * n),
            pl.Series([1] * n, dtype=pl.Duration("us")),
            pl.Series([2**100] * n, dtype=pl.Int128),
            pl.Series([2**64 - 1] * n, dtype=pl.UInt64),
            pl.Series([10**8] * n, dtype=pl.Int32).cast(pl.Date),
            pl.Series([-(10**8)] * n, dtype=pl.Int32).cast(pl.Date),
            pl.Series([2**62] * n, dtype=pl.Int64).cast(pl.Datetime("ms")),
            pl.Series([-(2**62)] * n, dtype=pl.Int64).cast(pl.Datetime("ns", "Asia/Tokyo")),
            pl.Series([b"\xff\x00"] * n),
            pl.Series([None] * n, dtype=pl.Null),
            pl.Series([True] * n),
            pl.Series([float("nan")] * n),
            pl.Series(["x"] * n, dtype=pl.Categorical),
            pl.Series(["1.5"] * n).str.to_decimal(scale=2),
        ]
    )
    frame = frame.with_columns(odd.alias(column))
    if rng.random() < 0.2:
        frame = frame.with_columns(pl.lit(1).alias("__row"))
    return frame


def _contract_file(table: str, number: int) -> SourceFile:
    rng = _rng(f"contract:{table}:{number}")
    rows = _mutated_rows(table, rng)
    fmt = rng.choice(["csv", "csv", "csv", "jsonl", "json", "parquet"])
    name = f"{table}-{number}.{fmt}"
    if fmt == "csv":
        return SourceFile(name, table, _csv(rows, rng))
    if fmt == "parquet":
        buffer = io.BytesIO()
        _parquet_frame(table, rng).write_parquet(buffer)
        return SourceFile(name, table, buffer.getvalue())
    records = _json_records(rows, rng)
    if rng.random() < 0.1:
        text = '[{"account_id": ' + _deep(rng.choice([100, 5000])) + "}]"
    elif fmt == "json":
        text = json.dumps(records)
    else:
        text = "\n".join(json.dumps(r) for r in records)
    return SourceFile(name, table, text.encode())


def _good(table: str) -> SourceFile:
    buffer = io.StringIO()
    pl.DataFrame(GOOD[table][1:], schema=GOOD[table][0], orient="row").write_csv(buffer)
    return SourceFile(f"{table}.csv", table, buffer.getvalue().encode())


CONTRACT_CASES = [(t, n) for t in GOOD for n in range(45)]


@pytest.mark.parametrize(("table", "number"), CONTRACT_CASES)
def test_malformed_contract_files_end_in_named_problems_or_a_dataset(table: str, number: int):
    bad = _contract_file(table, number)
    others = [_good(t) for t in GOOD if t != table]
    _assert_validated([bad, *others])


# ------------------------------------------------------------------ workbooks (subprocess)


def _workbooks() -> Iterator[tuple[str, bytes]]:
    rng = _rng("workbooks")
    for number in range(25):
        rows = _mutated_rows("accounts", rng)
        rows = [[str(v).replace("<", "&lt;").replace("&", "&amp;") for v in r] for r in rows]
        yield f"accounts-{number}.xlsx", table_workbook(rows)
    far = [("XFD1048576", "x"), ("A1048577", "x"), ("XFE1", "x"), ("ZZZZ9", "x")]
    for number, (ref, text) in enumerate(far):
        body = (
            cell("A1", "account_id") + f'<row r="9"><c r="{ref}"><v>{text}</v></c></row>'.encode()
        )
        yield f"far-{number}.xlsx", workbook(body)
    yield "far-cell.xlsx", far_cell_workbook()
    yield (
        "rowless.xlsx",
        workbook(b'<row r="1048576"><c><v>1</v></c></row>' + b"<row><c/></row>" * 3),
    )
    yield "bomb.xlsx", workbook(cell("A1", "account_id"), padding=3 * 1024 * 1024)
    yield "not-a-zip.xlsx", b"PK\x03\x04 nothing"
    yield "truncated.xlsx", table_workbook([["account_id"], ["a"]])[:700]


WORKBOOK_CHECK = """
import json, sys
from pathlib import Path
from core.data.readers import SourceFile
from core.data.validate import check_sources
from core.journey.exchange import from_excel
from core.journey.errors import JourneyError
folder = Path(sys.argv[1])
results = []
for path in sorted(folder.iterdir()):
    data = path.read_bytes()
    dataset, problems = check_sources([SourceFile(path.name, "accounts", data)], ["SMB"])
    try:
        from_excel(data)
        journey = "read"
    except JourneyError as exc:
        journey = "refused"
    results.append({"file": path.name, "loaded": dataset is not None,
                    "problems": problems.to_dicts()})
print(json.dumps(results))
"""


def test_malformed_workbooks_never_abort_the_process(tmp_path: Path):
    for name, data in _workbooks():
        (tmp_path / name).write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(WORKBOOK_CHECK), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(results) == len(list(tmp_path.iterdir()))
    for result in results:
        problems = pl.DataFrame(
            result["problems"],
            schema={
                "file": pl.String,
                "row": pl.Int64,
                "column": pl.String,
                "value": pl.String,
                "rule": pl.String,
            },
        )
        if problems.height:
            assert not result["loaded"]
            _assert_problems_name_where(problems, {result["file"]})
    refused = {
        r["file"]
        for r in results
        if r["problems"] and r["problems"][0]["rule"].startswith("refused")
    }
    assert {"far-cell.xlsx", "bomb.xlsx", "far-0.xlsx", "rowless.xlsx"} <= refused


# ------------------------------------------------------------------ vendor presets


def _fixture_lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / name).read_text().splitlines() if line]


def _mutate_record(record: Any, rng: random.Random, depth: int = 0) -> Any:
    if isinstance(record, dict) and record and depth < 3:
        key = rng.choice(list(record))
        record = dict(record)
        record[key] = (
            _mutate_record(record[key], rng, depth + 1) if rng.random() < 0.5 else _hostile(rng)
        )
    return record


def _export_text(records: list[dict[str, Any]], rng: random.Random, as_array: bool) -> bytes:
    lines = [json.dumps(_mutate_record(r, rng)) for r in records]
    roll = rng.random()
    if roll < 0.15:
        lines.insert(
            rng.randrange(len(lines) + 1), '{"a":' + _deep(rng.choice([50, 2000, 50_000])) + "}"
        )
    elif roll < 0.25:
        lines.insert(rng.randrange(len(lines) + 1), lines[0][: len(lines[0]) // 2])
    elif roll < 0.3:
        lines.insert(0, "[1, 2, 3]")
    if as_array:
        return ("[" + ",".join(lines) + "]").encode()
    return "\n".join(lines).encode()


def _csv_export(name: str, rng: random.Random) -> bytes:
    text = (FIXTURES / name).read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    for _ in range(rng.randint(1, 3)):
        row = rng.randrange(1, len(lines))
        cells = lines[row].split(";" if ";" in lines[0] else ",")
        if cells:
            cells[rng.randrange(len(cells))] = str(_hostile(rng)).replace("\n", " ")
        lines[row] = (";" if ";" in lines[0] else ",").join(cells)
    if rng.random() < 0.2:
        lines[0] = lines[0] + (";__row" if ";" in lines[0] else ",__row")
    return "\n".join(lines).encode()


def _amplitude_zip(rng: random.Random) -> bytes:
    import gzip
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((FIXTURES / "amplitude").iterdir()):
            records = [json.loads(x) for x in path.read_text().splitlines() if x]
            archive.writestr(path.name + ".gz", gzip.compress(_export_text(records, rng, False)))
    return buffer.getvalue()


PRESET_SOURCES: dict[str, Callable[[random.Random], tuple[str, bytes]]] = {
    "segment": lambda r: (
        "export.jsonl",
        _export_text(_fixture_lines("segment-export.jsonl"), r, r.random() < 0.3),
    ),
    "mixpanel": lambda r: (
        "export.jsonl",
        _export_text(_fixture_lines("mixpanel-export.jsonl"), r, False),
    ),
    "amplitude": lambda r: ("export.zip", _amplitude_zip(r)),
    "zendesk": lambda r: (
        "tickets.jsonl",
        _export_text(_fixture_lines("zendesk-tickets.jsonl"), r, False),
    ),
    "hubspot": lambda r: ("companies.csv", _csv_export("hubspot-companies.csv", r)),
    "salesforce": lambda r: ("accounts.csv", _csv_export("salesforce-accounts.csv", r)),
}
PRESET_CASES = [(p, n) for p in VENDOR_PRESETS for n in range(12)] + [("csv", n) for n in range(10)]


def _preset_run(preset_name: str, number: int) -> None:
    rng = _rng(f"preset:{preset_name}:{number}")
    if preset_name == "csv":
        name, data = "touches.csv", _csv_export("generic-touches.csv", rng)
        preset = get_preset("csv", "touches")
        mapping = {
            "account_id": "Company",
            "user_id": "Contact",
            "channel": "Medium",
            "timestamp": "Date",
            "touchpoint": "Campaign",
            "csat": "Rating",
        }
    else:
        name, data = PRESET_SOURCES[preset_name](rng)
        preset = get_preset(preset_name)
        mapping = {f.name: f.candidates[0] for f in preset.fields if f.candidates}
    source = SourceFile(name, preset.tables[0], data)
    try:
        result = run_preset(preset, [source], mapping)
    except ValidationFailed as exc:
        _assert_problems_name_where(exc.problems, {name})
        return
    except UserError:
        return
    try:
        dataset, _ = combine(None, result, SEGMENTS)
    except ValidationFailed as exc:
        _assert_problems_name_where(exc.problems, {name, *result.files})
        return
    assert dataset is not None


@pytest.mark.parametrize(("preset_name", "number"), PRESET_CASES)
def test_malformed_vendor_exports_end_in_named_problems_or_data(preset_name: str, number: int):
    _preset_run(preset_name, number)


# ------------------------------------------------------------------ journey maps


def _map_document(rng: random.Random) -> dict[str, Any]:
    doc = json.loads(
        json.dumps(TEMPLATES[rng.choice(["six_stage", "five_phase", "product_led"])].data)
    )
    for _ in range(rng.randint(1, 4)):
        section = rng.choice(["map", "stages", "milestones", "touchpoints", "signals", "risks"])
        if section == "map":
            doc["map"][rng.choice(["name", "segment", "state", "variant"])] = _hostile(rng)
            continue
        rows = doc.get(section)
        if not isinstance(rows, list) or not rows:
            continue
        row = rng.choice(rows)
        roll = rng.random()
        if roll < 0.7:
            row[rng.choice(list(row))] = _hostile(rng)
        elif roll < 0.8:
            row["unknown_field"] = 1
        elif roll < 0.9:
            rows.append(dict(row))
        else:
            doc[section] = _hostile(rng)
    return doc


def _map_file(number: int) -> bytes:
    rng = _rng(f"map:{number}")
    roll = rng.random()
    if roll < 0.08:
        return (
            '{"schema": "waypoint.journey-map", "stages": ' + _deep(rng.choice([900, 50_000])) + "}"
        ).encode()
    if roll < 0.14:
        return json.dumps(_map_document(rng))[: rng.randrange(1, 400)].encode()
    return json.dumps(_map_document(rng), default=str).encode()


@pytest.mark.parametrize("number", range(80))
def test_malformed_journey_maps_are_refused_with_a_message_or_fully_checked(number: int):
    data = _map_file(number)
    try:
        checked = _checked_rows(from_json(data))
    except JourneyError as exc:
        message = str(exc)
    else:
        assert set(checked) == {"stage", "milestone", "touchpoint", "signal", "risk", "opportunity"}
        return
    assert message.strip()
    assert "Traceback" not in message


def test_every_template_still_imports_cleanly():
    for template in TEMPLATES.values():
        checked = _checked_rows(from_json(json.dumps(template.data)))
        assert len(checked["stage"]) == len(template.data["stages"])


def test_to_document_is_importable():
    """Sanity: the module under fuzz is the exporter's counterpart."""
    assert callable(to_document)
