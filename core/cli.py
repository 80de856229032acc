"""Command-line entry: argument parsing and exit codes, nothing else.

Exit status (docs/metrics.md): 0 success, 1 invalid data or plan, or a backup or restore
refused (message on stderr, nothing written), 2 bad arguments (argparse's own convention),
3 an internal error (a bug: a one-line message on stderr; WAYPOINT_DEBUG=1 prints the
traceback too).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from polars.exceptions import PanicException

from core.common.errors import UserError
from core.common.progress import terminal_progress
from core.data.fast_check import check_directory
from core.data.validate import ValidationFailed
from core.model.plan import PlanError, load_plan

if TYPE_CHECKING:
    from sqlalchemy import Engine

INVALID_DATA = 1
INTERNAL_ERROR = 3


class CommandError(UserError):
    """A failure caused by the data or the plan: reported on stderr with exit status 1."""


def _validate(args: argparse.Namespace) -> int:
    plan = load_plan(args.config) if args.config else None
    with terminal_progress(sys.stderr) as progress:  # drawn only when stderr is a terminal
        checked = check_directory(Path(args.data_dir), plan=plan, on_progress=progress)
    for note in checked.notes:
        print(note, file=sys.stderr)
    counts = ", ".join(f"{name}: {rows:,}" for name, rows in checked.counts.items())
    print(f"{args.data_dir} is valid ({counts})")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from core.data import demo  # the generator pulls in numpy; only this command needs it

    frames = demo.generate(accounts=args.accounts, seed=args.seed)
    demo.write_dataset(frames, Path(args.out_dir), fmt=args.format)
    counts = ", ".join(f"{name}: {len(frame):,}" for name, frame in frames.items())
    print(f"wrote demo data to {args.out_dir} ({counts})")
    return 0


def _database() -> Engine:
    """The database DATABASE_URL names (the SQLite default without it), as the app uses it."""
    from core.db.config import database_url
    from core.db.engine import make_engine

    return make_engine(database_url())


def _backup(args: argparse.Namespace) -> int:
    from core.backup import backup_workspace

    engine = _database()
    try:
        summary = backup_workspace(engine, args.workspace, Path(args.out))
    finally:
        engine.dispose()
    rows = sum(summary.rows.values())
    print(
        f"backed up workspace “{summary.workspace}” to {summary.path} "
        f"({rows:,} rows in {len(summary.rows)} tables, schema revision {summary.revision})"
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from core.backup import restore_workspace

    engine = _database()
    try:
        summary = restore_workspace(engine, Path(args.file), args.new_name)
    finally:
        engine.dispose()
    rows = sum(summary.rows.values())
    line = f"restored workspace “{summary.workspace}” ({rows:,} rows in {len(summary.rows)} tables"
    if summary.new_tokens:
        line += f"; {summary.new_tokens} links got new tokens, the old ones are used here"
    print(line + ")")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Waypoint engine")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a data folder against the data contract")
    p.add_argument("data_dir")
    p.add_argument("--config", help="measurement plan TOML (for its segment names)")
    p.set_defaults(func=_validate)

    p = sub.add_parser("demo", help="write a deterministic demo data set")
    p.add_argument("out_dir")
    p.add_argument("--accounts", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--format", choices=("csv", "parquet"), default="csv")
    p.set_defaults(func=_demo)

    p = sub.add_parser(
        "backup", help="write one workspace of the database (DATABASE_URL) to a backup file"
    )
    p.add_argument("--workspace", required=True, help="name of the workspace to back up")
    p.add_argument("--out", required=True, help="the backup file to write (a .zip)")
    p.set_defaults(func=_backup)

    p = sub.add_parser(
        "restore", help="restore a workspace from a backup file into the database (DATABASE_URL)"
    )
    p.add_argument("file", help="a backup written by `backup`")
    p.add_argument("--as", dest="new_name", help="restore under this name instead")
    p.set_defaults(func=_restore)

    _register_engine(sub)
    from core.data.presets.cli import register as register_presets

    register_presets(sub)
    return parser


def _register_engine(sub: argparse._SubParsersAction) -> None:
    """The analytics commands (score, at-risk, scorecard, funnel, ...) live beside the engine."""
    from core.engine.cli import register

    register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None and not Path(data_dir).is_dir():
        parser.error(f"DATA_DIR {data_dir!r} is not a folder")
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; that is not our failure.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except ValidationFailed as exc:
        print(exc.report(), file=sys.stderr)
        return INVALID_DATA
    except (PlanError, CommandError, UserError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return INVALID_DATA
    except (Exception, PanicException) as exc:  # noqa: BLE001 - the last line of defence
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    """A bug, not the user's data: say so in one line; the traceback only when asked for."""
    if os.environ.get("WAYPOINT_DEBUG", "").strip() not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)
    print(
        f"internal error ({type(exc).__name__}): a bug in Waypoint, not a problem with your "
        "data. Run again with WAYPOINT_DEBUG=1 to see the details, and please report it.",
        file=sys.stderr,
    )
    return INTERNAL_ERROR
