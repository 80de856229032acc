"""What validation accepts, the engine computes: data at the very edges of the accepted range
(dates from 1970-01-01 to a year after today, the largest whole number, huge and zero
contract values) goes through every command without an error."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.cli import main
from core.data.validate import LARGEST_WHOLE, accepted_dates, load_directory
from core.engine.cli import COMMANDS

FIRST, LAST = accepted_dates()
EARLY, LATE = FIRST.isoformat(), LAST.isoformat()


def _write(folder: Path) -> None:
    today = date.today().isoformat()
    (folder / "accounts.csv").write_text(
        "account_id,segment,contract_value,start_date,licensed_seats,csm,churn_date\n"
        f"old,SMB,0,{EARLY},1,kim,{EARLY}\n"
        f"new,Enterprise,1e15,{LATE},{LARGEST_WHOLE},,\n"
        f"mid,Mid-Market,50000,{today},3,lee,{LATE}\n"
        f"churned,SMB,10,{EARLY},2,,{today}\n",
        encoding="utf-8",
    )
    (folder / "users.csv").write_text(
        "user_id,account_id,role\nu1,old,exec_sponsor\nu2,new,admin\nu3,mid,champion\n",
        encoding="utf-8",
    )
    (folder / "events.csv").write_text(
        "account_id,user_id,event,timestamp\n"
        f"old,u1,kickoff_completed,{EARLY}T00:00:00Z\n"
        f"old,u1,first_workflow_live,{LATE}T23:59:59Z\n"
        f"new,u2,kickoff_completed,{LATE}T23:59:59.999999Z\n"
        f"mid,u3,first_workflow_live,{today}T12:00:00Z\n"
        f"churned,,report_viewed,{EARLY}T00:00:01Z\n",
        encoding="utf-8",
    )
    (folder / "touches.csv").write_text(
        "account_id,channel,timestamp,csat\n"
        f"old,call,{EARLY}T00:00:00Z,1\n"
        f"new,ticket,{LATE}T23:59:59Z,5\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def edge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("edges")
    _write(folder)
    return folder


def test_the_edges_are_accepted(edge_dir: Path):
    data = load_directory(edge_dir)
    assert data.events.get_column("timestamp").dt.date().max() == LAST
    assert data.accounts.get_column("start_date").min() == FIRST


def _ran(status: int, err: str, command: str) -> None:
    """Done, or (for a command that needs more history than four accounts) a sentence
    saying why; never an internal error."""
    assert status == 0 or (command in NEEDS_HISTORY and status == 1 and "error: " in err), err


# Commands that refuse, with exit 1 and a reason, data with too little churn history.
NEEDS_HISTORY = ("calibrate",)


@pytest.mark.parametrize("command", ["validate", *COMMANDS])
def test_every_command_runs_on_the_edges(
    command: str, edge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    extra = [] if command == "validate" else ["--out", str(tmp_path / "out.csv")]
    _ran(main([command, str(edge_dir), *extra]), capsys.readouterr().err, command)
    if command == "backtest":
        for view in ("dates", "signals"):
            out = ["--out", str(tmp_path / f"{view}.json")]
            assert main([command, str(edge_dir), "--view", view, *out]) == 0


@pytest.mark.parametrize("as_of", [EARLY, LATE])
def test_commands_run_with_the_analysis_date_at_either_edge(
    as_of: str, edge_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    for command in COMMANDS:
        out = ["--out", str(tmp_path / f"{command}.parquet")]
        status = main([command, str(edge_dir), "--as-of", as_of, *out])
        _ran(status, capsys.readouterr().err, command)
