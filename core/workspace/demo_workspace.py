"""First start: a fresh database gets a demo workspace so nothing the user sees is empty.

Besides the generated data it holds one journey map per segment, built from the templates
(whose milestones, signals and rescue plays the other pages compute with; a risk point with
an owner is added for every signal a map has no play for yet, so every row of the At-risk
list shows one), two revealed maturity-assessment rounds with several respondents, so the
trend across rounds has two points, and the CSMs' calls on the first few at-risk accounts
(open, plan in place, saved, lost) with their notes. Everything goes through the public use
cases of core.journey, core.assessment and core.at_risk, exactly as a person's clicks would.
"""

from __future__ import annotations

import io
import os

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import assessment, journey
from core.access.guard import bind
from core.access.identity import SYSTEM
from core.at_risk import risk_states
from core.data.readers import SourceFile
from core.data.store import save_dataset
from core.data.validate import load_sources
from core.db.engine import unit_of_work
from core.db.models import Workspace
from core.engine import at_risk
from core.journey.kinds import EARLY_CHURN_SIGNALS
from core.model.dataset import Dataset
from core.model.plan import default_segments
from core.workspace.effective_plan import effective_plan
from core.workspace.workspaces import create_workspace

DEMO_NAME = "Demo workspace"
DEMO_DESCRIPTION = (
    "A made-up software company's customers: {accounts:,} accounts across Enterprise, "
    "Mid-Market and SMB, with their onboarding events, users and touches, a journey map per "
    "segment and two maturity-assessment rounds. Explore freely; Data → Import reloads it."
)
FACILITATOR = journey.Actor("Demo facilitator")

# One map per segment: the template that fits how the segment onboards.
DEMO_MAPS: dict[str, tuple[str, str]] = {
    "Enterprise": ("five_phase", "Enterprise onboarding"),
    "Mid-Market": ("six_stage", "Mid-Market onboarding"),
    "SMB": ("product_led", "SMB self-serve onboarding"),
}
# The rescue play for a built-in signal a template has no risk point for.
EXTRA_PLAYS: dict[str, tuple[str, str, str]] = {
    "no_first_value": (
        "First value overdue",
        "Rescue session to ship one small workflow within a week.",
        "CSM",
    ),
    "single_user": (
        "Only one person uses it",
        "Champion session: invite two colleagues and give each a first task.",
        "CSM",
    ),
    "sponsor_disengaged": (
        "Sponsor gone quiet",
        "Short outcome update to the sponsor with one decision to make.",
        "CSM",
    ),
    "ticket_primary": (
        "Support is the main channel",
        "Scheduled working session on the open tickets; fix the root cause.",
        "Support lead",
    ),
}
SIGNAL_OWNERS: dict[str, str] = {
    "inactivity": "CSM",
    "usage_event": "Onboarding team",
    "stakeholder_engagement": "CSM",
    "feature_adoption": "Enablement",
    "ticket_sentiment": "Support lead",
}

# The CSMs' calls on the top of the At-risk list, in its order: (state, note).
DEMO_CALLS: tuple[tuple[str, str], ...] = (
    (
        "plan_in_place",
        "Rescue call with the sponsor booked for Thursday; we ship one small workflow "
        "together this week and review usage in 14 days.",
    ),
    (
        "open",
        "Two emails to the admin, no reply yet. Trying the sponsor directly and asking "
        "Support whether the open tickets block them.",
    ),
    (
        "plan_in_place",
        "Champion session done with the admin; two colleagues invited, each with a first task.",
    ),
    (
        "saved",
        "Integration fixed with their IT team last week; daily logins are back and the "
        "sponsor confirmed the renewal conversation.",
    ),
    (
        "lost",
        "Budget moved to a competitor after a reorganisation; exit interview scheduled so "
        "the onboarding team can learn from it.",
    ),
)
DEMO_CSM = "Demo CSM"

# Two rounds, a quarter apart: (name, respondents as (name, role, {capability: (now, target)})).
Levels = dict[str, tuple[int, int]]
DEMO_ROUNDS: tuple[tuple[str, tuple[tuple[str, str, Levels], ...]], ...] = (
    (
        "2026 Q1",
        (
            ("Priya Patel", "VP Customer Success", {"milestones": (2, 4), "touchpoints": (2, 4),
             "signals": (1, 3), "automation": (1, 3), "enablement": (2, 3), "improvement": (1, 3)}),
            ("Jonas Eriksen", "CS Ops lead", {"milestones": (2, 4), "touchpoints": (3, 4),
             "signals": (2, 4), "automation": (1, 3), "enablement": (2, 4), "improvement": (2, 3)}),
            ("Maya Chen", "Onboarding manager", {"milestones": (3, 4), "touchpoints": (2, 4),
             "signals": (1, 3), "automation": (2, 3), "enablement": (3, 4), "improvement": (1, 3)}),
            ("Liam Walsh", "Product analytics", {"milestones": (2, 3), "touchpoints": (2, 3),
             "signals": (3, 4), "automation": (1, 3), "enablement": (1, 3), "improvement": (1, 2)}),
        ),
    ),
    (
        "2026 Q3",
        (
            ("Priya Patel", "VP Customer Success", {"milestones": (3, 4), "touchpoints": (3, 4),
             "signals": (2, 4), "automation": (2, 3), "enablement": (2, 4), "improvement": (2, 3)}),
            ("Jonas Eriksen", "CS Ops lead", {"milestones": (3, 4), "touchpoints": (3, 4),
             "signals": (3, 4), "automation": (2, 4), "enablement": (2, 4), "improvement": (2, 4)}),
            ("Maya Chen", "Onboarding manager", {"milestones": (4, 5), "touchpoints": (3, 4),
             "signals": (2, 4), "automation": (2, 3), "enablement": (3, 4), "improvement": (2, 3)}),
            ("Liam Walsh", "Product analytics", {"milestones": (3, 4), "touchpoints": (2, 4),
             "signals": (4, 5), "automation": (1, 3), "enablement": (2, 3), "improvement": (2, 3)}),
            ("Sofia Rossi", "Enablement lead", {"milestones": (3, 4), "touchpoints": (3, 4),
             "signals": (2, 3), "automation": (2, 3), "enablement": (4, 5), "improvement": (2, 3)}),
        ),
    ),
)  # fmt: skip


def demo_accounts() -> int:
    """Size of the demo; tests shrink it through WAYPOINT_DEMO_ACCOUNTS to stay quick."""
    return int(os.environ.get("WAYPOINT_DEMO_ACCOUNTS", "2000"))


def demo_dataset(accounts: int | None = None, seed: int = 7) -> Dataset:
    """The generated tables, passed through the same validation as any upload.

    The generator leaves some segments empty on purpose; validation derives them from the
    contract value exactly as it would for a customer's file.
    """
    from core.data import demo  # numpy only loads when a demo is actually made

    frames = demo.generate(accounts=accounts or demo_accounts(), seed=seed)
    sources = [SourceFile(f"demo {t}.parquet", t, _parquet(f)) for t, f in frames.items()]
    return load_sources(sources, list(default_segments()))


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def ensure_demo_workspace(factory: sessionmaker[Session]) -> None:
    """Create the demo workspace with data, maps and assessment rounds when the database
    holds no workspace at all."""
    with unit_of_work(factory) as session:
        bind(session, SYSTEM)
        if session.scalars(select(Workspace.id)).first() is not None:
            return
        description = DEMO_DESCRIPTION.format(accounts=demo_accounts())
        ws = create_workspace(session, DEMO_NAME, description, is_demo=True)
        data = demo_dataset()
        save_dataset(session, ws.id, data, source="Demo data (generated)")
        add_demo_maps(session, ws.id)
        add_demo_rounds(session, ws.id)
        add_demo_risk_states(session, ws.id, data)


# ------------------------------------------------------------------ journey maps


def add_demo_maps(session: Session, workspace_id: int) -> list[int]:
    """A map per segment from its template; every signal the score reads gets a rescue play
    with an owner, and every map signal a risk point of its name saying who owns it."""
    ids = []
    for segment, (template, name) in DEMO_MAPS.items():
        info = journey.create_map(
            session, workspace_id, template, FACILITATOR, name=name, segment=segment
        )
        _complete_plays(session, info.id)
        ids.append(info.id)
    return ids


def _complete_plays(session: Session, map_id: int) -> None:
    content = journey.load(session, map_id)
    answered = {r["signal"] for r in content.of("risk")}
    stage = content.stages[-1]["id"] if content.stages else None
    for signal in EARLY_CHURN_SIGNALS:
        if signal in answered:
            continue
        title, play, owner = EXTRA_PLAYS[signal]
        _add_risk(session, map_id, stage, title, play, owner, signal=signal)
    names = {r["name"] for r in content.of("risk")}
    for s in content.of("signal"):
        if s["play"] and s["name"] not in names:
            owner = SIGNAL_OWNERS.get(s["kind"], "CSM")
            _add_risk(session, map_id, s["stage_id"], s["name"], s["play"], owner)


def _add_risk(
    session: Session,
    map_id: int,
    stage_id: int | None,
    name: str,
    play: str,
    owner: str,
    *,
    signal: str = "",
) -> None:
    values: dict[str, object] = {
        "name": name,
        "stage_id": stage_id,
        "signal": signal,
        "intervention": play,
        "owner": owner,
        "evidence": "assumed",
    }
    journey.add_element(session, map_id, "risk", values, FACILITATOR)


# ------------------------------------------------------------------ risk states


def add_demo_risk_states(session: Session, workspace_id: int, data: Dataset) -> list[str]:
    """The CSMs' calls (DEMO_CALLS) on the first accounts of the At-risk list as the demo's
    plan computes it, each by the account's CSM, so the list opens with calls and notes."""
    plan = effective_plan(session, workspace_id)
    listed = at_risk(data, plan).head(len(DEMO_CALLS))
    accounts = listed.select("account_id", "csm").rows()
    for (account_id, csm), (state, note) in zip(accounts, DEMO_CALLS, strict=False):
        risk_states.set_risk_state(
            session,
            workspace_id,
            account_id,
            state,
            note,
            updated_by=csm or DEMO_CSM,
            base_version=None,
        )
    return [account_id for account_id, _ in accounts]


# ------------------------------------------------------------------ assessment rounds


def add_demo_rounds(session: Session, workspace_id: int) -> list[int]:
    """Two revealed rounds; the earlier one closed, as a finished quarter would be."""
    ids = []
    for number, (name, people) in enumerate(DEMO_ROUNDS):
        found = assessment.open_round(session, workspace_id, name)
        for person, role, levels in people:
            me = assessment.join_round(session, found.id, person, role)
            sheet = assessment.answer_sheet(session, me.token)
            answers = {
                key: assessment.AnswerInput(now, target) for key, (now, target) in levels.items()
            }
            assessment.save_answers(session, me.token, answers, base_version=sheet.version)
        assessment.reveal_round(session, found.id)
        if number < len(DEMO_ROUNDS) - 1:
            assessment.close_round(session, found.id)
        ids.append(found.id)
    return ids
