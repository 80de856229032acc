"""Who may do what with assessment rounds, decided by who acts (the identity bound to the
session), on SQLite and PostgreSQL: viewers read rounds but run none, a respondent reaches the
one round of their link and nothing else of the workspace, editors run rounds and share them
through respondent links, a respondent's personal token is stored only as its hash, and a
refused call changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import assessment as A
from core.access import links
from core.access.guard import bind
from core.access.identity import Access, PermissionDenied, Role
from core.access.links import hash_token
from core.db.engine import unit_of_work
from core.db.models import Answer, AssessmentRound, Guest, GuestLink, Respondent
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan
from core.workspace.workspaces import create_workspace

LEVELS = {k: A.AnswerInput(2, 4, "seen") for k in A.CAPABILITY_KEYS}


@dataclass(frozen=True)
class Place:
    workspace_id: int
    other_workspace_id: int
    round_a: int
    round_b: int
    ana: str  # personal token of Ana, respondent of round A
    bea: str  # personal token of Bea, respondent of round B


@pytest.fixture
def place(factory: sessionmaker[Session]) -> Place:
    """Two rounds in one workspace, one respondent with answers in each, and another
    workspace; set up as the system (the `factory` sessions act as SYSTEM)."""
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Assessment rights").id
        other = create_workspace(s, "Someone else's").id
        a = A.open_round(s, ws, "Round A").id
        b = A.open_round(s, ws, "Round B").id
        ana = A.join_round(s, a, "Ana").token
        bea = A.join_round(s, b, "Bea").token
        A.save_answers(s, ana, LEVELS, base_version=1)
        A.save_answers(s, bea, LEVELS, base_version=1)
    return Place(ws, other, a, b, ana, bea)


@contextmanager
def acting_as(factory: sessionmaker[Session], access: Access) -> Iterator[Session]:
    """One unit of work on behalf of `access` (as a page's transaction() binds it)."""
    with unit_of_work(factory) as s:
        bind(s, access)
        yield s


def member(place: Place, role: Role, workspace_id: int | None = None) -> Access:
    ws = place.workspace_id if workspace_id is None else workspace_id
    return Access(ws, "W", role, role.value.title(), person=f"{role.value}@example.com")


def respondent(factory: sessionmaker[Session], place: Place, round_id: int) -> Access:
    """A respondent who came in through a real respondent link of `round_id`."""
    with unit_of_work(factory) as s:
        made = links.create_link(s, place.workspace_id, "respondent", round_id=round_id)
    with unit_of_work(factory) as s:
        link, guest = links.open_link(s, made.token)
    access = links.guest_access(link, guest)
    assert (access.role, access.round_id) == (Role.RESPONDENT, round_id)
    return access


def snapshot(factory: sessionmaker[Session]) -> tuple[Any, ...]:
    """Every assessment row and link as plain values, to show a refusal changed nothing."""
    with unit_of_work(factory) as s:
        rounds = s.execute(
            select(
                AssessmentRound.id,
                AssessmentRound.name,
                AssessmentRound.token,
                AssessmentRound.closed_at,
                AssessmentRound.revealed,
            ).order_by(AssessmentRound.id)
        ).all()
        people = s.execute(
            select(
                Respondent.id,
                Respondent.round_id,
                Respondent.name,
                Respondent.token,
                Respondent.answers_version,
            ).order_by(Respondent.id)
        ).all()
        answers = s.execute(
            select(
                Answer.id,
                Answer.respondent_id,
                Answer.capability,
                Answer.current_level,
                Answer.target_level,
                Answer.evidence,
            ).order_by(Answer.id)
        ).all()
        shared = s.execute(
            select(GuestLink.id, GuestLink.round_id, GuestLink.revoked_at).order_by(GuestLink.id)
        ).all()
    return tuple(map(tuple, rounds)), tuple(people), tuple(answers), tuple(shared)


def refused(factory: sessionmaker[Session], access: Access, call: Callable[[Session], Any]) -> str:
    """The call is refused with PermissionDenied and leaves every row as it was."""
    before = snapshot(factory)
    with pytest.raises(PermissionDenied) as err, acting_as(factory, access) as s:
        call(s)
    assert snapshot(factory) == before
    return str(err.value)


def _report(s: Session, round_id: int) -> A.RoundReport:
    return A.build_report(s, round_id, Dataset.empty(), MeasurementPlan(), has_data=False)


def _reveal(factory: sessionmaker[Session], *round_ids: int) -> None:
    with unit_of_work(factory) as s:
        for round_id in round_ids:
            A.reveal_round(s, round_id)


# ------------------------------------------------------------------ members


def test_a_viewer_cannot_open_reveal_close_reopen_or_delete_rounds(factory, place):
    vera = member(place, Role.VIEWER)
    ws, a = place.workspace_id, place.round_a
    message = refused(factory, vera, lambda s: A.open_round(s, ws, "Vera's round"))
    assert "As a viewer" in message
    assert "open, close, reveal or delete assessment rounds" in message
    refused(factory, vera, lambda s: A.reveal_round(s, a))
    refused(factory, vera, lambda s: A.close_round(s, a))
    refused(factory, vera, lambda s: A.delete_round(s, a))
    refused(factory, vera, lambda s: links.create_link(s, ws, "respondent", round_id=a))
    with unit_of_work(factory) as s:
        A.close_round(s, a)
    refused(factory, vera, lambda s: A.reopen_round(s, a))


def test_a_viewer_reads_rounds_progress_and_revealed_results(factory, place):
    _reveal(factory, place.round_a)
    with acting_as(factory, member(place, Role.VIEWER)) as s:
        assert [r.name for r in A.list_rounds(s, place.workspace_id)] == ["Round A", "Round B"]
        assert A.get_round(s, place.round_b).name == "Round B"
        assert [(p.name, p.answered) for p in A.progress(s, place.round_a)] == [("Ana", 6)]
        assert len(A.revealed_answers(s, place.round_a)) == 6
        assert [info.name for info, _ in A.revealed_history(s, place.workspace_id)] == ["Round A"]
        assert set(A.journey_evidence(s, place.workspace_id)) == set(A.CAPABILITY_KEYS)
        report = _report(s, place.round_a)
    assert report.results.maturity_index == 25.0
    assert len(report.checks) == 6


def test_an_editor_runs_rounds_and_shares_them_through_respondent_links(factory, place):
    eddie = member(place, Role.EDITOR)
    with acting_as(factory, eddie) as s:
        new = A.open_round(s, place.workspace_id, "Editor's round")
        made = links.create_link(s, place.workspace_id, "respondent", round_id=new.id, days=3)
    assert new.opened_by == "Editor"  # the signed-in name, not a typed one
    with acting_as(factory, member(place, Role.VIEWER)) as s:
        assert A.get_round(s, new.id).opened_by == "Editor"
    guest = respondent(factory, place, new.id)
    with acting_as(factory, guest) as s:
        me = A.join_round(s, new.id, "Guest")
        A.save_answers(s, me.token, LEVELS, base_version=1)
    with acting_as(factory, eddie) as s:
        assert A.reveal_round(s, new.id).revealed
        assert A.close_round(s, new.id).state == "closed, revealed"
        assert A.reopen_round(s, new.id).state == "open, revealed"
        live = links.live_links(s, place.workspace_id, round_id=new.id)
        assert made.info.id in [link.id for link in live]
        links.revoke_link(s, place.workspace_id, made.info.id)
        assert made.info.id not in [
            link.id for link in links.live_links(s, place.workspace_id, round_id=new.id)
        ]
    with acting_as(factory, eddie) as s:
        A.delete_round(s, new.id)
    with unit_of_work(factory) as s:
        assert s.get(AssessmentRound, new.id) is None
        # the round's links go with it (the database cascades)
        assert not s.scalars(select(GuestLink).where(GuestLink.round_id == new.id)).all()


def test_a_member_of_another_workspace_reaches_none_of_its_rounds(factory, place):
    olga = member(place, Role.OWNER, place.other_workspace_id)
    ws, a = place.workspace_id, place.round_a
    assert "not one of yours" in refused(factory, olga, lambda s: A.list_rounds(s, ws))
    refused(factory, olga, lambda s: A.get_round(s, a))
    refused(factory, olga, lambda s: A.progress(s, a))
    refused(factory, olga, lambda s: A.reveal_round(s, a))
    refused(factory, olga, lambda s: A.delete_round(s, a))
    refused(factory, olga, lambda s: A.open_round(s, ws, "Intruder"))
    refused(factory, olga, lambda s: A.join_round(s, a, "Olga"))
    refused(factory, olga, lambda s: A.answer_sheet(s, place.ana))
    refused(factory, olga, lambda s: A.save_answers(s, place.ana, LEVELS, base_version=2))
    refused(factory, olga, lambda s: A.journey_evidence(s, ws))


# ------------------------------------------------------------------ respondents


def test_a_respondent_answers_their_own_round(factory, place):
    rita = respondent(factory, place, place.round_a)
    with acting_as(factory, rita) as s:
        assert A.get_round(s, place.round_a).name == "Round A"
        me = A.join_round(s, place.round_a, "Rita", "CSM")
        assert A.respondent_by_token(s, me.token).name == "Rita"
        A.save_answers(s, me.token, {"milestones": A.AnswerInput(3, 5)}, base_version=1)
        assert A.my_answers(s, me.token) == {"milestones": A.AnswerInput(3, 5, "")}
        # Ana joined the same round earlier: her key works in her own round's link too
        assert A.answer_sheet(s, place.ana).version == 2
    with pytest.raises(A.AssessmentError, match="hidden until"), acting_as(factory, rita) as s:
        A.revealed_answers(s, place.round_a)
    _reveal(factory, place.round_a)
    with acting_as(factory, rita) as s:
        report = A.respondent_report(s, place.round_a)
    assert report.results.respondents == ("Ana", "Rita")
    assert report.checks == ()
    assert report.journey == {}
    assert report.kpis == {}
    assert [info.name for info, _ in report.history] == ["Round A"]


def test_a_respondent_cannot_answer_or_read_another_round_nor_list_rounds(factory, place):
    rita = respondent(factory, place, place.round_a)
    ws, a, b = place.workspace_id, place.round_a, place.round_b
    _reveal(factory, a, b)
    scope = refused(factory, rita, lambda s: A.join_round(s, b, "Rita"))
    assert "Your link opens one thing only" in scope
    refused(factory, rita, lambda s: A.get_round(s, b))
    refused(factory, rita, lambda s: A.revealed_answers(s, b))
    refused(factory, rita, lambda s: A.respondent_report(s, b))
    refused(factory, rita, lambda s: A.respondent_by_token(s, place.bea))
    refused(factory, rita, lambda s: A.answer_sheet(s, place.bea))
    refused(factory, rita, lambda s: A.my_answers(s, place.bea))
    bea_over = {"milestones": A.AnswerInput(5, 5, "Rita was here")}
    refused(factory, rita, lambda s: A.save_answers(s, place.bea, bea_over, base_version=2))
    # nor the workspace's lists, its other readings, or anything of the facilitator's
    refused(factory, rita, lambda s: A.list_rounds(s, ws))
    refused(factory, rita, lambda s: A.revealed_history(s, ws))
    refused(factory, rita, lambda s: A.progress(s, a))
    refused(factory, rita, lambda s: _report(s, a))
    refused(factory, rita, lambda s: A.journey_evidence(s, ws))
    refused(factory, rita, lambda s: A.open_round(s, ws, "Rita's round"))
    refused(factory, rita, lambda s: A.reveal_round(s, a))
    refused(factory, rita, lambda s: A.close_round(s, a))
    refused(factory, rita, lambda s: A.delete_round(s, a))
    refused(factory, rita, lambda s: links.create_link(s, ws, "respondent", round_id=a))
    refused(factory, rita, lambda s: links.live_links(s, ws, round_id=a))
    with unit_of_work(factory) as s:
        assert A.my_answers(s, place.bea) == LEVELS


def test_a_respondent_token_is_stored_only_as_its_hash(factory, place):
    rita = respondent(factory, place, place.round_a)
    with acting_as(factory, rita) as s:
        me = A.join_round(s, place.round_a, "Rita")
    assert len(me.token) >= 32
    with unit_of_work(factory) as s:
        stored = s.scalars(select(Respondent).where(Respondent.name == "Rita")).one()
        assert stored.token == hash_token(me.token)
        everything = [
            repr(tuple(getattr(row, column.key) for column in model.__table__.columns))
            for model in (Respondent, AssessmentRound, GuestLink, Guest)
            for row in s.scalars(select(model))
        ]
    assert everything
    for plain in (me.token, place.ana, place.bea):
        assert not any(plain in text for text in everything)
    # the plain token opens the sheet; its hash, typed in as a key, opens nothing
    with acting_as(factory, rita) as s:
        assert A.answer_sheet(s, me.token).answers == {}
    with pytest.raises(A.AssessmentError, match="personal link is not valid"):
        with acting_as(factory, rita) as s:
            A.answer_sheet(s, hash_token(me.token))


def test_a_round_opens_through_links_and_never_through_its_own_column(factory, place):
    """open_round stores the hash of a token nobody was given: neither it nor a link-like
    value opens the round."""
    with unit_of_work(factory) as s:
        column = s.get(AssessmentRound, place.round_a)
        assert column is not None
        stored = column.token
    for attempt in (stored, "not-a-link"):
        with pytest.raises(links.LinkRefused), unit_of_work(factory) as s:
            links.open_link(s, attempt)
