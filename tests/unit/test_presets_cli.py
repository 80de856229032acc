"""`python -m core import`: write or merge a data folder; exit 0, 1 (invalid data) or 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from core.cli import main

FIXTURES = Path(__file__).parents[1] / "fixtures" / "presets"


def fx(name: str) -> str:
    return str(FIXTURES / name)


def _exit_code(argv: list[str]) -> int | str | None:
    """main's status, or argparse's when it stops on a bad argument."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def crm_folder(tmp_path: Path) -> Path:
    out = tmp_path / "data"
    assert (
        main(["import", "--preset", "hubspot", fx("hubspot-companies.csv"), "--out", str(out)]) == 0
    )
    return out


def test_a_crm_export_starts_a_valid_folder(crm_folder: Path, capsys: pytest.CaptureFixture[str]):
    assert sorted(p.name for p in crm_folder.iterdir()) == [
        "accounts.csv",
        "events.csv",
        "touches.csv",
        "users.csv",
    ]
    accounts = pl.read_csv(crm_folder / "accounts.csv")
    assert accounts["segment"].to_list() == ["Enterprise", "Mid-Market", "SMB"]
    capsys.readouterr()
    assert main(["validate", str(crm_folder)]) == 0
    assert "is valid (accounts: 3" in capsys.readouterr().out


def test_events_merge_through_the_join_and_a_rerun_adds_nothing(
    crm_folder: Path, capsys: pytest.CaptureFixture[str]
):
    args = [
        "import",
        "--preset",
        "segment",
        fx("segment-export.jsonl"),
        fx("segment-array.json"),
        "--join",
        fx("hubspot-companies.csv"),
        "--join-key",
        "Product group ID",
        "--out",
        str(crm_folder),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "events: 6 added" in out
    assert "1 duplicate row(s)" in out
    assert main(args) == 0
    assert "events: 6 already loaded" in capsys.readouterr().out
    events = pl.read_csv(crm_folder / "events.csv")
    assert len(events) == 6
    assert set(events["account_id"].cast(pl.String)) == {"9001", "9002", "9003"}
    assert main(["validate", str(crm_folder)]) == 0


def test_map_names_the_account_property(crm_folder: Path):
    shutil.copy(FIXTURES / "hubspot-companies.csv", crm_folder.parent / "crosswalk.csv")
    args = [
        "import",
        "--preset",
        "mixpanel",
        "--map",
        "account_id=properties.company_id",
        "--map",
        "user_id=properties.distinct_id",
        fx("mixpanel-export.jsonl"),
        "--join",
        str(crm_folder.parent / "crosswalk.csv"),
        "--join-key",
        "product group id",
        "--out",
        str(crm_folder),
    ]
    # 4242 is not in the crosswalk: refused, with the file and rows named.
    assert main(args) == 1


def test_tickets_load_as_touches_with_an_organisation_crosswalk(crm_folder: Path, tmp_path: Path):
    crosswalk = tmp_path / "orgs.csv"
    crosswalk.write_text(
        "Zendesk organization id,Record ID\n509974,9001\n509975,9002\n509976,9003\n"
    )
    args = [
        "import",
        "--preset",
        "zendesk",
        fx("zendesk-tickets.jsonl"),
        "--join",
        str(crosswalk),
        "--join-key",
        "Zendesk organization id",
        "--out",
        str(crm_folder),
    ]
    assert main(args) == 0
    touches = pl.read_csv(crm_folder / "touches.csv")
    assert touches["channel"].unique().to_list() == ["ticket"]
    assert touches["account_id"].to_list() == [9001, 9002, 9001, 9003]
    assert main(["validate", str(crm_folder)]) == 0


@pytest.mark.parametrize(
    ("preset", "file", "extra", "expected"),
    [
        ("segment", "segment-bad.jsonl", [], "segment-bad.jsonl, row 2, column timestamp"),
        (
            "mixpanel",
            "mixpanel-bad.jsonl",
            [],
            "mixpanel-bad.jsonl, row 3, column properties.company_id",
        ),
        ("amplitude", "amplitude-bad.json", [], "amplitude-bad.json, row 2, column event_time"),
        ("hubspot", "hubspot-bad.csv", [], "hubspot-bad.csv, row 2, column Record ID"),
        (
            "salesforce",
            "salesforce-bad.csv",
            [],
            "salesforce-bad.csv, row 2, column Annual Revenue",
        ),
        ("zendesk", "zendesk-bad.jsonl", [], "zendesk-bad.jsonl, row 2, column organization_id"),
        (
            "csv",
            "generic-bad.csv",
            ["--table", "touches"],
            "generic-bad.csv, row 1, column channel",
        ),
    ],
)
def test_every_bad_file_is_refused_and_the_folder_is_untouched(
    crm_folder: Path, capsys: pytest.CaptureFixture[str], preset, file, extra, expected
):
    before = snapshot(crm_folder)
    capsys.readouterr()
    code = main(["import", "--preset", preset, *extra, fx(file), "--out", str(crm_folder)])
    assert code == 1
    err = capsys.readouterr().err
    assert "nothing was loaded" in err
    assert expected in err
    assert snapshot(crm_folder) == before


@pytest.mark.parametrize(
    "args",
    [
        ["--preset", "heap", "x.jsonl"],
        ["--preset", "segment", "missing.jsonl"],
        ["--preset", "segment", "--map", "colour=red", fx("segment-array.json")],
        ["--preset", "segment", "--map", "event", fx("segment-array.json")],
        ["--preset", "csv", fx("generic-touches.csv")],
        ["--preset", "segment", "--join", fx("hubspot-companies.csv"), fx("segment-array.json")],
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]):
    assert _exit_code(["import", *args, "--out", str(tmp_path / "out")]) == 2
    assert "error" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_parquet_tables_stay_parquet(tmp_path: Path):
    out = tmp_path / "data"
    assert (
        main(["import", "--preset", "salesforce", fx("salesforce-accounts.csv"), "--out", str(out)])
        == 0
    )
    accounts = pl.read_csv(out / "accounts.csv")
    accounts.write_parquet(out / "accounts.parquet")
    (out / "accounts.csv").unlink()
    assert (
        main(["import", "--preset", "hubspot", fx("hubspot-companies.csv"), "--out", str(out)]) == 0
    )
    assert pl.read_parquet(out / "accounts.parquet").height == 6
    assert not (out / "accounts.csv").exists()
