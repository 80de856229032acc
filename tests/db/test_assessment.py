"""Assessment rounds and every aggregation rule, on hand-built answers, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.access.links import hash_token
from core.assessment import (
    CAPABILITY_KEYS,
    AnswerInput,
    AssessmentError,
    RoundInfo,
    answer_sheet,
    close_round,
    heatmap,
    index_change,
    join_round,
    list_rounds,
    my_answers,
    open_round,
    progress,
    reopen_round,
    respondent_by_token,
    reveal_round,
    revealed_answers,
    revealed_history,
    round_results,
    save_answers,
    trend,
)
from core.db.engine import unit_of_work
from core.db.models import AssessmentRound, GuestLink, Respondent
from core.workspace import workspaces

A = AnswerInput


@pytest.fixture
def ws_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return workspaces.create_workspace(s, "Assess").id


def _open(factory: sessionmaker[Session], ws_id: int, name: str = "2026 Q3") -> RoundInfo:
    with unit_of_work(factory) as s:
        return open_round(s, ws_id, name)


def _join(factory: sessionmaker[Session], round_id: int, name: str) -> str:
    with unit_of_work(factory) as s:
        return join_round(s, round_id, name).token


def _answer(factory: sessionmaker[Session], person: str, answers: dict[str, AnswerInput]) -> None:
    """Save as a form opened on the answers stored now."""
    with unit_of_work(factory) as s:
        save_answers(s, person, answers, base_version=answer_sheet(s, person).version)


def _round_with(
    factory: sessionmaker[Session],
    ws_id: int,
    people: dict[str, dict[str, tuple[int, int]]],
    name: str = "2026 Q3",
) -> RoundInfo:
    """A revealed round where each person gave (current, target) for the listed capabilities."""
    info = _open(factory, ws_id, name)
    for person, levels in people.items():
        token = _join(factory, info.id, person)
        _answer(factory, token, {k: A(c, t, f"{person} says") for k, (c, t) in levels.items()})
    with unit_of_work(factory) as s:
        return reveal_round(s, info.id)


def _results(factory: sessionmaker[Session], round_id: int):  # noqa: ANN202
    with unit_of_work(factory) as s:
        return round_results(revealed_answers(s, round_id))


def _errors(factory: sessionmaker[Session], person: str, answers: dict[str, AnswerInput]) -> str:
    with pytest.raises(AssessmentError) as err, unit_of_work(factory) as s:
        save_answers(s, person, answers, base_version=1)  # refused before the version counts
    return str(err.value)


# ------------------------------------------------------------------ rounds and respondents


def test_a_round_has_a_unique_name_and_no_token_of_its_own(factory, ws_id):
    info = _open(factory, ws_id)
    assert info.is_open
    assert not info.revealed
    assert info.state == "open"
    assert not hasattr(info, "token")  # rounds are shared through respondent links
    with unit_of_work(factory) as s:
        stored = s.get(AssessmentRound, info.id)
        assert stored is not None
        assert len(stored.token) == 64  # the hash of a token nobody was given
        int(stored.token, 16)
        assert not s.scalars(select(GuestLink)).all()
    with pytest.raises(AssessmentError, match="already exists"), unit_of_work(factory) as s:
        open_round(s, ws_id, "  2026   q3 ")
    with pytest.raises(AssessmentError, match="cannot be empty"), unit_of_work(factory) as s:
        open_round(s, ws_id, "   ")


def test_respondents_join_by_name_and_get_a_personal_token(factory, ws_id):
    info = _open(factory, ws_id)
    ana = _join(factory, info.id, "Ana")
    ben = _join(factory, info.id, "Ben")
    assert ana != ben
    assert len(ana) >= 32  # 192 random bits
    with pytest.raises(AssessmentError, match="already joined"), unit_of_work(factory) as s:
        join_round(s, info.id, " ana ")
    with pytest.raises(AssessmentError, match="cannot be empty"), unit_of_work(factory) as s:
        join_round(s, info.id, "")
    with pytest.raises(AssessmentError, match="no longer exists"), unit_of_work(factory) as s:
        join_round(s, info.id + 1000, "Cleo")
    with unit_of_work(factory) as s:
        assert respondent_by_token(s, ana).name == "Ana"
        assert respondent_by_token(s, f" {ben} ").name == "Ben"
        stored = set(s.scalars(select(Respondent.token)))
    assert stored == {hash_token(ana), hash_token(ben)}


def test_answers_are_checked_whole_and_nothing_is_half_saved(factory, ws_id):
    info = _open(factory, ws_id)
    person = _join(factory, info.id, "Ana")
    good = A(2, 3, "kickoff deck only")
    assert "must be a whole number from 1 to 5, not 0" in _errors(
        factory, person, {"milestones": good, "signals": A(0, 3)}
    )
    assert "not 6" in _errors(factory, person, {"signals": A(3, 6)})
    assert "not '3'" in _errors(factory, person, {"signals": A("3", 4)})  # type: ignore[arg-type]
    assert "not True" in _errors(factory, person, {"signals": A(True, 4)})  # type: ignore[arg-type]
    assert "target level (2) cannot be below the current level (4)" in _errors(
        factory, person, {"touchpoints": A(4, 2)}
    )
    assert "not a capability" in _errors(factory, person, {"vibes": good})
    assert "under 1000 characters" in _errors(factory, person, {"milestones": A(1, 2, "x" * 1001)})
    assert "at least one capability" in _errors(factory, person, {})
    assert "personal link is not valid" in _errors(factory, "bad", {"milestones": good})
    with unit_of_work(factory) as s:
        assert my_answers(s, person) == {}


def test_answers_change_until_the_round_closes(factory, ws_id):
    info = _open(factory, ws_id)
    person = _join(factory, info.id, "Ana")
    _answer(factory, person, {"milestones": A(2, 3, "first"), "signals": A(1, 2)})
    _answer(factory, person, {"milestones": A(3, 5, " changed ")})
    with unit_of_work(factory) as s:
        mine = my_answers(s, person)
    assert mine == {"milestones": A(3, 5, "changed"), "signals": A(1, 2, "")}
    with unit_of_work(factory) as s:
        closed = close_round(s, info.id)
    assert closed.state == "closed"
    assert "is closed" in _errors(factory, person, {"milestones": A(1, 1)})
    with pytest.raises(AssessmentError, match="is closed"), unit_of_work(factory) as s:
        join_round(s, info.id, "Late")
    with pytest.raises(AssessmentError, match="already closed"), unit_of_work(factory) as s:
        close_round(s, info.id)
    with unit_of_work(factory) as s:
        reopen_round(s, info.id)
    _answer(factory, person, {"milestones": A(1, 1)})
    with unit_of_work(factory) as s:
        assert my_answers(s, person)["milestones"] == A(1, 1, "")


def test_answers_stay_hidden_until_the_reveal(factory, ws_id):
    info = _open(factory, ws_id)
    with pytest.raises(AssessmentError, match="Nobody has answered"), unit_of_work(factory) as s:
        reveal_round(s, info.id)
    ana = _join(factory, info.id, "Ana")
    _join(factory, info.id, "Ben")
    _answer(factory, ana, {"milestones": A(2, 3), "signals": A(1, 4)})
    with unit_of_work(factory) as s:
        seen = progress(s, info.id)
    assert [(p.name, p.answered) for p in seen] == [("Ana", 2), ("Ben", 0)]
    assert seen[0].last_saved is not None
    assert seen[1].last_saved is None
    assert not hasattr(seen[0], "current")
    with pytest.raises(AssessmentError, match="hidden until"), unit_of_work(factory) as s:
        revealed_answers(s, info.id)
    with unit_of_work(factory) as s:
        assert revealed_history(s, ws_id) == []
        assert reveal_round(s, info.id).state == "open, revealed"
    with unit_of_work(factory) as s:
        assert len(revealed_answers(s, info.id)) == 2


# ------------------------------------------------------------------ aggregation rules


def test_median_odd_and_even_counts_and_the_spread(factory, ws_id):
    info = _round_with(
        factory,
        ws_id,
        {
            "Ana": {"milestones": (1, 3), "touchpoints": (2, 2)},
            "Ben": {"milestones": (2, 4), "touchpoints": (3, 4)},
            "Cleo": {"milestones": (4, 5), "touchpoints": (3, 3)},
            "Dev": {"milestones": (2, 3)},
        },
    )
    res = _results(factory, info.id).by_key()
    ms, tp = res["milestones"], res["touchpoints"]
    assert (ms.respondents, ms.median_current, ms.median_target) == (4, 2.0, 3.5)
    assert (ms.min_current, ms.max_current, ms.spread, ms.gap) == (1, 4, 3, 1.5)
    assert (tp.respondents, tp.median_current, tp.median_target, tp.spread) == (3, 3.0, 3.0, 1)
    assert tp.gap == 0.0
    nobody = res["signals"]
    assert (nobody.respondents, nobody.median_current, nobody.spread, nobody.gap) == (
        0,
        None,
        None,
        None,
    )
    assert nobody.agreement_label == "– no answers"


def test_disagreement_flag_starts_at_two_levels(factory, ws_id):
    info = _round_with(
        factory,
        ws_id,
        {
            "Ana": {"milestones": (1, 2), "touchpoints": (2, 3), "signals": (3, 3)},
            "Ben": {"milestones": (3, 3), "touchpoints": (3, 3), "signals": (3, 3)},
        },
    )
    results = _results(factory, info.id)
    res = results.by_key()
    assert res["milestones"].spread == 2
    assert res["milestones"].disagreement
    assert res["milestones"].agreement_label == "⚠ disagree"
    assert res["touchpoints"].spread == 1
    assert not res["touchpoints"].disagreement
    assert res["touchpoints"].agreement_label == "✓ agree"
    assert res["signals"].spread == 0
    assert not res["signals"].disagreement
    assert [c.key for c in results.disagreements] == ["milestones"]


def test_maturity_index_is_the_mean_median_on_0_to_100(factory, ws_id):
    everything = {k: (1, 5) for k in CAPABILITY_KEYS}
    info = _round_with(factory, ws_id, {"Ana": everything})
    res = _results(factory, info.id)
    assert (res.maturity_index, res.target_index, res.answered_capabilities) == (0.0, 100.0, 6)

    levels = dict(
        zip(CAPABILITY_KEYS, [(1, 2), (2, 3), (3, 4), (4, 5), (5, 5), (3, 3)], strict=True)
    )
    info2 = _round_with(factory, ws_id, {"Ben": levels}, name="2026 Q4")
    res2 = _results(factory, info2.id)
    # mean current (1+2+3+4+5+3)/6 = 3.0 -> 50.0; mean target 22/6 = 3.667 -> 66.7
    assert (res2.maturity_index, res2.target_index) == (50.0, 66.7)


def test_index_leaves_out_capabilities_nobody_rated(factory, ws_id):
    info = _round_with(
        factory,
        ws_id,
        {"Ana": {"milestones": (2, 3), "signals": (4, 4)}, "Ben": {"milestones": (4, 4)}},
    )
    res = _results(factory, info.id)
    # milestones median 3, signals 4 -> mean 3.5 -> 62.5
    assert (res.maturity_index, res.answered_capabilities) == (62.5, 2)
    assert res.respondents == ("Ana", "Ben")


def test_heatmap_has_one_cell_per_answer(factory, ws_id):
    info = _round_with(
        factory,
        ws_id,
        {"Ana": {"milestones": (2, 3)}, "Ben": {"milestones": (4, 5), "signals": (1, 1)}},
    )
    with unit_of_work(factory) as s:
        cells = heatmap(revealed_answers(s, info.id))
    got = {(c.respondent, c.capability): (c.current, c.target, c.level_name) for c in cells}
    assert got == {
        ("Ana", "milestones"): (2, 3, "Repeatable"),
        ("Ben", "milestones"): (4, 5, "Managed"),
        ("Ben", "signals"): (1, 1, "Ad hoc"),
    }


def _history(factory: sessionmaker[Session], ws_id: int) -> Iterable:
    with unit_of_work(factory) as s:
        return revealed_history(s, ws_id)


def test_trend_covers_revealed_rounds_in_order(factory, ws_id):
    _round_with(factory, ws_id, {"Ana": {k: (2, 4) for k in CAPABILITY_KEYS}}, name="2026 Q1")
    hidden = _open(factory, ws_id, "2026 Q2")
    _answer(factory, _join(factory, hidden.id, "Ana"), {"milestones": A(5, 5)})
    _round_with(factory, ws_id, {"Ana": {k: (3, 4) for k in CAPABILITY_KEYS}}, name="2026 Q3")
    with unit_of_work(factory) as s:
        assert [r.name for r in list_rounds(s, ws_id)] == ["2026 Q1", "2026 Q2", "2026 Q3"]
    history = _history(factory, ws_id)
    points = trend(history)
    index = [(p.round_name, p.position, p.value) for p in points if p.series == "Maturity index"]
    assert index == [("2026 Q1", 1, 25.0), ("2026 Q3", 2, 50.0)]
    ms = [p.value for p in points if p.series == "Milestones & exit criteria"]
    assert ms == [2.0, 3.0]
    assert index_change(history) == 25.0
    assert index_change(history[:1]) is None
