"""The engine commands end to end: files in, validated, computed, written or printed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.cli import main
from core.engine.funnel import FUNNEL_SCHEMA
from core.engine.output import print_frame
from core.engine.score import SCORE_COLUMNS
from core.engine.scorecard import SCORECARD_COLUMNS

ACCOUNTS = """account_id,account_name,segment,contract_value,start_date,licensed_seats,csm
a1,Alpha,SMB,12000,2026-01-01,5,kim
a2,,,150000,2026-02-20,,lee
a3,Gamma,SMB,,2026-03-10,2,kim
"""
USERS = """user_id,account_id,role,team
u1,a1,admin,ops
u2,a1,,sales
s1,a1,Exec Sponsor,
u3,a2,end_user,
"""
# a1's first value at 2026-01-05T01:30+02:00 is 2026-01-04 23:30 UTC: ttv 3, not 4.
# The last event (a3 at 2026-04-01T01:00+03:00) is 2026-03-31 UTC: the default as_of.
EVENTS = """account_id,user_id,event,timestamp
a1,u1,kickoff_completed,2026-01-02T10:00:00Z
a1,u1,first_workflow_live,2026-01-05T01:30:00+02:00
a1,u1,report_viewed,2026-03-30T09:00:00Z
a1,u2,report_viewed,2026-03-29T09:00:00Z
a1,s1,report_viewed,2026-03-28T09:00:00Z
a2,u3,kickoff_completed,2026-02-21T09:00:00Z
a3,,kickoff_completed,2026-04-01T01:00:00+03:00
"""
TOUCHES = """account_id,user_id,channel,timestamp,touchpoint,csat
a2,,ticket,2026-03-20T10:00:00Z,,2
a2,,email,2026-03-21T10:00:00Z,Welcome,
a1,,call,2026-01-03T10:00:00Z,Kickoff call,5
"""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name, text in (
        ("accounts", ACCOUNTS),
        ("users", USERS),
        ("events", EVENTS),
        ("touches", TOUCHES),
    ):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_score_to_csv(data_dir, tmp_path):
    out = tmp_path / "score.csv"
    assert main(["score", str(data_dir), "--out", str(out)]) == 0
    table = pl.read_csv(out)
    assert tuple(table.columns) == SCORE_COLUMNS
    expected = pl.DataFrame(
        {
            "account_id": ["a1", "a2", "a3"],
            "account_name": ["Alpha", "a2", "Gamma"],
            "segment": ["SMB", "Enterprise", "SMB"],
            "csm": ["kim", "lee", "kim"],
            "age_days": [89, 39, 21],
            "contract_value": [12000.0, 150000.0, None],
            "ttv_days": [3, None, None],
            # a2: Enterprise, 39 <= 60 so no first-value penalty; one user; no sponsor; tickets
            #     1 of 2 touches -> 100 - 25 - 20 - 15 = 40, escalate.
            # a3: SMB, 21 > 14 days without first value -> 60, too young to escalate: watch.
            "score": [100, 40, 60],
            "action": ["healthy", "escalate", "watch"],
            "signals": [
                "",
                "single_user;sponsor_disengaged;ticket_primary",
                "no_first_value",
            ],
            # a week earlier (03-24): a1 had no activity in [02-23, 03-24] -> 55, so +45;
            # a2 had 1 ticket of 1 touch -> 40 as well; a3 was 14 days old, not yet late: 100.
            "score_delta_7d": [45, 0, -40],
        }
    )
    assert_frame_equal(table, expected, check_dtypes=False)


def test_at_risk_json_is_a_records_array(data_dir, tmp_path):
    out = tmp_path / "risk.json"
    assert main(["at-risk", str(data_dir), "--out", str(out)]) == 0
    records = json.loads(out.read_text())
    assert [r["account_id"] for r in records] == ["a2"]
    assert list(records[0]) == list(SCORE_COLUMNS)


def test_as_of_option(data_dir, tmp_path):
    out = tmp_path / "score.parquet"
    assert main(["score", str(data_dir), "--as-of", "2026-03-01", "--out", str(out)]) == 0
    table = pl.read_parquet(out)
    assert table.get_column("account_id").to_list() == ["a1", "a2"]  # a3 starts later
    assert table.get_column("age_days").to_list() == [59, 9]


def test_scorecard_and_funnel_columns(data_dir, tmp_path, capsys):
    out = tmp_path / "card.csv"
    assert main(["scorecard", str(data_dir), "--out", str(out)]) == 0
    card = pl.read_csv(out)
    assert tuple(card.columns) == SCORECARD_COLUMNS
    assert card.get_column("segment").to_list() == ["Enterprise", "SMB", "All"]
    assert card.get_column("csat_mean").to_list() == [2.0, 5.0, 3.5]
    out = tmp_path / "funnel.csv"
    assert main(["funnel", str(data_dir), "--segment", "SMB", "--out", str(out)]) == 0
    funnel = pl.read_csv(out)
    assert tuple(funnel.columns) == tuple(FUNNEL_SCHEMA)
    # SMB: a1 kicked off on day 1, a3 on day 21 (its event is 03-31 in UTC)
    assert funnel.get_column("reached").to_list()[:2] == [2, 0]
    assert funnel.item(0, "median_days_from_start") == (1 + 21) / 2


def test_stdout_prints_every_row(data_dir, capsys):
    assert main(["score", str(data_dir)]) == 0
    printed = capsys.readouterr().out
    assert all(a in printed for a in ("a1", "a2", "a3"))
    assert "…" not in printed


def test_stdout_prints_plain_decimals():
    frame = pl.DataFrame(
        {
            "segment": [f"s{i}" for i in range(60)],
            "at_risk_value": [3_855_968.0] * 59 + [None],
            "rate": [0.1 + 0.2] * 60,
            **{f"extra_{i}": [1.5e-7] * 60 for i in range(30)},
        }
    )
    stream = io.StringIO()
    print_frame(frame, stream)
    printed = stream.getvalue()
    assert "3855968" in printed
    assert "0.3 " in printed
    assert "e6" not in printed
    assert "e-" not in printed
    assert "0.30000000000000004" not in printed
    assert "…" not in printed
    assert "s59" in printed
    assert "extra_29" in printed


@pytest.mark.parametrize("command", ["attribution", "backtest"])
def test_extra_commands_run(data_dir, tmp_path, command):
    out = tmp_path / f"{command}.csv"
    assert main([command, str(data_dir), "--out", str(out)]) == 0
    assert out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "DATA", "--as-of", "31/03/2026"],
        ["score", "DATA", "--out", "result.xlsx"],
        ["funnel", "DATA", "--segment", "Nope"],
        ["score"],
    ],
)
def test_bad_arguments_exit_2(data_dir, tmp_path, argv, capsys):
    argv = [str(data_dir) if a == "DATA" else a for a in argv]
    argv = [str(tmp_path / a) if a.endswith(".xlsx") else a for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refuses before any command runs
        code = exc.code
    assert code == 2
    assert capsys.readouterr().err
    assert not (tmp_path / "result.xlsx").exists()


def test_invalid_data_exits_1_and_writes_nothing(data_dir, tmp_path, capsys):
    (data_dir / "events.csv").write_text(EVENTS + "zz,,x,2026-01-01T00:00:00Z\n", encoding="utf-8")
    out = tmp_path / "score.csv"
    assert main(["score", str(data_dir), "--out", str(out)]) == 1
    assert "zz" in capsys.readouterr().err
    assert not out.exists()


def test_bad_plan_exits_1(data_dir, tmp_path, capsys):
    plan = tmp_path / "plan.toml"
    plan.write_text("window_dayz = 30\n", encoding="utf-8")
    assert main(["score", str(data_dir), "--config", str(plan)]) == 1
    assert "window_dayz" in capsys.readouterr().err


def test_plan_file_changes_the_numbers(data_dir, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text("[penalties]\nticket_primary = 0\n[segments.SMB]\nttv_target_days = 30\n")
    out = tmp_path / "score.csv"
    assert main(["score", str(data_dir), "--config", str(plan), "--out", str(out)]) == 0
    assert pl.read_csv(out).get_column("score").to_list() == [100, 55, 100]


def _broken_engine(*_args: object, **_kwargs: object) -> pl.DataFrame:
    raise ZeroDivisionError("boom in /srv/waypoint/core/engine/score.py")


def test_an_internal_error_exits_3_with_one_line_and_no_traceback(
    data_dir, tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("WAYPOINT_DEBUG", raising=False)
    monkeypatch.setattr("core.engine.cli.score_table", _broken_engine)
    out = tmp_path / "score.csv"
    assert main(["score", str(data_dir), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("internal error (ZeroDivisionError): a bug in Waypoint")
    assert "WAYPOINT_DEBUG=1" in err
    assert "Traceback" not in err
    assert "/srv/waypoint" not in err
    assert not out.exists()


def test_waypoint_debug_shows_the_traceback(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("WAYPOINT_DEBUG", "1")
    monkeypatch.setattr("core.engine.cli.score_table", _broken_engine)
    assert main(["score", str(data_dir)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "boom in /srv/waypoint" in err


def test_invalid_data_and_internal_errors_never_share_a_status(data_dir, capsys, monkeypatch):
    (data_dir / "events.csv").write_text(EVENTS + "a1,,x,9999-12-31T00:00:00Z\n", encoding="utf-8")
    assert main(["validate", str(data_dir)]) == 1
    assert "date outside the accepted range" in capsys.readouterr().err
    monkeypatch.setattr("core.cli.check_directory", _broken_engine)
    assert main(["validate", str(data_dir)]) == 3


def test_csv_output_neutralises_formulas_and_keeps_numbers(data_dir, tmp_path):
    accounts = ACCOUNTS.replace("a1,Alpha,", "a1,-2+3+cmd|' /C calc'!A0,")
    (data_dir / "accounts.csv").write_text(accounts, encoding="utf-8")
    out = tmp_path / "score.csv"
    assert main(["score", str(data_dir), "--out", str(out)]) == 0
    frame = pl.read_csv(out)
    assert "'-2+3+cmd|' /C calc'!A0" in frame.get_column("account_name").to_list()
    assert frame.get_column("score").dtype.is_numeric()
