"""Assessment rounds: one function per thing a facilitator or a respondent does.

Who may do what (core.access): owners and editors open, reveal, close, reopen and delete
rounds (Action.EDIT_ASSESSMENTS); every member reads them (Action.READ). A round is shared
through respondent guest links (core.access.links.create_link(..., "respondent",
round_id=...)): whoever opens one acts as a respondent of that one round, who may join it,
answer, and read that round (its state, and its results once revealed) and nothing else of
the workspace. A respondent joins by name and gets a personal token, shown once in their
address and stored only as its SHA-256, that lets them come back and change their answers
until the round closes.
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

from core.access.guard import acting, require
from core.access.links import hash_token, new_token
from core.access.roles import Action, Role
from core.assessment.matrix import CAPABILITY_KEYS, LEVELS, capability
from core.common.errors import UserError
from core.db.models import Answer, AssessmentRound, Respondent, Workspace

MAX_NAME = 80
MAX_EVIDENCE = 1000
RESPONDENT_TOKEN_BYTES = 24  # 192 bits, like a guest link's token


class AssessmentError(UserError):
    """An assessment action that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class RoundInfo:
    id: int
    workspace_id: int
    name: str
    opened_at: datetime
    closed_at: datetime | None
    revealed: bool
    opened_by: str = ""

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
    """A respondent; `token` is their personal key as they gave it (or, from join_round, as
    just made): the database holds only its hash."""

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
    return RoundInfo(
        r.id, r.workspace_id, r.name, r.opened_at, r.closed_at, r.revealed, r.opened_by
    )


def _resp_info(r: Respondent, token: str) -> RespondentInfo:
    return RespondentInfo(r.id, r.round_id, r.name, r.role, token)


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


def _read_round(session: Session, round_id: int) -> AssessmentRound:
    """The round, once the acting person may read it: a member of its workspace (READ), or a
    respondent whose link names this round (their role allows ANSWER, inside that round)."""
    row = _round(session, round_id)
    access = acting(session)
    action = Action.ANSWER if access.role is Role.RESPONDENT else Action.READ
    require(session, action, row.workspace_id, round_id=row.id)
    return row


def _edit_round(session: Session, round_id: int) -> AssessmentRound:
    row = _round(session, round_id)
    require(session, Action.EDIT_ASSESSMENTS, row.workspace_id)
    return row


def _new_respondent_token() -> str:
    """A respondent's personal key: 192 random bits; only its hash is stored."""
    return secrets.token_urlsafe(RESPONDENT_TOKEN_BYTES)


# ------------------------------------------------------------------ facilitator


def open_round(session: Session, workspace_id: int, name: str) -> RoundInfo:
    """Start a round (e.g. "2026 Q3"). It is shared through respondent links
    (core.access.links.create_link); its own token column holds the hash of a random token
    nobody is given (the column is unique), so it opens nothing."""
    access = require(session, Action.EDIT_ASSESSMENTS, workspace_id)
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
    row = AssessmentRound(
        workspace_id=workspace_id,
        name=name,
        token=hash_token(new_token()),
        opened_by=access.actor,
    )
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
    """The workspace's rounds, oldest first (the order of the trend); members only."""
    require(session, Action.READ, workspace_id)
    rows = session.scalars(
        select(AssessmentRound)
        .where(AssessmentRound.workspace_id == workspace_id)
        .order_by(AssessmentRound.opened_at, AssessmentRound.id)
    )
    return [_round_info(r) for r in rows]


def get_round(session: Session, round_id: int) -> RoundInfo:
    """A round of one's workspace, or a respondent's own round."""
    return _round_info(_read_round(session, round_id))


def reveal_round(session: Session, round_id: int) -> RoundInfo:
    """Show everyone's answers; refused while nobody has answered (nothing to show)."""
    row = _edit_round(session, round_id)
    answers = session.scalar(
        select(func.count(Answer.id)).join(Respondent).where(Respondent.round_id == round_id)
    )
    if not answers:
        raise AssessmentError("Nobody has answered yet; share the link and reveal afterwards.")
    row.revealed = True
    return _round_info(row)


def close_round(session: Session, round_id: int) -> RoundInfo:
    """Freeze the answers: nobody can join or change anything after this."""
    row = _edit_round(session, round_id)
    if row.closed_at is not None:
        raise AssessmentError(f"Round “{row.name}” is already closed.")
    row.closed_at = datetime.now(UTC).replace(tzinfo=None)
    return _round_info(row)


def reopen_round(session: Session, round_id: int) -> RoundInfo:
    """Undo a close made by mistake; answers become changeable again."""
    row = _edit_round(session, round_id)
    if row.closed_at is None:
        raise AssessmentError(f"Round “{row.name}” is still open.")
    row.closed_at = None
    return _round_info(row)


def delete_round(session: Session, round_id: int) -> None:
    """The round, its answers and its respondent links (the database cascades to them)."""
    session.delete(_edit_round(session, round_id))


def progress(session: Session, round_id: int) -> list[Progress]:
    """Respondents in join order with how many capabilities they answered (no levels);
    members only: a respondent does not see who else joined."""
    row = _round(session, round_id)
    require(session, Action.READ, row.workspace_id)
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


def join_round(session: Session, round_id: int, name: str, role: str = "") -> RespondentInfo:
    """Join a round (a respondent through their link, or a member); the returned token is the
    respondent's personal key, given this once: only its hash is stored."""
    row = _round(session, round_id)
    require(session, Action.ANSWER, row.workspace_id, round_id=row.id)
    _open_round_for(row)
    name = _clean(name, "Your name")
    role = " ".join((role or "").split())[:MAX_NAME]
    token = _new_respondent_token()
    person = Respondent(round_id=row.id, name=name, role=role, token=hash_token(token))
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
    return _resp_info(person, token)


def _respondent(session: Session, token: str, action: Action = Action.ANSWER) -> Respondent:
    """The respondent a personal key names, once the acting person may `action` in their
    round (ANSWER to change answers; reading one's own sheet is checked like reading the
    round)."""
    found = session.scalars(
        select(Respondent).where(Respondent.token == hash_token((token or "").strip()))
    ).first()
    if found is None:
        raise AssessmentError(
            "Your personal link is not valid for this round; join again with your name."
        )
    if action is Action.ANSWER:
        row = _round(session, found.round_id)
        require(session, Action.ANSWER, row.workspace_id, round_id=row.id)
    else:
        _read_round(session, found.round_id)
    return found


def respondent_by_token(session: Session, token: str) -> RespondentInfo:
    return _resp_info(_respondent(session, token, Action.READ), (token or "").strip())


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
    person = _respondent(session, respondent_token, Action.READ)
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
    """Everyone's answers, respondents in join order; refused until the round is revealed.
    Members of the workspace, and the round's own respondents, may read them."""
    row = _read_round(session, round_id)
    if not row.revealed:
        raise AssessmentError(
            f"The answers of “{row.name}” are hidden until the facilitator reveals them."
        )
    return _rows(session, round_id)


History = list[tuple[RoundInfo, list[AnswerRow]]]


def revealed_history(session: Session, workspace_id: int) -> History:
    """Every revealed round of the workspace with its answers, oldest first (for the trend);
    members only (list_rounds checks)."""
    return [
        (info, _rows(session, info.id))
        for info in list_rounds(session, workspace_id)
        if info.revealed
    ]
