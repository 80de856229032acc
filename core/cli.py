"""Command-line entry: argument parsing and exit codes, nothing else.

Exit status (docs/metrics.md): 0 success, 1 invalid data or plan (message on stderr,
nothing written), 2 bad arguments (argparse's own convention), 3 an internal error (a bug:
a one-line message on stderr; WAYPOINT_DEBUG=1 prints the traceback too).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from polars.exceptions import PanicException

from core.common.errors import UserError
from core.data.validate import ValidationFailed, load_directory
from core.model.plan import PlanError, load_plan

INVALID_DATA = 1
INTERNAL_ERROR = 3


class CommandError(UserError):
    """A failure caused by the data or the plan: reported on stderr with exit status 1."""


def _validate(args: argparse.Namespace) -> int:
    plan = load_plan(args.config) if args.config else None
    dataset = load_directory(Path(args.data_dir), plan=plan)
    counts = ", ".join(f"{name}: {len(frame):,}" for name, frame in dataset.frames().items())
    print(f"{args.data_dir} is valid ({counts})")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from core.data import demo  # the generator pulls in numpy; only this command needs it

    frames = demo.generate(accounts=args.accounts, seed=args.seed)
    demo.write_dataset(frames, Path(args.out_dir), fmt=args.format)
    counts = ", ".join(f"{name}: {len(frame):,}" for name, frame in frames.items())
    print(f"wrote demo data to {args.out_dir} ({counts})")
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
