"""The simplest races, on SQLite and PostgreSQL, with real threads (each with sessions of its
own, started together): whoever is second gets a clear notice with both values, and the
database keeps its "only one" rules, never a database error."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core import assessment as A
from core import journey as j
from core.at_risk import risk_states
from core.common.errors import UserError
from core.data import store
from core.db.engine import unit_of_work
from core.db.models import DatasetVersion, MapChange, RiskState
from core.journey import workshop
from core.workspace.demo_workspace import demo_dataset
from core.workspace.workspaces import create_workspace

ANA = j.Actor("Ana")
BEN = j.Actor("Ben")


@dataclass(frozen=True)
class Outcome:
    value: object = None
    error: BaseException | None = None


def together(
    *actions: Callable[[Session], object], factory: sessionmaker[Session]
) -> list[Outcome]:
    """Run each action in a thread of its own, in a unit of work of its own, all released at
    once; what each returned or raised, in the order given."""
    start = threading.Barrier(len(actions))
    outcomes: list[Outcome] = [Outcome()] * len(actions)

    def run(index: int, action: Callable[[Session], object]) -> None:
        start.wait()
        try:
            with unit_of_work(factory) as s:
                outcomes[index] = Outcome(action(s))
        except BaseException as exc:  # noqa: BLE001 - handed to the test to judge
            outcomes[index] = Outcome(error=exc)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def split(outcomes: list[Outcome]) -> tuple[list[object], list[UserError]]:
    """The successes and the refusals; anything else (a database error) fails the test."""
    others = [o.error for o in outcomes if o.error and not isinstance(o.error, UserError)]
    assert not others, others
    refused = [o.error for o in outcomes if isinstance(o.error, UserError)]
    return [o.value for o in outcomes if o.error is None], refused


@pytest.fixture
def ws_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return create_workspace(s, "Races").id


@pytest.fixture
def map_id(factory: sessionmaker[Session], ws_id: int) -> int:
    with unit_of_work(factory) as s:
        return j.create_map(s, ws_id, "six_stage", ANA).id


def _load(factory: sessionmaker[Session], map_id: int) -> j.MapContent:
    with unit_of_work(factory) as s:
        return j.load(s, map_id)


# ------------------------------------------------------------------ journey maps


def test_two_writers_on_one_base_version(factory, map_id):
    tp = _load(factory, map_id).of("touchpoint")[0]
    before = _load(factory, map_id).info.version

    def edit(team: str, who: j.Actor) -> Callable[[Session], object]:
        return lambda s: j.edit_element(
            s, map_id, "touchpoint", tp["id"], {"owner_team": team}, tp["version"], who
        )

    saved, refused = split(
        together(edit("Ana's team", ANA), edit("Ben's team", BEN), factory=factory)
    )
    assert len(saved) == 1
    (conflict,) = refused
    assert isinstance(conflict, j.ConflictError)
    stored = _load(factory, map_id)
    winner = stored.find("touchpoint", tp["id"])["owner_team"]
    assert conflict.theirs == {"owner_team": winner}
    assert conflict.mine["owner_team"] != winner
    assert (conflict.started_from, conflict.current) == (tp["version"], saved[0]["version"])
    assert stored.info.version == before + 1


def test_a_bulk_save_racing_an_add_leaves_the_add(factory, map_id):
    loaded = _load(factory, map_id)
    table = [dict(e) for e in loaded.of("touchpoint")]
    table[0]["owner_team"] = "Bulk team"
    removed = table.pop()
    edit = j.table_edit("touchpoint", loaded.of("touchpoint"), table)
    stage = loaded.stages[0]["id"]
    saved, refused = split(
        together(
            lambda s: j.save_table(s, map_id, "touchpoint", edit, ANA),
            lambda s: j.add_element(
                s, map_id, "touchpoint", {"name": "Added by Ben", "stage_id": stage}, BEN
            ),
            factory=factory,
        )
    )
    assert not refused
    after = _load(factory, map_id)
    names = [t["name"] for t in after.of("touchpoint")]
    assert "Added by Ben" in names
    assert removed["name"] not in names  # by name: SQLite may give Ben's the freed id
    assert after.find("touchpoint", table[0]["id"])["owner_team"] == "Bulk team"
    assert len(names) == len(loaded.of("touchpoint"))  # one deleted, one added


def test_a_stale_row_refuses_the_whole_bulk_save(factory, map_id):
    loaded = _load(factory, map_id)
    first, second = loaded.of("risk")[:2]
    with unit_of_work(factory) as s:
        j.edit_element(s, map_id, "risk", first["id"], {"owner": "Theirs"}, first["version"], ANA)
    table = [dict(e) for e in loaded.of("risk")]
    table[0]["owner"] = "Mine"
    table[1]["owner"] = "Also mine"
    table.append({"name": "New risk"})
    with pytest.raises(j.TableConflictError) as err, unit_of_work(factory) as s:
        j.save_table(s, map_id, "risk", j.table_edit("risk", loaded.of("risk"), table), BEN)
    (row,) = err.value.rows
    assert (row.id, row.mine, row.theirs) == (first["id"], {"owner": "Mine"}, {"owner": "Theirs"})
    after = _load(factory, map_id)
    assert after.find("risk", second["id"])["owner"] == second["owner"]
    assert "New risk" not in [r["name"] for r in after.of("risk")]


@pytest.mark.parametrize("editors", [12])
def test_the_revision_moves_once_per_change(factory, map_id, editors):
    loaded = _load(factory, map_id)
    stage = loaded.stages[0]["id"]

    def change(n: int) -> Callable[[Session], object]:
        if n % 3 == 0:
            return lambda s: workshop.add_note(s, map_id, stage, "idea", f"note {n}", ANA)
        return lambda s: j.add_element(s, map_id, "risk", {"name": f"Risk {n}"}, ANA)

    saved, refused = split(together(*(change(n) for n in range(editors)), factory=factory))
    assert (len(saved), refused) == (editors, [])
    after = _load(factory, map_id)
    assert after.info.version == loaded.info.version + editors
    with unit_of_work(factory) as s:
        revisions = s.scalars(
            select(MapChange.revision).where(MapChange.map_id == map_id, MapChange.action == "add")
        ).all()
    assert len(set(revisions)) == len(revisions) == editors - len(range(0, editors, 3))


def test_undo_takes_back_only_the_change_it_showed(factory, map_id):
    tp = _load(factory, map_id).of("touchpoint")[0]
    with unit_of_work(factory) as s:
        j.edit_element(s, map_id, "touchpoint", tp["id"], {"emotion": 2}, tp["version"], ANA)
        shown = j.next_undo(s, map_id)
    assert shown is not None
    with unit_of_work(factory) as s:
        j.edit_element(
            s, map_id, "touchpoint", tp["id"], {"owner_team": "Ben's"}, tp["version"] + 1, BEN
        )
    with (
        pytest.raises(j.JourneyError, match="since you looked, Ben changed"),
        unit_of_work(factory) as s,
    ):
        j.undo(s, map_id, ANA, expected_change_id=shown.id)
    stored = _load(factory, map_id).find("touchpoint", tp["id"])
    assert (stored["emotion"], stored["owner_team"]) == (2, "Ben's")


def test_restore_refuses_when_the_map_changed_since(factory, map_id):
    with unit_of_work(factory) as s:
        snap = j.take_snapshot(s, map_id, "Start", ANA)
    seen = _load(factory, map_id)
    with unit_of_work(factory) as s:
        j.add_element(s, map_id, "risk", {"name": "Added meanwhile"}, BEN)
        workshop.add_note(s, map_id, None, "idea", "notes do not block", BEN)
    with (
        pytest.raises(j.JourneyError, match="Ben added risk “Added meanwhile”"),
        unit_of_work(factory) as s,
    ):
        j.restore_snapshot(s, map_id, snap.id, ANA, base_revision=seen.info.version)
    assert "Added meanwhile" in [r["name"] for r in _load(factory, map_id).of("risk")]


def test_two_dots_from_two_tabs_count_once(factory, map_id):
    with unit_of_work(factory) as s:
        note = workshop.add_note(s, map_id, None, "idea", "Shorter kickoff", ANA)
    saved, refused = split(
        together(
            *(lambda s: workshop.set_vote(s, map_id, note, on=True) for _ in range(3)),
            factory=factory,
        )
    )
    assert sorted(saved) == [False, False, True]
    with unit_of_work(factory) as s:
        (shown,) = workshop.list_notes(s, map_id)
    assert (shown.votes, shown.mine) == (1, True)


def test_dots_placed_at_once_stay_within_the_budget(factory, map_id):
    budget = workshop.DOTS_PER_PERSON
    with unit_of_work(factory) as s:
        notes = [
            workshop.add_note(s, map_id, None, "idea", f"Idea {n}", ANA) for n in range(budget + 2)
        ]
    saved, refused = split(
        together(
            *(lambda s, n=n: workshop.set_vote(s, map_id, n, on=True) for n in notes),
            factory=factory,
        )
    )
    assert len(saved) == budget
    assert len(refused) == 2
    assert all("of your dots" in str(e) for e in refused)
    with unit_of_work(factory) as s:
        assert workshop.dots_used(s, map_id) == budget


# ------------------------------------------------------------------ data versions


def test_three_concurrent_imports_leave_one_active_version(factory, ws_id):
    data = demo_dataset(20)
    for _ in range(2):
        saved, refused = split(
            together(
                *(
                    lambda s, n=n: store.save_dataset(s, ws_id, data, f"import {n}")
                    for n in range(3)
                ),
                factory=factory,
            )
        )
        assert (len(saved), refused) == (3, [])
        with unit_of_work(factory) as s:
            active = s.scalars(
                select(DatasetVersion.id).where(
                    DatasetVersion.workspace_id == ws_id, DatasetVersion.is_active
                )
            ).all()
            assert len(active) == 1
            assert store.active_info(s, ws_id).id == active[0]
            assert len(store.history(s, ws_id)) == store.KEEP_VERSIONS


# ------------------------------------------------------------------ assessment


@pytest.fixture
def round_id(factory: sessionmaker[Session], ws_id: int) -> int:
    with unit_of_work(factory) as s:
        return A.open_round(s, ws_id, "2026 Q4").id


@pytest.mark.parametrize("names", [("Alex", "alex", "ALEX"), ("Sam", "Sam")])
def test_names_that_differ_only_in_case_join_once(factory, round_id, names):
    saved, refused = split(
        together(*(lambda s, n=n: A.join_round(s, round_id, n) for n in names), factory=factory)
    )
    assert len(saved) == 1
    assert len(refused) == len(names) - 1
    assert all("has already joined this round" in str(e) for e in refused)
    with unit_of_work(factory) as s:
        progress = A.progress(s, round_id)
    assert [p.name for p in progress] == [saved[0].name]  # type: ignore[attr-defined]


def test_answers_from_two_tabs(factory, round_id):
    with unit_of_work(factory) as s:
        me = A.join_round(s, round_id, "Dana").token
        opened = A.answer_sheet(s, me).version

    def tab(level: int) -> Callable[[Session], object]:
        answers = {"milestones": A.AnswerInput(level, 5, f"tab {level}")}
        return lambda s: A.save_answers(s, me, answers, base_version=opened)

    saved, refused = split(together(tab(2), tab(3), factory=factory))
    assert len(saved) == 1
    (conflict,) = refused
    assert isinstance(conflict, A.AnswerConflict)
    with unit_of_work(factory) as s:
        sheet = A.answer_sheet(s, me)
    assert sheet.version == opened + 1
    assert conflict.theirs.answers == sheet.answers
    assert conflict.mine["milestones"] != sheet.answers["milestones"]
    assert conflict.differences()[0][0] == A.capability("milestones").name
    # the next save from the older tab is refused too; from the refreshed one it lands
    with pytest.raises(A.AnswerConflict), unit_of_work(factory) as s:
        A.save_answers(s, me, {"signals": A.AnswerInput(1, 2)}, base_version=opened)
    with unit_of_work(factory) as s:
        A.save_answers(s, me, {"signals": A.AnswerInput(1, 2)}, base_version=sheet.version)


# ------------------------------------------------------------------ risk states


def test_first_risk_state_saves_at_once_store_one_call(factory, ws_id):
    def save(n: int) -> Callable[[Session], object]:
        return lambda s: risk_states.set_risk_state(
            s, ws_id, "ACC-9", "plan_in_place", f"plan {n}", f"CSM {n}", base_version=None
        )

    saved, refused = split(together(*(save(n) for n in range(5)), factory=factory))
    assert len(saved) == 1
    assert len(refused) == 4
    with unit_of_work(factory) as s:
        rows = s.scalar(
            select(func.count()).select_from(RiskState).where(RiskState.workspace_id == ws_id)
        )
        stored = risk_states.get_risk_state(s, ws_id, "ACC-9")
    assert rows == 1
    for conflict in refused:
        assert isinstance(conflict, risk_states.RiskStateConflict)
        assert conflict.theirs == stored
        assert conflict.mine["note"] != stored.note  # type: ignore[union-attr]
        assert "Nothing of yours was saved" in str(conflict)


def test_two_csms_on_one_base_version(factory, ws_id):
    with unit_of_work(factory) as s:
        opened = risk_states.set_risk_state(s, ws_id, "ACC-1", "open", "call", base_version=None)

    def save(note: str) -> Callable[[Session], object]:
        return lambda s: risk_states.set_risk_state(
            s, ws_id, "ACC-1", "saved", note, base_version=opened.version
        )

    saved, refused = split(together(save("mine"), save("theirs"), factory=factory))
    assert len(saved) == 1
    (conflict,) = refused
    assert isinstance(conflict, risk_states.RiskStateConflict)
    assert conflict.theirs == saved[0]
    assert conflict.differences() == [("note", conflict.mine["note"], saved[0].note)]  # type: ignore[attr-defined]
