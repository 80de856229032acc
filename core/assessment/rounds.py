"""Assessment rounds: one function per thing a facilitator or a respondent does.

A round is shared through its token (the link); a respondent joins by name and gets a
personal token that lets them come back and change their answers until the round closes.
Nobody sees anyone's levels before the facilitator reveals the round, so that nobody anchors
on the most senior voice in the room. Every function takes an open Session inside a unit of
work and raises AssessmentError with a sentence a user can act on.

Concurrency: names are unique in a round ignoring case by a database index, so "Alex" and
"alex" joining at once end as one respondent and a clear message for the other. A respondent's
answer sheet has one version: a save names the version its form was opened at and claims the
next one in the same statement, so a save from an older tab is refused with both sheets
(AnswerConflict) instead of overwriting the newer one, the first answers included.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.assessment.matrix import CAPABILITY_KEYS, LEVELS, capability
from core.common.errors import UserError
from core.db.models import Answer, AssessmentRound, Respondent, Workspace

MAX_NAME = 80
MAX_EVIDENCE = 1000


class AssessmentError(UserError):
    """An assessment action that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class RoundInfo:
    id: int
    workspace_id: int
    name: str
    token: str
    opened_at: datetime
    closed_at: datetime | None
    revealed: bool

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def state(self) -> str:
        """A word for the round's state, shown beside its name."""
        if self.is_open:
            return "open, revealed" if self.revealed else "open"
        return "closed, revealed" if self.revealed else "closed"


@dataclass(frozen=True)
class RespondentInfo:
    id: int
    round_id: int
    name: str
    role: str
    token: str


@dataclass(frozen=True)
class Progress:
    """Who has answered how much; never the levels themselves (safe before the reveal)."""

    name: str
    role: str
    answered: int
    last_saved: datetime | None


@dataclass(frozen=True)
class AnswerInput:
    """One capability as a respondent filled it in."""

    current: int
    target: int
    evidence: str = ""


@dataclass(frozen=True)
class AnswerSheet:
    """A respondent's saved answers by capability key, and the version a form opened on them
    sends back with its save."""

    version: int
    answers: dict[str, AnswerInput]


class AnswerConflict(AssessmentError):
    """The respondent saved from another tab since this form was opened; nothing was written.

    `mine` holds the answers this form tried to save and `theirs` the sheet stored now, both by
    capability key; differences() gives (capability, mine, theirs) in words for the ones that
    disagree.
    """

    def __init__(
        self, mine: Mapping[str, AnswerInput], theirs: AnswerSheet, started_from: int
    ) -> None:
        self.mine = dict(mine)
        self.theirs = theirs
        self.started_from = started_from
        names = ", ".join(name for name, _, _ in self.differences()[:6])
        super().__init__(
            "Your answers were saved from another tab or window since this page was opened"
            + (f" ({names} differ)" if names else "")
            + ". Nothing of this page was saved; look at both and save again."
        )

    def differences(self) -> list[tuple[str, str, str]]:
        return [
            (capability(key).name, _words(given), _words(self.theirs.answers.get(key)))
            for key, given in self.mine.items()
            if self.theirs.answers.get(key) != given
        ]


def _words(answer: AnswerInput | None) -> str:
    if answer is None:
        return "not answered"
    note = f" · {answer.evidence}" if answer.evidence else ""
    return f"now {answer.current}, target {answer.target}{note}"


@dataclass(frozen=True)
class AnswerRow:
    """A saved answer with the name of whoever gave it."""

    respondent: str
    capability: str
    current: int
    target: int
    evidence: str


def _round_info(r: AssessmentRound) -> RoundInfo:
    return RoundInfo(r.id, r.workspace_id, r.name, r.token, r.opened_at, r.closed_at, r.revealed)


def _resp_info(r: Respondent) -> RespondentInfo:
    return RespondentInfo(r.id, r.round_id, r.name, r.role, r.token)


def _clean(text: str, what: str, limit: int = MAX_NAME) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise AssessmentError(f"{what} cannot be empty.")
    if len(cleaned) > limit:
        raise AssessmentError(f"{what} is too long: keep it under {limit} characters.")
    return cleaned


def _round(session: Session, round_id: int) -> AssessmentRound:
    found = session.get(AssessmentRound, round_id)
    if found is None:
        raise AssessmentError("That round no longer exists; it may have been deleted.")
    return found


def _token() -> str:
    return secrets.token_urlsafe(18)


# ------------------------------------------------------------------ facilitator


def open_round(session: Session, workspace_id: int, name: str) -> RoundInfo:
    """Start a round (e.g. "2026 Q3") with a fresh share token."""
    if session.get(Workspace, workspace_id) is None:
        raise AssessmentError("That workspace no longer exists; pick another one.")
    name = _clean(name, "The round name")
    taken = session.scalars(
        select(AssessmentRound.id).where(
            AssessmentRound.workspace_id == workspace_id,
            func.lower(AssessmentRound.name) == name.lower(),
        )
    ).first()
    if taken is not None:
        raise AssessmentError(f"A round called “{name}” already exists; pick another name.")
    row = AssessmentRound(workspace_id=workspace_id, name=name, token=_token())
    try:
        with session.begin_nested():  # the same name opened by someone else a moment ago
            session.add(row)
            session.flush()
    except IntegrityError:
        raise AssessmentError(
            f"A round called “{name}” already exists; pick another name."
        ) from None
    session.refresh(row)
    return _round_info(row)


def list_rounds(session: Session, workspace_id: int) -> list[RoundInfo]:
    """The workspace's rounds, oldest first (the order of the trend)."""
    rows = session.scalars(
        select(AssessmentRound)
        .where(AssessmentRound.workspace_id == workspace_id)
        .order_by(AssessmentRound.opened_at, AssessmentRound.id)
    )
    return [_round_info(r) for r in rows]


def get_round(session: Session, round_id: int) -> RoundInfo:
    return _round_info(_round(session, round_id))


def round_by_token(session: Session, token: str) -> RoundInfo:
    found = session.scalars(
        select(AssessmentRound).where(AssessmentRound.token == (token or "").strip())
    ).first()
    if found is None:
        raise AssessmentError(
            "This assessment link is not valid; ask the facilitator for the current link."
        )
    return _round_info(found)


def reveal_round(session: Session, round_id: int) -> RoundInfo:
    """Show everyone's answers; refused while nobody has answered (nothing to show)."""
    row = _round(session, round_id)
    answers = session.scalar(
        select(func.count(Answer.id)).join(Respondent).where(Respondent.round_id == round_id)
    )
    if not answers:
        raise AssessmentError("Nobody has answered yet; share the link and reveal afterwards.")
    row.revealed = True
    return _round_info(row)


def close_round(session: Session, round_id: int) -> RoundInfo:
    """Freeze the answers: nobody can join or change anything after this."""
    row = _round(session, round_id)
    if row.closed_at is not None:
        raise AssessmentError(f"Round “{row.name}” is already closed.")
    row.closed_at = datetime.now(UTC).replace(tzinfo=None)
    return _round_info(row)


def reopen_round(session: Session, round_id: int) -> RoundInfo:
    """Undo a close made by mistake; answers become changeable again."""
    row = _round(session, round_id)
    if row.closed_at is None:
        raise AssessmentError(f"Round “{row.name}” is still open.")
    row.closed_at = None
    return _round_info(row)


def delete_round(session: Session, round_id: int) -> None:
    session.delete(_round(session, round_id))


def progress(session: Session, round_id: int) -> list[Progress]:
    """Respondents in join order with how many capabilities they answered (no levels)."""
    _round(session, round_id)
    rows = session.execute(
        select(
            Respondent.name,
            Respondent.role,
            func.count(Answer.id),
            func.max(Answer.updated_at),
        )
        .outerjoin(Answer, Answer.respondent_id == Respondent.id)
        .where(Respondent.round_id == round_id)
        .group_by(Respondent.id, Respondent.name, Respondent.role)
        .order_by(Respondent.id)
    )
    return [Progress(name, role, int(count), last) for name, role, count, last in rows]


# ------------------------------------------------------------------ respondents


def _open_round_for(row: AssessmentRound) -> None:
    if row.closed_at is not None:
        raise AssessmentError(
            f"Round “{row.name}” is closed; answers can no longer be added or changed."
        )


def join_round(session: Session, round_token: str, name: str, role: str = "") -> RespondentInfo:
    """Join through the share link; the returned token is the respondent's personal key."""
    info = round_by_token(session, round_token)
    row = _round(session, info.id)
    _open_round_for(row)
    name = _clean(name, "Your name")
    role = " ".join((role or "").split())[:MAX_NAME]
    person = Respondent(round_id=row.id, name=name, role=role, token=_token())
    try:
        with session.begin_nested():  # the name index decides between two joins at once
            session.add(person)
            session.flush()
    except IntegrityError:
        taken = session.scalars(
            select(Respondent.id).where(
                Respondent.round_id == row.id, func.lower(Respondent.name) == name.lower()
            )
        ).first()
        if taken is None:  # not the name: the round went meanwhile
            raise AssessmentError(
                "That round no longer exists; it may have been deleted."
            ) from None
        raise AssessmentError(
            f"Someone called “{name}” has already joined this round. If that was you, open "
            "your personal link; otherwise add an initial to your name."
        ) from None
    return _resp_info(person)


def _respondent(session: Session, token: str) -> Respondent:
    found = session.scalars(
        select(Respondent).where(Respondent.token == (token or "").strip())
    ).first()
    if found is None:
        raise AssessmentError(
            "Your personal link is not valid for this round; join again with your name."
        )
    return found


def respondent_by_token(session: Session, token: str) -> RespondentInfo:
    return _resp_info(_respondent(session, token))


def _check(key: str, given: AnswerInput) -> AnswerInput:
    try:
        cap = capability(key)
    except KeyError:
        raise AssessmentError(f"“{key}” is not a capability of the matrix.") from None
    for label, level in (("current", given.current), ("target", given.target)):
        if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
            raise AssessmentError(
                f"{cap.name}: the {label} level must be a whole number from 1 to 5, not {level!r}."
            )
    if given.target < given.current:
        raise AssessmentError(
            f"{cap.name}: the target level ({given.target}) cannot be below the current "
            f"level ({given.current})."
        )
    evidence = (given.evidence or "").strip()
    if len(evidence) > MAX_EVIDENCE:
        raise AssessmentError(
            f"{cap.name}: keep the evidence note under {MAX_EVIDENCE} characters."
        )
    return AnswerInput(given.current, given.target, evidence)


def save_answers(
    session: Session,
    respondent_token: str,
    answers: Mapping[str, AnswerInput],
    *,
    base_version: int,
) -> int:
    """Create or replace the respondent's answers; every answer is checked before any write.

    `base_version` is the sheet's version this form was opened at (AnswerSheet.version); a
    save from another tab since raises AnswerConflict. Capabilities left out keep what was
    saved before. Returns how many were saved.
    """
    person = _respondent(session, respondent_token)
    _open_round_for(_round(session, person.round_id))
    if not answers:
        raise AssessmentError("Pick a current and a target level for at least one capability.")
    checked = {key: _check(key, given) for key, given in answers.items()}
    claimed = session.execute(
        update(Respondent)
        .where(Respondent.id == person.id, Respondent.answers_version == base_version)
        .values(answers_version=Respondent.answers_version + 1)
        .returning(Respondent.id)
        .execution_options(synchronize_session=False)
    ).first()
    if claimed is None:
        raise AnswerConflict(checked, answer_sheet(session, respondent_token), base_version)
    session.refresh(person)  # the sheet as it is now that this save holds its row
    existing = {a.capability: a for a in person.answers}
    for key, given in checked.items():
        row = existing.get(key)
        if row is None:
            row = Answer(capability=key)
            person.answers.append(row)
        row.current_level = given.current
        row.target_level = given.target
        row.evidence = given.evidence
        row.updated_at = datetime.now(UTC).replace(tzinfo=None)
    session.flush()
    return len(checked)


def answer_sheet(session: Session, respondent_token: str) -> AnswerSheet:
    """The respondent's own saved answers (always visible to them) and the sheet's version."""
    person = _respondent(session, respondent_token)
    session.refresh(person)
    answers = {
        a.capability: AnswerInput(a.current_level, a.target_level, a.evidence)
        for a in person.answers
    }
    return AnswerSheet(person.answers_version, answers)


def my_answers(session: Session, respondent_token: str) -> dict[str, AnswerInput]:
    """The respondent's own saved answers, by capability key (always visible to them)."""
    return answer_sheet(session, respondent_token).answers


# ------------------------------------------------------------------ revealed answers


def _rows(session: Session, round_id: int) -> list[AnswerRow]:
    found = session.execute(
        select(
            Respondent.name,
            Answer.capability,
            Answer.current_level,
            Answer.target_level,
            Answer.evidence,
        )
        .join(Answer, Answer.respondent_id == Respondent.id)
        .where(Respondent.round_id == round_id)
        .order_by(Respondent.id)
    )
    return [AnswerRow(*r) for r in found if r[1] in CAPABILITY_KEYS]


def revealed_answers(session: Session, round_id: int) -> list[AnswerRow]:
    """Everyone's answers, respondents in join order; refused until the round is revealed."""
    row = _round(session, round_id)
    if not row.revealed:
        raise AssessmentError(
            f"The answers of “{row.name}” are hidden until the facilitator reveals them."
        )
    return _rows(session, round_id)


History = list[tuple[RoundInfo, list[AnswerRow]]]


def revealed_history(session: Session, workspace_id: int) -> History:
    """Every revealed round of the workspace with its answers, oldest first (for the trend)."""
    return [
        (info, _rows(session, info.id))
        for info in list_rounds(session, workspace_id)
        if info.revealed
    ]
