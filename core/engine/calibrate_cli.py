"""`python -m core calibrate DATA_DIR [--config plan.toml] [--as-of DATE] [--out FILE]`: the
calibration of docs/metrics.md for scheduled reviews.

One row per signal (built-in ones by their docs/metrics.md names, journey signals by their
names from the plan): signal, current_penalty, suggested_penalty, the signal's lift, then
precision, recall and lift of both weightings with their 95% bounds. A history too small or
too short to calibrate on is a user error (exit status 1) whose message says why.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.common.errors import UserError
from core.common.scalars import as_date
from core.data.fast_check import check_directory
from core.engine.calibration import calibrate
from core.engine.frames import build_context
from core.engine.output import print_frame, write_frame
from core.model.plan import MeasurementPlan, load_plan


class CalibrationError(UserError):
    """The history cannot be calibrated on; the message says how much more it needs."""


def calibrate_command(args: argparse.Namespace) -> int:
    plan = load_plan(args.config) if args.config else MeasurementPlan()
    data = check_directory(Path(args.data_dir), plan=plan)
    since = as_date(data.accounts.get_column("start_date").min())
    result = calibrate(build_context(data, plan, args.as_of, since=since))
    if result.reason is not None:
        raise CalibrationError(result.reason)
    table = result.table()
    if args.out is None:
        print_frame(table, sys.stdout)
    else:
        write_frame(table, args.out)
    return 0
