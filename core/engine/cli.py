"""Engine commands for `python -m core`: score, at-risk, scorecard, funnel, attribution,
backtest. Argument errors (bad --as-of, unknown --out type, unknown --segment) exit 2;
invalid data and bad plan files exit 1, internal errors 3, through core.cli.main; nothing is
written then.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl

from core.common.progress import CommandProgress, terminal_progress
from core.data.fast_check import check_directory
from core.engine.attribution import attribution_table
from core.engine.backtest import backtest_table
from core.engine.calibrate_cli import calibrate_command
from core.engine.frames import Context, build_context
from core.engine.funnel import funnel_table
from core.engine.output import print_frame, write_frame, writer_for
from core.engine.score import at_risk_table, score_table
from core.engine.scorecard import scorecard_table
from core.model.plan import MeasurementPlan, load_plan

BAD_ARGUMENTS = 2


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (expected YYYY-MM-DD): {text!r}") from None


def _out(text: str) -> Path:
    path = Path(text)
    if writer_for(path) is None:
        raise argparse.ArgumentTypeError(
            f"unsupported output type {path.suffix or '(none)'!r}: use .csv, .parquet or .json"
        )
    return path


CHECK_SHARE = 0.7  # of a command's progress line: the check, then the computation


def _context(
    args: argparse.Namespace, progress: CommandProgress, *, history: bool = False
) -> Context:
    """Plan and data (validated), then the engine's shared facts. On a terminal, progress is
    drawn on stderr as the files are checked (core.common.progress.terminal_progress)."""
    plan = load_plan(args.config) if args.config else MeasurementPlan()
    data = check_directory(
        Path(args.data_dir), plan=plan, on_progress=lambda f, m: progress(CHECK_SHARE * f, m)
    )
    progress.clear()
    for note in data.notes:
        print(note, file=sys.stderr)
    what = COMMANDS.get(getattr(args, "command", ""), ("the results", None))[0]
    progress(CHECK_SHARE, f"Computing {what}")
    since = data.accounts.get_column("start_date").min() if history else None
    return build_context(data, plan, args.as_of, since=since)  # type: ignore[arg-type]


def _computed(
    args: argparse.Namespace, compute: Callable[[Context], pl.DataFrame], *, history: bool = False
) -> pl.DataFrame:
    """The command's table; its progress line is erased before anything is printed."""
    with terminal_progress(sys.stderr) as progress:
        return compute(_context(args, progress, history=history))


def _emit(frame: pl.DataFrame, out: Path | None) -> int:
    if out is None:
        print_frame(frame, sys.stdout)
    else:
        write_frame(frame, out)
    return 0


def _score(args: argparse.Namespace) -> int:
    return _emit(_computed(args, score_table), args.out)


def _at_risk(args: argparse.Namespace) -> int:
    return _emit(_computed(args, lambda ctx: at_risk_table(score_table(ctx))), args.out)


def _scorecard(args: argparse.Namespace) -> int:
    return _emit(_computed(args, scorecard_table), args.out)


def _funnel(args: argparse.Namespace) -> int:
    with terminal_progress(sys.stderr) as progress:
        ctx = _context(args, progress)
        if args.segment is not None and args.segment not in ctx.plan.segments:
            progress.clear()
            known = ", ".join(ctx.plan.segments)
            print(f"error: unknown segment {args.segment!r} (known: {known})", file=sys.stderr)
            return BAD_ARGUMENTS
        frame = funnel_table(ctx, args.segment)
    return _emit(frame, args.out)


def _attribution(args: argparse.Namespace) -> int:
    return _emit(_computed(args, attribution_table), args.out)


def _backtest(args: argparse.Namespace) -> int:
    with terminal_progress(sys.stderr) as progress:
        result = backtest_table(_context(args, progress, history=True))
    views = {"segments": result.by_segment, "dates": result.by_date, "signals": result.signals}
    return _emit(views[args.view], args.out)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data_dir", metavar="DATA_DIR")
    parser.add_argument("--config", metavar="plan.toml", help="measurement plan (TOML)")
    parser.add_argument(
        "--as-of", type=_as_of, metavar="YYYY-MM-DD", help="analysis date (default: latest event)"
    )
    parser.add_argument(
        "--out", type=_out, metavar="FILE", help="write .csv, .parquet or .json instead of printing"
    )


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "score": ("health score of every account", _score),
    "at-risk": ("accounts to escalate, worst first", _at_risk),
    "scorecard": ("segment scorecard", _scorecard),
    "funnel": ("journey funnel over the milestone events", _funnel),
    "attribution": ("touchpoint credit toward activation, six models", _attribution),
    "backtest": ("how well the score flagged accounts that churned", _backtest),
    "calibrate": ("suggest penalties from the backtest on this history", calibrate_command),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the engine commands to `python -m core`."""
    for name, (help_text, func) in COMMANDS.items():
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        _common(parser)
        if name == "funnel":
            parser.add_argument("--segment", metavar="NAME", help="one segment's funnel")
        if name == "backtest":
            parser.add_argument(
                "--view", choices=("segments", "dates", "signals"), default="segments"
            )
        parser.set_defaults(func=func)
