"""A database made by the previous release keeps every row through the upgrade to the head
revision and is read by the use cases (and pages) afterwards, on SQLite and PostgreSQL.

The previous release's schema is the revision before the head in core/db/migrations, found
from the scripts, and it is filled through that revision's own tables (reflected), not the
current models. A backup taken from it before the upgrade restores into a new database with
the same rows.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from alembic import command
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    insert,
    select,
)
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core import assessment, journey
from core.access import links, members
from core.access.identity import LOCAL_KEY
from core.access.links import LinkRefused, hash_token
from core.access.roles import Role
from core.assessment.rounds import respondent_by_token
from core.at_risk.risk_states import list_risk_states
from core.backup import backup_workspace, restore_workspace, revisions
from core.backup.archive import BackupReader
from core.backup.schema import reflect
from core.data.presets.saved import list_mappings
from core.data.store import active_info, load_dataset
from core.db.engine import alembic_config, migrate, unit_of_work
from core.db.models import Base
from core.workspace.demo_workspace import demo_dataset
from core.workspace.workspaces import list_workspaces, measurement_plan
from tests.support.workspace_backup import backup_rows, empty_database, engine_for, factory_for

NAME = "Made by the previous release"
WHEN = datetime(2026, 10, 2, 9, 30, 15, 123456)
Inserted = list[tuple[str, int, dict[str, Any]]]


def _migrate_to(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _filler(table: str, column: Any) -> Any:
    """A value for a NOT NULL column the test does not set: the models' default, as the app
    would have written it, else a plain value of its type."""
    model = Base.metadata.tables.get(table)
    if model is not None and column.name in model.c:
        default = model.c[column.name].default
        if default is not None and default.is_scalar:
            return default.arg
    kind = column.type
    for types, value in (
        (Boolean, False),
        (Integer, 0),
        (Float, 0.0),
        (JSON, {}),
        (DateTime, WHEN),
        (Date, WHEN.date()),
        (LargeBinary, b""),
    ):
        if isinstance(kind, types):
            return value
    return ""


class OldRows:
    """Inserts through the reflected tables of the old revision and remembers what it wrote."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.metadata = MetaData()
        reflect(self.metadata, conn)
        self.inserted: Inserted = []

    def put(self, table: str, **values: Any) -> int:
        t = self.metadata.tables[table]
        row = {k: v for k, v in values.items() if k in t.c}
        for c in t.columns:
            needed = not c.nullable and c.server_default is None and not c.primary_key
            if needed and c.name not in row:
                row[c.name] = _filler(table, c)
        new_id = int(self.conn.execute(insert(t).returning(t.c.id), row).scalar_one())
        self.inserted.append((table, new_id, row))
        return new_id


def _parquet(frame: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.write_parquet(out)
    return out.getvalue()


def _fill(old: OldRows, frames: Mapping[str, pl.DataFrame]) -> None:
    """A workspace with segments, a data version, a map with elements and history, an
    assessment round with answers, a risk state and a saved mapping."""
    ws = old.put(
        "workspace",
        name=NAME,
        description="Kept across the upgrade",
        is_demo=False,
        settings={"activation_window_days": 30},
        as_of=date(2026, 10, 1),
        created_at=WHEN,
    )
    segments = [
        old.put(
            "segment",
            workspace_id=ws,
            name=name,
            position=n,
            ttv_target_days=14 * (n + 1),
            duration_target_days=30 * (n + 1),
            adoption_target=0.6,
            csat_target=4.2,
            csm_ratio_low=10,
            csm_ratio_high=40,
            event_lists={},
        )
        for n, name in enumerate(("Enterprise", "Mid-Market", "SMB"))
    ]
    data = old.put(
        "dataset_version",
        workspace_id=ws,
        is_active=True,
        source="upload.zip",
        row_counts={t: len(f) for t, f in frames.items()},
        first_event_at=WHEN,
        last_event_at=WHEN,
        created_at=WHEN,
    )
    for table, frame in frames.items():
        old.put(
            "table_chunk",
            dataset_id=data,
            table_name=table,
            seq=0,
            rows=len(frame),
            parquet=_parquet(frame),
        )
    if "member" in old.metadata.tables:  # from 0004 on, a workspace is reached by its members
        old.put("member", workspace_id=ws, person="local", role="owner", name="Local owner")
    _fill_map(old, ws, segments[0])
    round_id = old.put(
        "assessment_round",
        workspace_id=ws,
        name="2026 Q3",
        token="round-token-0123456789ab",
        opened_at=WHEN,
        revealed=True,
    )
    for name in ("Ana", "Ben"):
        person = old.put(
            "respondent",
            round_id=round_id,
            name=name,
            role="CSM",
            token=f"person-{name}-0123456789",
            answers_version=2,
        )
        for capability, level in (("milestones", 2), ("signals", 3)):
            old.put(
                "answer",
                respondent_id=person,
                capability=capability,
                current_level=level,
                target_level=level + 1,
                evidence="Weekly review",
                updated_at=WHEN,
            )
    old.put(
        "risk_state",
        workspace_id=ws,
        account_id="ACC-00003",
        state="plan_in_place",
        note="Sponsor call booked",
        updated_by="Sam",
        updated_at=WHEN,
        version=3,
    )
    old.put(
        "column_mapping",
        workspace_id=ws,
        name="Monthly events",
        preset="mixpanel",
        target_table="events",
        mapping={"fields": {"account_id": "properties.company_id"}},
        created_at=WHEN,
    )


def _fill_map(old: OldRows, ws: int, segment: int) -> None:
    map_id = old.put(
        "journey_map",
        workspace_id=ws,
        segment_id=segment,
        name="Enterprise onboarding",
        variant="happy path",
        state="current",
        template="five_phase",
        version=4,
        created_at=WHEN,
    )
    kickoff = old.put(
        "stage", map_id=map_id, name="Kickoff", position=0, day_start=0, day_end=7, goal="Plan"
    )
    old.put("stage", map_id=map_id, name="Adoption", position=1, day_start=8, day_end=60)
    old.put(
        "milestone",
        map_id=map_id,
        stage_id=kickoff,
        name="First report",
        target_day=10,
        event="report_created",
        is_first_value=True,
        evidence="observed",
    )
    old.put("touchpoint", map_id=map_id, stage_id=kickoff, name="Welcome call", channel="call")
    old.put(
        "signal_trigger",
        map_id=map_id,
        stage_id=kickoff,
        name="No login in 7 days",
        kind="inactivity",
        window_days=7,
    )
    old.put(
        "risk_point",
        map_id=map_id,
        stage_id=kickoff,
        name="First value overdue",
        signal="no_first_value",
        intervention="Rescue session",
        owner="CSM",
    )
    old.put("opportunity", map_id=map_id, title="Welcome pack", target_date=date(2026, 12, 1))
    note = old.put(
        "sticky_note", map_id=map_id, stage_id=kickoff, kind="pain", text="Slow SSO", author="Ana"
    )
    old.put("note_vote", note_id=note, voter_token="voter-1")
    stage_values = {"id": kickoff, "name": "Kickoff", "version": 1, "position": 0}
    old.put(
        "map_change",
        map_id=map_id,
        at=WHEN,
        who="Fran",
        action="add",
        element_kind="stage",
        element_id=kickoff,
        after=stage_values,
        undone=False,
        revision=2,
    )
    old.put(
        "map_snapshot",
        map_id=map_id,
        at=WHEN,
        who="Fran",
        label="Before the workshop",
        content={"version": 2, "elements": {"stage": [stage_values]}},
    )


def _gone(_value: Any) -> str:
    return ""


CHANGED_ON_PURPOSE: dict[str, dict[tuple[str, str], Any]] = {
    # 0004: share links become hashed, expiring guest links; the old keys are stored as
    # their hashes (rounds, respondents) or moved to guest_link and emptied (maps).
    "0004": {
        ("assessment_round", "token"): hash_token,
        ("respondent", "token"): hash_token,
        ("journey_map", "readonly_token"): _gone,
        ("journey_map", "passcode"): _gone,
    },
}


def _changed_on_purpose(engine: Engine, before: str) -> dict[tuple[str, str], Any]:
    """What the migrations after `before` change in old rows, by (table, column)."""
    history = revisions.history(engine)
    crossed = history[history.index(before) + 1 :]
    return {key: how for r in crossed for key, how in CHANGED_ON_PURPOSE.get(r, {}).items()}


def _still_there(
    conn: Connection, inserted: Inserted, changed: Mapping[tuple[str, str], Any] | None = None
) -> None:
    """Every row written at the old revision, read through the head's models, unchanged
    (but for what a migration `changed` on purpose, as it says)."""
    for table, row_id, values in inserted:
        t = Base.metadata.tables[table]
        found = conn.execute(select(t).where(t.c.id == row_id)).mappings().one()
        for column, value in values.items():
            if column in t.c:
                how = (changed or {}).get((table, column))
                expected = value if how is None else how(value)
                assert found[column] == expected, (table, column)


def _read_by_use_cases(factory: sessionmaker[Session], frames: Mapping[str, pl.DataFrame]) -> int:
    with unit_of_work(factory) as s:
        ws = next(w for w in list_workspaces(s) if w.name == NAME)
        assert ws.as_of == date(2026, 10, 1)
        assert list(measurement_plan(s, ws.id).segments) == ["Enterprise", "Mid-Market", "SMB"]
        (map_info,) = journey.list_maps(s, ws.id)
        content = journey.load(s, map_info.id)
        assert [st["name"] for st in content.of("stage")] == ["Kickoff", "Adoption"]
        kickoff = content.of("stage")[0]["id"]
        assert [m["stage_id"] for m in content.of("milestone")] == [kickoff]
        assert [r["signal"] for r in content.of("risk")] == ["no_first_value"]
        assert [c.summary for c in journey.list_changes(s, map_info.id)] == [
            "added stage “Kickoff”"
        ]
        assert [n.label for n in journey.list_snapshots(s, map_info.id)] == ["Before the workshop"]
        (round_info,) = assessment.list_rounds(s, ws.id)
        assert len(assessment.progress(s, round_info.id)) == 2
        assert [r.state for r in list_risk_states(s, ws.id)] == ["plan_in_place"]
        assert [m.name for m in list_mappings(s, ws.id)] == ["Monthly events"]
        info = active_info(s, ws.id)
        assert info is not None
        loaded = load_dataset(s, info.id).frames()
    for table, frame in frames.items():
        assert loaded[table].equals(frame), table
    return ws.id


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_database_of_the_previous_release_upgrades_with_its_data(kind: str, tmp_path: Path):
    frames = demo_dataset(accounts=120).frames()
    with empty_database(kind, tmp_path) as url, engine_for(url) as engine:
        head, before = revisions.head(engine), revisions.previous(engine)
        assert before is not None
        assert before != head
        _migrate_to(engine, before)
        with engine.begin() as conn:
            assert revisions.current(conn) == before
            old = OldRows(conn)
            _fill(old, frames)
        old_backup = tmp_path / "old.zip"
        backup_workspace(engine, NAME, old_backup)
        with BackupReader(old_backup) as reader:
            assert reader.revision == before

        migrate(engine)  # what every start of the app does
        with engine.connect() as conn:
            assert revisions.current(conn) == head
            _still_there(conn, old.inserted, _changed_on_purpose(engine, before))
        _read_by_use_cases(factory_for(engine), frames)
        upgraded = tmp_path / "upgraded.zip"
        backup_workspace(engine, NAME, upgraded)

        with empty_database(kind, tmp_path) as other_url, engine_for(other_url) as other:
            summary = restore_workspace(other, old_backup)
            assert summary.revision == before
            _read_by_use_cases(factory_for(other), frames)
            restored = tmp_path / "restored.zip"
            backup_workspace(other, NAME, restored)
        _same_rows(upgraded, restored, set(old.metadata.tables))


OLD_READONLY = "readonly-0123456789abcdef0123456789abcdef"
OLD_ROUND = "round-0123456789abcdef0123456789ab"
OLD_RESPONDENT = "person-0123456789abcdef0123456789"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_0004_gives_workspaces_an_owner_and_old_share_links_expiring_hashes(
    kind: str, tmp_path: Path
):
    """0003 -> 0004 (and on to the head): each workspace gets the local owner; a map's
    read-only key opens a read-only guest link for 14 days from the upgrade, and the map no
    longer holds it or its 6-digit workshop passcode; a round's link opens a respondent link;
    round and respondent keys are kept only as SHA-256 hashes of the old values."""
    with empty_database(kind, tmp_path) as url, engine_for(url) as engine:
        _migrate_to(engine, "0003")
        with engine.begin() as conn:
            old = OldRows(conn)
            first = old.put("workspace", name="First", settings={}, created_at=WHEN)
            second = old.put("workspace", name="Second", settings={}, created_at=WHEN)
            map_id = old.put(
                "journey_map",
                workspace_id=first,
                name="Enterprise onboarding",
                readonly_token=OLD_READONLY,
                passcode="123456",
                created_at=WHEN,
            )
            plain_map = old.put("journey_map", workspace_id=second, name="Plain", created_at=WHEN)
            round_id = old.put(
                "assessment_round",
                workspace_id=first,
                name="2026 Q3",
                token=OLD_ROUND,
                opened_at=WHEN,
            )
            old.put("respondent", round_id=round_id, name="Ana", token=OLD_RESPONDENT)
        upgraded_at = links.now()
        migrate(engine)
        done_at = links.now()

        with engine.connect() as conn:
            assert revisions.current(conn) == revisions.head(engine)
            t = Base.metadata.tables
            maps = conn.execute(select(t["journey_map"].c["id", "readonly_token", "passcode"]))
            assert sorted(tuple(m) for m in maps) == [(map_id, "", ""), (plain_map, "", "")]
            rounds = conn.execute(select(t["assessment_round"].c.token)).scalars().all()
            assert rounds == [hash_token(OLD_ROUND)]
            people = conn.execute(select(t["respondent"].c.token)).scalars().all()
            assert people == [hash_token(OLD_RESPONDENT)]
            hashes = conn.execute(select(t["guest_link"].c.token_hash)).scalars().all()
            assert sorted(hashes) == sorted([hash_token(OLD_READONLY), hash_token(OLD_ROUND)])
            stored = [str(v) for row in conn.execute(select(t["guest_link"])) for v in row]
            assert not any(o in v for o in (OLD_READONLY, OLD_ROUND) for v in stored)

        factory = factory_for(engine)
        with unit_of_work(factory) as s:
            for workspace_id in (first, second):
                owners = [(m.person, m.role) for m in members.list_members(s, workspace_id)]
                assert owners == [(LOCAL_KEY, Role.OWNER)], workspace_id
            assert members.memberships(s, LOCAL_KEY) == {first: Role.OWNER, second: Role.OWNER}

            viewer, nobody = links.open_link(s, OLD_READONLY)
            assert nobody is None
            assert (viewer.kind, viewer.role, viewer.map_id, viewer.round_id) == (
                "viewer",
                Role.GUEST_VIEWER,
                map_id,
                None,
            )
            assert (viewer.workspace_id, viewer.workspace_name) == (first, "First")
            assert not viewer.has_passcode
            keep = timedelta(days=14)
            assert upgraded_at + keep - timedelta(seconds=1) <= viewer.expires_at
            assert viewer.expires_at <= done_at + keep + timedelta(seconds=1)
            guest = links.guest_access(viewer, None)
            assert guest.read_only
            assert guest.map_id == map_id

            asked, _ = links.open_link(s, OLD_ROUND)
            assert (asked.kind, asked.role, asked.round_id, asked.map_id) == (
                "respondent",
                Role.RESPONDENT,
                round_id,
                None,
            )
            assert abs(asked.expires_at - viewer.expires_at) < timedelta(seconds=5)
            assert respondent_by_token(s, OLD_RESPONDENT).name == "Ana"

            # Only those two: no participant link came from the map number and passcode.
            assert [i.id for i in links.live_links(s, first, map_id=map_id)] == [viewer.id]
            assert links.live_links(s, second) == []
            for old_key in ("123456", f"{map_id}", hash_token(OLD_READONLY)):
                with pytest.raises(LinkRefused, match="does not open anything"):
                    links.open_link(s, old_key)


def _same_rows(upgraded: Path, restored: Path, old_tables: set[str]) -> None:
    """Tables the old revision had hold the same rows either way; tables new at the head
    (filled by the migration, e.g. with its own timestamps) the same number of them."""
    mine, theirs = backup_rows(upgraded), backup_rows(restored)
    assert set(mine) == set(theirs)
    for table, rows in mine.items():
        if table in old_tables:
            assert theirs[table] == rows, table
        else:
            assert len(theirs[table]) == len(rows), table


def test_the_pages_open_on_an_upgraded_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Home, Data and Journey in AppTest on a SQLite database made at the previous release."""
    import streamlit as st

    from ui.app_shell import keep_app_shell_in_apptest

    frames = demo_dataset(accounts=120).frames()
    with empty_database("sqlite", tmp_path) as url, engine_for(url) as engine:
        before = revisions.previous(engine)
        assert before is not None
        _migrate_to(engine, before)
        with engine.begin() as conn:
            _fill(OldRows(conn), frames)
        monkeypatch.setenv("DATABASE_URL", url)
        keep_app_shell_in_apptest(monkeypatch)
        st.cache_resource.clear()
        st.cache_data.clear()
        app = AppTest.from_file(str(Path(__file__).parents[2] / "app.py"), default_timeout=120)
        app.run()
        assert not app.exception
        with engine.connect() as conn:
            assert revisions.current(conn) == revisions.head(engine)
        with unit_of_work(factory_for(engine)) as s:
            assert [w.name for w in list_workspaces(s)] == [NAME]  # no demo added beside it
        shows = {
            "pages/home.py": NAME,  # the title
            "pages/data.py": "120 accounts",  # the active import
            "pages/journey.py": "Slow SSO",  # the map's sticky note
        }
        for page, words in shows.items():
            app.switch_page(page).run()
            assert not app.exception, page
            shown = [e.value for e in app.title] + [
                str(e.value) for e in (*app.markdown, *app.text)
            ]
            assert any(words in text for text in shown), page
