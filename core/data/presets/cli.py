"""`python -m core import`: convert a vendor export and write or merge it into a data folder.

    python -m core import --preset segment export.jsonl --out data/
    python -m core import --preset mixpanel --map account_id=properties.company_id raw.jsonl \
        --out data/
    python -m core import --preset zendesk tickets.jsonl --join orgs.csv \
        --join-key "Zendesk id" --out data/

The folder's tables are merged (see core.data.presets.merge) and the result must pass the same
checks as `python -m core validate`; files are written only then, each to a temporary file
first and renamed into place, so a failed run leaves the folder as it was.
Exit status: 0 written, 1 invalid data (nothing written), 2 bad arguments, 3 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import polars as pl

from core.common.errors import UserError
from core.common.progress import ProgressFn
from core.data.presets import PRESET_NAMES, UnknownPreset, get_preset
from core.data.presets.base import Preset
from core.data.presets.convert import run_preset
from core.data.presets.guess import as_mapping, guess_mapping
from core.data.presets.join import account_join
from core.data.presets.merge import combine
from core.data.presets.result import AccountJoin
from core.data.presets.sources import sample
from core.data.readers import SourceFile, UnreadableFile, files_in_directory
from core.data.validate import ValidationFailed, load_directory, problem
from core.model.contract import TABLES
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan, load_plan

WRITERS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class ArgumentProblem(UserError):
    """A bad argument found after parsing: exit status 2, like argparse's own errors."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="convert a Segment/Mixpanel/Amplitude/HubSpot/Salesforce/Zendesk export into DATA_DIR",
        description="Convert exports with a preset and write or merge them into a data folder.",
    )
    p.add_argument("--preset", required=True, choices=PRESET_NAMES)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--out", required=True, metavar="DATA_DIR")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=SOURCE",
        help="the export field or column for a field, e.g. account_id=properties.company_id",
    )
    p.add_argument("--table", choices=TABLES, help="target table (the csv preset only)")
    p.add_argument("--join", metavar="FILE", help="a file linking the export's account ids to ours")
    p.add_argument("--join-key", metavar="COLUMN", help="its column holding the export's ids")
    p.add_argument("--join-id", metavar="COLUMN", help="its column holding our account ids")
    p.add_argument("--config", help="measurement plan TOML (for its segment names)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _parse_maps(preset: Preset, items: list[str]) -> dict[str, str]:
    known = [f.name for f in preset.fields]
    maps = {}
    for item in items:
        field, sep, source = item.partition("=")
        field = field.strip()
        if not sep or not field:
            raise ArgumentProblem(f"--map {item!r}: write it as FIELD=SOURCE")
        if field not in known:
            raise ArgumentProblem(f"--map {item!r}: unknown field (use one of {', '.join(known)})")
        maps[field] = source.strip()
    return maps


def _sources(paths: list[str], table: str) -> list[SourceFile]:
    found = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise ArgumentProblem(f"{name}: no such file")
        found.append(SourceFile(path.name, table, path))
    return found


def _current(out: Path, plan: MeasurementPlan) -> Dataset | None:
    """What the folder holds now (it must be valid: we only add to good data)."""
    if out.exists() and not out.is_dir():
        raise ArgumentProblem(f"--out {out}: not a folder")
    if not out.exists() or not files_in_directory(out):
        return None
    return load_directory(out, plan)


def _targets(out: Path) -> dict[str, Path]:
    """Where each table goes: its existing file (same format) or TABLE.csv."""
    existing = {s.table: out / s.name for s in files_in_directory(out)} if out.exists() else {}
    targets = {}
    for table in TABLES:
        path = existing.get(table, out / f"{table}.csv")
        if path.suffix.lower() not in WRITERS:
            rule = f"{table} is stored as {path.suffix}; convert it to CSV or Parquet first"
            raise ValidationFailed(problem(str(path), rule))
        targets[table] = path
    return targets


def _write(dataset: Dataset, targets: dict[str, Path]) -> None:
    temps = {}
    try:
        for table, path in targets.items():
            frame: pl.DataFrame = getattr(dataset, table)
            temp = path.with_name(f".{path.name}.importing")
            kind = WRITERS[path.suffix.lower()]
            if kind == "csv":
                # The data folder itself, read back by `validate` and the next merge: the
                # values must round-trip unchanged, so the download rule (an apostrophe
                # before formula-like text, core.common.downloads) does not apply here.
                frame.write_csv(temp)
            elif kind == "parquet":
                frame.write_parquet(temp)
            else:
                frame.write_ndjson(temp)
            temps[table] = temp
        for table, temp in temps.items():
            os.replace(temp, targets[table])
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)


def _progress_bar(*, enabled: bool) -> ProgressFn:
    """A one-line bar on stderr for a terminal; silent when piped (a scheduled job's log)."""
    last = [-1]

    def show(fraction: float, message: str) -> None:
        percent = int(100 * min(max(fraction, 0.0), 1.0))
        if not enabled or percent == last[0]:
            return
        last[0] = percent
        filled = percent * 30 // 100
        bar = "#" * filled + "-" * (30 - filled)
        print(f"\r[{bar}] {percent:3d}% {message[:60]:<60}", end="", file=sys.stderr, flush=True)

    return show


def _join(args: argparse.Namespace) -> AccountJoin | None:
    if not args.join:
        return None
    if not args.join_key:
        raise ArgumentProblem("--join needs --join-key COLUMN (the column with the export's ids)")
    path = Path(args.join)
    if not path.is_file():
        raise ArgumentProblem(f"{args.join}: no such file")
    return account_join(SourceFile(path.name, "accounts", path), args.join_key, args.join_id)


def _mapping(
    preset: Preset, sources: list[SourceFile], current: Dataset | None, maps: dict[str, str]
) -> dict[str, str | None]:
    """The guessed mapping, overridden by every --map given."""
    known = current.accounts.get_column("account_id").to_list() if current else []
    try:
        guesses = guess_mapping(preset, sample(sources[0]), known)
    except UnreadableFile as exc:
        raise ValidationFailed(problem(sources[0].name, str(exc))) from exc
    return {**as_mapping(guesses), **maps}


def run(args: argparse.Namespace) -> int:
    try:
        preset = get_preset(args.preset, args.table)
        maps = _parse_maps(preset, args.map)
        sources = _sources(args.files, preset.tables[0])
        join = _join(args)
        out = Path(args.out)
        plan = load_plan(args.config) if args.config else MeasurementPlan()
        current = _current(out, plan)
    except (ArgumentProblem, UnknownPreset) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    targets = _targets(out)
    bar = not args.quiet and sys.stderr.isatty()
    show = _progress_bar(enabled=bar)
    try:
        mapping = _mapping(preset, sources, current, maps)
        result = run_preset(preset, sources, mapping, join=join, on_progress=show)
        dataset, summary = combine(current, result, list(plan.segments), show)
    finally:
        if bar:
            print(file=sys.stderr)  # end the bar's line before any message
    out.mkdir(parents=True, exist_ok=True)
    _write(dataset, targets)
    print(f"imported {', '.join(result.files)} ({preset.label}) into {out}")
    for line in [*summary.lines(), *result.notes]:
        print(f"  {line}")
    return 0
