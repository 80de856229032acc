"""The Maturity assessment page through AppTest: facilitator and respondent views."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core import assessment as A
from core.db.engine import unit_of_work
from tests.support.apptest import open_in_empty_workspace, workspace_id_named

PAGE = "pages/assessment.py"


WORKSPACE = "Assessment tests"


@pytest.fixture
def app(app: AppTest, factory: sessionmaker[Session]) -> AppTest:
    """conftest's whole-app AppTest looking at an empty workspace (the demo workspace comes
    with two revealed rounds); each test opens the page itself."""
    open_in_empty_workspace(app, factory, WORKSPACE)
    return app


def _ws_id(factory: sessionmaker[Session]) -> int:
    return workspace_id_named(factory, WORKSPACE)


def _open_round(app: AppTest, name: str = "2026 Q3") -> None:
    app.text_input(key="assess_round_name").input(name)
    app.button(key="assess_open").click().run()
    assert not app.exception


def _round(factory: sessionmaker[Session]) -> A.RoundInfo:
    with unit_of_work(factory) as s:
        return A.list_rounds(s, _ws_id(factory))[-1]


def _answer(factory, token: str, name: str, levels: dict[str, tuple[int, int]]) -> None:
    with unit_of_work(factory) as s:
        me = A.join_round(s, token, name)
        answers = {k: A.AnswerInput(c, t, "seen") for k, (c, t) in levels.items()}
        A.save_answers(s, me.token, answers, base_version=1)  # a respondent who just joined


def _frame(app: AppTest, column: str):  # noqa: ANN202
    """The first table on the page that has this column (dataframes carry no key here)."""
    return next(d.value for d in app.dataframe if column in d.value.columns)


def test_empty_state_says_what_to_do(app: AppTest):
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.title[0].value == "Maturity assessment"
    assert any("No assessment round yet" in i.value for i in app.info)


def test_a_refused_round_name_stays_typed_and_a_stored_one_is_cleared(app, factory):
    app.switch_page(PAGE).run()
    _open_round(app, "Spring review")
    assert app.text_input(key="assess_round_name").value == ""
    _open_round(app, "Spring review")
    assert "already exists" in app.error[0].value
    assert app.text_input(key="assess_round_name").value == "Spring review"


def test_facilitator_opens_a_round_and_sees_progress_without_levels(app, factory):
    app.switch_page(PAGE).run()
    _open_round(app)
    info = _round(factory)
    assert info.name == "2026 Q3"
    assert any(f"?round={info.token}" in c.value for c in app.code)
    assert any("Nobody has joined yet" in i.value for i in app.info)
    _answer(factory, info.token, "Ana", {"milestones": (2, 4), "signals": (3, 3)})
    app.button(key="assess_refresh").click().run()
    progress = _frame(app, "Answered")
    assert progress["Respondent"].to_list() == ["Ana"]
    assert progress["Answered"].to_list() == ["2 of 6"]
    assert any("hidden until the facilitator reveals" in i.value for i in app.info)
    _open_round(app, " 2026 q3 ")
    assert "already exists" in app.error[0].value


def test_reveal_shows_results_flags_and_downloads(app, factory):
    app.switch_page(PAGE).run()
    _open_round(app)
    info = _round(factory)
    app.button(key="assess_reveal").click().run()
    assert "Nobody has answered yet" in app.error[0].value
    _answer(factory, info.token, "Ana", {"milestones": (1, 3), "signals": (3, 4)})
    _answer(factory, info.token, "Ben", {"milestones": (4, 5), "signals": (3, 3)})
    app.button(key="assess_reveal").click().run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Disagreements"] == "1"
    assert metrics["Respondents"] == "2"
    assert metrics["Maturity index"] == "44 / 100"  # medians 2.5 and 3 -> 2.75 -> 43.75
    table = _frame(app, "Agreement")
    row = table[table["Capability"] == "Milestones & exit criteria"].iloc[0]
    assert row["Agreement"] == "⚠ disagree"
    assert row["Spread"] == "1–4"
    assert any("⚠ Disagreement on Milestones & exit criteria" in w.value for w in app.warning)
    evidence = _frame(app, "Verdict")
    assert "Verdict" in evidence.columns
    assert any("No journey map" in i.value for i in app.info)
    labels = {b.label for b in app.get("download_button")}
    assert {"Answers (CSV)", "Report (Markdown)", "Heatmap (PNG)", "Trend (PNG)"} <= labels
    app.button(key="assess_close").click().run()
    assert _round(factory).state == "closed, revealed"
    app.button(key="assess_reopen").click().run()
    assert _round(factory).state == "open, revealed"


def test_respondent_joins_through_the_link_and_changes_answers(app, factory):
    with unit_of_work(factory) as s:
        info = A.open_round(s, _ws_id(factory), "2026 Q4")
    app.query_params["round"] = info.token
    app.switch_page(PAGE).run()
    assert not app.exception
    assert any("Join with your name" in m.value for m in app.markdown)
    app.text_input(key="assess_join_name").input("Ana <img src=x>")
    app.button(key="assess_join").click().run()
    assert not app.exception
    assert "me" in app.query_params
    assert any("Ana &lt;img src=x&gt;" in m.value for m in app.markdown)
    assert any("1 · Ad hoc" in m.value for m in app.markdown)
    app.radio(key="assess_cur_milestones").set_value(2)
    app.button(key="assess_save").click().run()
    assert "pick a target level too" in app.error[0].value
    app.radio(key="assess_tgt_milestones").set_value(4)
    app.text_area(key="assess_ev_milestones").input("stages close when the CSM says so")
    app.button(key="assess_save").click().run()
    assert not app.exception
    assert any("Saved 1 answers" in s.value for s in app.success)
    with unit_of_work(factory) as s:
        (person,) = [p for p in A.progress(s, info.id)]
    assert (person.name, person.answered) == ("Ana <img src=x>", 1)
    app.radio(key="assess_cur_milestones").set_value(3)
    app.button(key="assess_save").click().run()
    with unit_of_work(factory) as s:
        A.reveal_round(s, info.id)
        (row,) = A.revealed_answers(s, info.id)
    assert (row.current, row.target, row.evidence) == (3, 4, "stages close when the CSM says so")


def test_closed_round_refuses_changes_and_bad_links_say_so(app, factory):
    with unit_of_work(factory) as s:
        info = A.open_round(s, _ws_id(factory), "Closed one")
        A.close_round(s, info.id)
    app.query_params["round"] = info.token
    app.switch_page(PAGE).run()
    assert any("This round is closed" in w.value for w in app.warning)
    app.query_params["round"] = "not-a-token"
    app.run()
    assert "link is not valid" in app.error[0].value


def test_a_round_name_with_directives_shows_as_text(app, factory):
    with unit_of_work(factory) as s:
        info = A.open_round(s, _ws_id(factory), ":red[Q3] :material/home:")
    app.query_params["round"] = info.token
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.subheader[0].value == r"Round: \:red\[Q3\] \:material/home:"
