"""THE CSV rule (issue 13, item 6): formula-like text gets an apostrophe, numbers stay numbers."""

from __future__ import annotations

import io

import polars as pl
import pytest

from core.assessment.export import answers_csv
from core.assessment.rounds import AnswerRow
from core.common.downloads import csv_bytes, excel_bytes, neutralise_text

RISKY = ["=1+1", "+1+1", "-1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx", "-", "=", "-x"]
PLAIN = ["1", "-5", "+1.5", "2e3", "-.5", "text", "a=b", "", "1-2"]


@pytest.mark.parametrize("text", RISKY)
def test_formula_like_text_is_prefixed(text: str):
    assert neutralise_text(text) == "'" + text
    frame = pl.read_csv(io.BytesIO(csv_bytes(pl.DataFrame({"t": [text]}))), infer_schema=False)
    assert frame.item(0, "t") == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_and_plain_numbers_stay_as_they_are(text: str):
    assert neutralise_text(text) == text


def test_number_columns_stay_numbers():
    frame = pl.DataFrame(
        {"n": [-1, 2], "f": [-1.5, 2.0], "c": pl.Series(["-1+1", "ok"], dtype=pl.Categorical)}
    )
    out = pl.read_csv(io.BytesIO(csv_bytes(frame)))
    assert out["n"].to_list() == [-1, 2]
    assert out["f"].to_list() == [-1.5, 2.0]
    assert out["c"].to_list() == ["'-1+1", "ok"]


def test_excel_download_uses_the_same_rule():
    data = excel_bytes(pl.DataFrame({"t": ["-1+1"], "n": [-3]}))
    frame = pl.read_excel(io.BytesIO(data))
    assert frame.item(0, "t") == "'-1+1"
    assert frame.item(0, "n") == -3


def test_assessment_answers_use_the_same_rule():
    answer = AnswerRow(
        respondent="-1+1", capability="milestones", current=1, target=3, evidence="@me"
    )
    frame = pl.read_csv(io.BytesIO(answers_csv([answer])))
    assert frame.item(0, "respondent") == "'-1+1"
    assert frame.item(0, "evidence") == "'@me"
    assert frame.item(0, "gap") == 2
