"""The stored model: workspaces, their segments and data, journey maps and assessments.

Designed up front for every page on the roadmap, so later work adds behaviour and not tables.
Everything two people can edit at once carries a `version` counter (journey-map elements,
opportunities, sticky notes, risk states, a respondent's answers): a write states the version
it started from and is made with `UPDATE ... WHERE version = :base`, so a stale one is refused
as a conflict instead of silently overwriting a colleague. "Only one" rules live in the
database as unique indexes (one active data version per workspace, respondent names ignoring
case), so no read-then-write in Python can break them under concurrency.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, str: String(200)}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


# ------------------------------------------------------------------ workspaces and data


class Workspace(Timestamped, Base):
    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Global measurement-plan settings (window days, event lists, penalties, bands) as in TOML.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    as_of: Mapped[date | None]

    segments: Mapped[list[Segment]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", order_by="Segment.position"
    )
    # The database's ON DELETE CASCADE removes the versions and their Parquet slices:
    # deleting a workspace must not first read every stored blob into memory.
    datasets: Mapped[list[DatasetVersion]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", passive_deletes=True
    )
    journey_maps: Mapped[list[JourneyMap]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan"
    )
    rounds: Mapped[list[AssessmentRound]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan"
    )
    risk_states: Mapped[list[RiskState]] = relationship(cascade="all, delete-orphan")
    column_mappings: Mapped[list[ColumnMapping]] = relationship(cascade="all, delete-orphan")


class Segment(Base):
    """A customer segment and its measurement-plan targets (docs/metrics.md, Measurement plan)."""

    __tablename__ = "segment"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str]
    position: Mapped[int] = mapped_column(default=0)
    ttv_target_days: Mapped[int]
    duration_target_days: Mapped[int]
    adoption_target: Mapped[float]
    csat_target: Mapped[float]
    csm_ratio_low: Mapped[int] = mapped_column(default=0)
    csm_ratio_high: Mapped[int] = mapped_column(default=0)
    # Per-segment overrides of the global event lists; None keeps the global list.
    event_lists: Mapped[dict[str, Any]] = mapped_column(default=dict)

    workspace: Mapped[Workspace] = relationship(back_populates="segments")


class DatasetVersion(Timestamped, Base):
    """One successful import. Only the active version is read; older ones are kept for undo."""

    __tablename__ = "dataset_version"
    # At most one active version per workspace, whatever number of imports finish at once.
    __table_args__ = (
        Index(
            "uq_dataset_version_one_active",
            "workspace_id",
            unique=True,
            sqlite_where=sql_text("is_active"),
            postgresql_where=sql_text("is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    is_active: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(Text, default="")
    # Who imported it: the signed-in person's name (empty for imports before sign-in).
    imported_by: Mapped[str] = mapped_column(default="", server_default="")
    row_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_event_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime | None]

    workspace: Mapped[Workspace] = relationship(back_populates="datasets")
    # Pruning an old version leaves its slices to ON DELETE CASCADE (never loaded first).
    chunks: Mapped[list[TableChunk]] = relationship(
        cascade="all, delete-orphan",
        order_by="(TableChunk.table_name, TableChunk.seq)",
        passive_deletes=True,
    )


class TableChunk(Base):
    """A slice of one table as compressed Parquet; slices keep each blob well under DB limits."""

    __tablename__ = "table_chunk"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_version.id", ondelete="CASCADE"), index=True
    )
    table_name: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int]
    rows: Mapped[int]
    parquet: Mapped[bytes] = mapped_column(LargeBinary)


class RiskState(Base):
    """A CSM's call on an at-risk account; keyed by account id so it survives data reloads."""

    __tablename__ = "risk_state"
    __table_args__ = (UniqueConstraint("workspace_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    account_id: Mapped[str]
    state: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(default="")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    version: Mapped[int] = mapped_column(default=1, server_default=sql_text("1"))


class PlanVersion(Base):
    """One saved version of a workspace's health-score settings (core/workspace/plan_versions.py).

    Versions are never changed or deleted while the workspace lives: a save or a restore adds
    the next number, and the newest is the plan in use. The unique (workspace, number) key
    decides between two saves made from the same version at once.
    """

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    number: Mapped[int]
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_by: Mapped[str] = mapped_column(default="")
    saved_at: Mapped[datetime] = mapped_column(server_default=func.now())
    note: Mapped[str] = mapped_column(Text, default="")
    restored_from: Mapped[int | None]


class ColumnMapping(Timestamped, Base):
    """A saved import mapping (preset + source column per contract field) for next month's file."""

    __tablename__ = "column_mapping"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str]
    preset: Mapped[str] = mapped_column(String(40))
    target_table: Mapped[str] = mapped_column(String(20))
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)


# ------------------------------------------------------------------ journey maps


class JourneyMap(Timestamped, Base):
    __tablename__ = "journey_map"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id", ondelete="SET NULL"))
    name: Mapped[str]
    variant: Mapped[str] = mapped_column(default="happy path")
    state: Mapped[str] = mapped_column(String(20), default="current")  # current | ideal
    template: Mapped[str] = mapped_column(String(40), default="")
    version: Mapped[int] = mapped_column(default=1)
    # Live workshop controls.
    locked: Mapped[bool] = mapped_column(default=False)
    presenting_stage_id: Mapped[int | None]
    timer_started_at: Mapped[datetime | None]
    timer_minutes: Mapped[int] = mapped_column(default=0)
    passcode: Mapped[str] = mapped_column(String(40), default="")
    readonly_token: Mapped[str] = mapped_column(String(64), default="")

    workspace: Mapped[Workspace] = relationship(back_populates="journey_maps")
    stages: Mapped[list[Stage]] = relationship(
        cascade="all, delete-orphan", order_by="Stage.position"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        cascade="all, delete-orphan", order_by="Milestone.position"
    )
    touchpoints: Mapped[list[Touchpoint]] = relationship(
        cascade="all, delete-orphan", order_by="Touchpoint.position"
    )
    signals: Mapped[list[SignalTrigger]] = relationship(
        cascade="all, delete-orphan", order_by="SignalTrigger.position"
    )
    risks: Mapped[list[RiskPoint]] = relationship(
        cascade="all, delete-orphan", order_by="RiskPoint.position"
    )
    notes: Mapped[list[StickyNote]] = relationship(cascade="all, delete-orphan")
    opportunities: Mapped[list[Opportunity]] = relationship(cascade="all, delete-orphan")
    changes: Mapped[list[MapChange]] = relationship(cascade="all, delete-orphan")
    snapshots: Mapped[list[MapSnapshot]] = relationship(cascade="all, delete-orphan")


class MapElement:
    """Columns every journey-map element shares: its place, its version and its evidence tag."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    # observed (in data) | assumed | proposed: keeps workshop guesses from passing as facts.
    evidence: Mapped[str] = mapped_column(String(20), default="assumed")


class Stage(MapElement, Base):
    __tablename__ = "stage"

    map_id: Mapped[int] = mapped_column(ForeignKey("journey_map.id", ondelete="CASCADE"))
    name: Mapped[str]
    day_start: Mapped[int | None]
    day_end: Mapped[int | None]
    goal: Mapped[str] = mapped_column(Text, default="")
    exit_criteria: Mapped[str] = mapped_column(Text, default="")


class StageChild(MapElement):
    """Elements that hang from a stage; deleting the stage leaves them unplaced, not lost."""

    map_id: Mapped[int] = mapped_column(ForeignKey("journey_map.id", ondelete="CASCADE"))
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id", ondelete="SET NULL"))
    name: Mapped[str]
    role: Mapped[str] = mapped_column(String(40), default="")


class Milestone(StageChild, Base):
    __tablename__ = "milestone"

    target_day: Mapped[int | None]
    event: Mapped[str] = mapped_column(default="")
    is_first_value: Mapped[bool] = mapped_column(default=False)
    is_activation: Mapped[bool] = mapped_column(default=False)


class Touchpoint(StageChild, Base):
    __tablename__ = "touchpoint"

    channel: Mapped[str] = mapped_column(String(40), default="email")
    owner_team: Mapped[str] = mapped_column(default="")
    sla_hours: Mapped[float | None]
    emotion: Mapped[int] = mapped_column(default=0)  # -2 .. +2
    pain_point: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")


class SignalTrigger(StageChild, Base):
    __tablename__ = "signal_trigger"

    # usage_event | inactivity | ticket_sentiment | stakeholder_engagement | feature_adoption
    kind: Mapped[str] = mapped_column(String(40), default="usage_event")
    event: Mapped[str] = mapped_column(default="")
    window_days: Mapped[int | None]
    condition: Mapped[str] = mapped_column(Text, default="")
    play: Mapped[str] = mapped_column(Text, default="")


class RiskPoint(StageChild, Base):
    __tablename__ = "risk_point"

    # The early-churn signal this play answers (no_first_value, single_user, ...), if any.
    signal: Mapped[str] = mapped_column(String(40), default="")
    trigger: Mapped[str] = mapped_column(Text, default="")
    intervention: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(default="")
    escalation: Mapped[str] = mapped_column(Text, default="")


class StickyNote(Timestamped, Base):
    """A pain point, idea or question captured from the room during a workshop."""

    __tablename__ = "sticky_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(ForeignKey("journey_map.id", ondelete="CASCADE"))
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default="idea")  # pain | idea | question
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(default="")
    converted_to: Mapped[str] = mapped_column(String(60), default="")
    # Moves with the note's own content (converted, and any future edit), not with its dots.
    version: Mapped[int] = mapped_column(default=1, server_default=sql_text("1"))

    votes: Mapped[list[NoteVote]] = relationship(cascade="all, delete-orphan")


class NoteVote(Base):
    """One anonymous dot; the voter token only stops double votes, it names nobody."""

    __tablename__ = "note_vote"
    __table_args__ = (UniqueConstraint("note_id", "voter_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("sticky_note.id", ondelete="CASCADE"))
    voter_token: Mapped[str] = mapped_column(String(64))


class Opportunity(Timestamped, Base):
    __tablename__ = "opportunity"

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(ForeignKey("journey_map.id", ondelete="CASCADE"))
    title: Mapped[str]
    owner: Mapped[str] = mapped_column(default="")
    measure: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="open")
    value: Mapped[int] = mapped_column(default=3)  # 1..5
    effort: Mapped[int] = mapped_column(default=3)  # 1..5
    evidence: Mapped[str] = mapped_column(String(20), default="proposed")
    version: Mapped[int] = mapped_column(default=1)
    # Where it came from, so the room can trace an idea back: the sticky note (a pain point,
    # usually), the map element and the stage. The ids go when those are deleted; the note's
    # text and the names are kept as words so the origin survives deletion, export and import.
    origin_note_id: Mapped[int | None] = mapped_column(
        ForeignKey("sticky_note.id", ondelete="SET NULL")
    )
    origin_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id", ondelete="SET NULL"))
    # "kind:id" of the element it came from (e.g. "touchpoint:12"), empty when none.
    origin_element: Mapped[str] = mapped_column(String(60), default="", server_default="")
    origin_text: Mapped[str] = mapped_column(Text, default="", server_default="")


class MapPresence(Base):
    """Who has a map open: one row per person and map, its time moved on while they look.

    Kept in the database (not in one server's memory) so every app process sees the same room.
    """

    __tablename__ = "map_presence"
    __table_args__ = (UniqueConstraint("map_id", "person_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(ForeignKey("journey_map.id", ondelete="CASCADE"))
    # Who: a signed-in person's key or a guest's own key; never shown.
    person_key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    # What kind of person (member role or guest kind), for the room list's wording.
    kind: Mapped[str] = mapped_column(String(40), default="")
    last_seen: Mapped[datetime] = mapped_column(server_default=func.now())


class MapChange(Base):
    """The audit trail and the undo stack: who changed what, with the values before and after."""

    __tablename__ = "map_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(
        ForeignKey("journey_map.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    who: Mapped[str] = mapped_column(default="")
    action: Mapped[str] = mapped_column(String(20))  # add | edit | delete | reorder | restore
    element_kind: Mapped[str] = mapped_column(String(40))
    element_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    undone: Mapped[bool] = mapped_column(default=False)
    # Who made it, as core.access.identity.Access.person: a participant undoes only their own.
    actor_key: Mapped[str] = mapped_column(default="", server_default="")
    # The map's revision this change produced (None for changes stored before it was kept).
    revision: Mapped[int | None]


class MapSnapshot(Base):
    """A whole map frozen as JSON, to browse and restore earlier versions."""

    __tablename__ = "map_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    map_id: Mapped[int] = mapped_column(ForeignKey("journey_map.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    who: Mapped[str] = mapped_column(default="")
    label: Mapped[str] = mapped_column(default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


# ------------------------------------------------------------------ maturity assessment


class AssessmentRound(Base):
    __tablename__ = "assessment_round"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str]
    token: Mapped[str] = mapped_column(String(64), unique=True)
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now())
    opened_by: Mapped[str] = mapped_column(default="", server_default="")
    closed_at: Mapped[datetime | None]
    revealed: Mapped[bool] = mapped_column(default=False)

    workspace: Mapped[Workspace] = relationship(back_populates="rounds")
    respondents: Mapped[list[Respondent]] = relationship(cascade="all, delete-orphan")


class Respondent(Base):
    __tablename__ = "respondent"
    __table_args__ = (UniqueConstraint("round_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_round.id", ondelete="CASCADE"))
    name: Mapped[str]
    role: Mapped[str] = mapped_column(default="")
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # One counter for the whole answer sheet: a save from a tab opened at an older sheet is
    # refused, whichever capabilities it touches.
    answers_version: Mapped[int] = mapped_column(default=1, server_default=sql_text("1"))

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")


# "Alex" and "alex" are one person: names are unique in a round ignoring case.
Index(
    "uq_respondent_round_id_lower_name",
    Respondent.round_id,
    func.lower(Respondent.name),
    unique=True,
)


class Answer(Base):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("respondent_id", "capability"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"))
    capability: Mapped[str] = mapped_column(String(40))
    current_level: Mapped[int]
    target_level: Mapped[int]
    evidence: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


# ------------------------------------------------------------------ people and guest links


class Member(Base):
    """A person's role in a workspace, by e-mail; it takes effect at their first sign-in."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("workspace_id", "person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    person: Mapped[str] = mapped_column(String(254))  # lower-case e-mail, or `local`
    role: Mapped[str] = mapped_column(String(20))  # owner | editor | viewer
    name: Mapped[str] = mapped_column(default="")
    added_by: Mapped[str] = mapped_column(default="")
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())
    first_seen_at: Mapped[datetime | None]


class GuestLink(Base):
    """A link that reaches one thing: one map's workshop or read-only view, or one round.

    Only a SHA-256 of the token is stored (tokens are 192 random bits, so a fast hash is
    enough); a passcode, being short, is stored salted and stretched (scrypt)."""

    __tablename__ = "guest_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # participant | viewer | respondent
    map_id: Mapped[int | None] = mapped_column(ForeignKey("journey_map.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_round.id", ondelete="CASCADE")
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    passcode_hash: Mapped[str] = mapped_column(String(200), default="")
    failed_attempts: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_by: Mapped[str] = mapped_column(default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Guest(Base):
    """A person who joined through a guest link: their own identity, kept in their URL."""

    __tablename__ = "guest"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("guest_link.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    joined_at: Mapped[datetime] = mapped_column(server_default=func.now())
