"""Workspace backup and restore (core.backup, python -m core backup/restore), on SQLite and
PostgreSQL: a populated workspace moves SQLite -> PostgreSQL -> SQLite with every row intact,
a copy restored beside its original is independent of it, and every refusal leaves the
target database as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Engine, ForeignKey, Integer, MetaData, Table, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from core import assessment, journey
from core.at_risk.risk_states import list_risk_states
from core.backup import BackupError, backup_workspace, restore_workspace
from core.backup.archive import MANIFEST, column_kind
from core.backup.references import ID_FREE, SOFT_REFERENCES
from core.backup.schema import workspace_tables
from core.data.presets.saved import list_mappings
from core.data.store import active_info, load_dataset
from core.db.engine import migrate, unit_of_work
from core.db.models import AssessmentRound, Base, JourneyMap, Respondent, Workspace
from core.workspace.demo_workspace import DEMO_NAME
from core.workspace.workspaces import list_workspaces
from tests.support.workspace_backup import (
    FACILITATOR,
    backup_rows,
    empty_database,
    engine_for,
    factory_for,
    populate,
)

ROOT = Path(__file__).resolve().parents[2]
# Tables the populated workspace must fill, so the comparison cannot pass on empty tables.
FILLED = {
    "workspace", "segment", "dataset_version", "table_chunk", "risk_state", "column_mapping",
    "journey_map", "stage", "milestone", "touchpoint", "signal_trigger", "risk_point",
    "sticky_note", "note_vote", "opportunity", "map_change", "map_snapshot",
    "assessment_round", "respondent", "answer",
}  # fmt: skip


@pytest.fixture(autouse=True)
def small_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYPOINT_DEMO_ACCOUNTS", "150")


def _workspace_id(factory: sessionmaker[Session], name: str) -> int:
    with unit_of_work(factory) as s:
        return next(w.id for w in list_workspaces(s) if w.name == name)


def _seen(factory: sessionmaker[Session], name: str) -> dict[str, Any]:
    """What the pages read of a workspace, through the use cases, without database ids."""
    ws = _workspace_id(factory, name)
    with unit_of_work(factory) as s:
        maps = {
            m.name: journey.to_document(journey.load(s, m.id)) for m in journey.list_maps(s, ws)
        }
        history = {
            m.name: [(c.who, c.action, c.summary, c.undone) for c in journey.list_changes(s, m.id)]
            for m in journey.list_maps(s, ws)
        }
        rounds = [
            (r.name, r.revealed, r.closed_at is not None, len(assessment.progress(s, r.id)))
            for r in assessment.list_rounds(s, ws)
        ]
        risks = [(r.account_id, r.state, r.note, r.updated_by) for r in list_risk_states(s, ws)]
        mappings = [(m.name, m.preset, m.fields) for m in list_mappings(s, ws)]
        info = active_info(s, ws)
        assert info is not None
        frames = load_dataset(s, info.id).frames()
    return {
        "maps": maps,
        "history": history,
        "rounds": rounds,
        "risks": risks,
        "mappings": mappings,
        "data": {t: f.to_dicts() for t, f in frames.items()},
    }


def _links(factory: sessionmaker[Session], name: str) -> set[str]:
    """The tokens links carry: rounds', respondents' and the maps' read-only ones."""
    ws = _workspace_id(factory, name)
    with unit_of_work(factory) as s:
        rounds = select(AssessmentRound.id).where(AssessmentRound.workspace_id == ws)
        found = set(s.scalars(select(AssessmentRound.token).where(AssessmentRound.id.in_(rounds))))
        found |= set(s.scalars(select(Respondent.token).where(Respondent.round_id.in_(rounds))))
        maps = select(JourneyMap.readonly_token).where(JourneyMap.workspace_id == ws)
        found |= {token for token in s.scalars(maps) if token}
    assert len(found) > 5
    return found


def _undo_and_restore(factory: sessionmaker[Session], name: str) -> None:
    """Take back the last change, then restore the snapshot taken before the deletes: both
    put elements back under the ids history and the snapshot hold."""
    ws = _workspace_id(factory, name)
    with unit_of_work(factory) as s:
        map_id = journey.list_maps(s, ws)[0].id
        journey.undo(s, map_id, FACILITATOR)
    with unit_of_work(factory) as s:
        snap = journey.list_snapshots(s, map_id)[0]
        journey.restore_snapshot(s, map_id, snap.id, FACILITATOR)


def test_a_workspace_moves_sqlite_to_postgresql_and_back_with_every_row(tmp_path: Path):
    with (
        empty_database("sqlite", tmp_path) as first_url,
        empty_database("postgresql", tmp_path) as pg_url,
        empty_database("sqlite", tmp_path) as last_url,
        engine_for(first_url) as first,
        engine_for(pg_url) as pg,
        engine_for(last_url) as last,
    ):
        migrate(first)
        populate(factory_for(first))
        files = [tmp_path / "from_sqlite.zip", tmp_path / "from_pg.zip", tmp_path / "back.zip"]
        backup_workspace(first, DEMO_NAME, files[0])
        restore_workspace(pg, files[0])
        backup_workspace(pg, DEMO_NAME, files[1])
        restored = restore_workspace(last, files[1])
        backup_workspace(last, DEMO_NAME, files[2])

        rows = [backup_rows(f) for f in files]
        assert set(rows[0]) == {t.name for t in workspace_tables()}
        assert {t for t, r in rows[0].items() if r} >= FILLED
        for table in rows[0]:
            assert rows[1][table] == rows[0][table], table
            assert rows[2][table] == rows[0][table], table
        in_file = {t: len(r) for t, r in rows[0].items()}
        assert restored.rows == in_file
        for engine in (first, pg, last):  # each holds only this workspace: all its rows
            assert {t: n for t, n in _counts(engine).items() if t in in_file} == in_file
        assert restored.new_tokens == 0

        source, copy = factory_for(first), factory_for(last)
        assert _seen(copy, DEMO_NAME) == _seen(source, DEMO_NAME)
        _undo_and_restore(source, DEMO_NAME)
        _undo_and_restore(copy, DEMO_NAME)
        assert _seen(copy, DEMO_NAME) == _seen(source, DEMO_NAME)


def test_binary_json_and_dates_round_trip_exactly(
    migrated_engine: Engine, factory: sessionmaker[Session], tmp_path: Path
):
    """Every stored value of every column comes back identical, of the same Python type."""
    populate(factory)
    engine = migrated_engine
    out = tmp_path / "b.zip"
    backup_workspace(engine, DEMO_NAME, out)
    restore_workspace(engine, out, "Demo again")
    rows = backup_rows(out)
    again = tmp_path / "again.zip"
    backup_workspace(engine, "Demo again", again)
    kinds = {(t.name, c.name): column_kind(c) for t in workspace_tables() for c in t.table.columns}
    assert {"binary", "json", "date", "datetime"} <= set(kinds.values())
    copied = backup_rows(again)
    for table, table_rows in rows.items():
        for before, after in zip(table_rows, copied[table], strict=True):
            for column, value in before.items():
                if (table, column) in (("workspace", "name"),) or "token" in column:
                    continue
                assert after[column] == value, (table, column)
                assert type(after[column]) is type(value), (table, column)


def test_a_copy_beside_its_original_is_independent(
    migrated_engine: Engine, factory: sessionmaker[Session], tmp_path: Path
):
    populate(factory)
    engine = migrated_engine
    out = tmp_path / "demo.zip"
    backup_workspace(engine, DEMO_NAME, out)
    summary = restore_workspace(engine, out, "  Demo   copy ")
    assert summary.workspace == "Demo copy"
    assert summary.new_tokens > 0  # the rounds' and respondents' links belong to the original
    original = _seen(factory, DEMO_NAME)
    assert _seen(factory, "Demo copy") == original
    assert _links(factory, "Demo copy").isdisjoint(_links(factory, DEMO_NAME))
    _undo_and_restore(factory, "Demo copy")
    assert _seen(factory, DEMO_NAME) == original
    _undo_and_restore(factory, DEMO_NAME)
    assert _seen(factory, "Demo copy") == _seen(factory, DEMO_NAME)


# ------------------------------------------------------------------ refusals


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def _rewrite(
    src: Path,
    dst: Path,
    manifest: Callable[[dict[str, Any]], None] | None = None,
    table: tuple[str, Callable[[list[dict[str, Any]]], None], bool] | None = None,
) -> Path:
    """A copy of a backup with its manifest and/or one table's rows changed; the table's
    checksum is updated when the flag says so (a file that is whole but wrong)."""
    import hashlib

    with zipfile.ZipFile(src) as zin:
        man = json.loads(zin.read(MANIFEST))
        files = {n: zin.read(n) for n in zin.namelist() if n != MANIFEST}
    if table is not None:
        name, change, fix_sum = table
        file = f"tables/{name}.jsonl"
        rows = [json.loads(line) for line in files[file].splitlines()]
        change(rows)
        files[file] = b"".join(
            (json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n").encode() for r in rows
        )
        if fix_sum:
            entry = next(t for t in man["tables"] if t["name"] == name)
            entry["sha256"] = hashlib.sha256(files[file]).hexdigest()
            entry["rows"] = len(rows)
    if manifest is not None:
        manifest(man)
    with zipfile.ZipFile(dst, "w") as zout:
        for name, data in files.items():
            zout.writestr(name, data)
        zout.writestr(MANIFEST, json.dumps(man))
    return dst


@pytest.fixture
def demo_backup(migrated_engine: Engine, factory: sessionmaker[Session], tmp_path: Path) -> Path:
    populate(factory)
    out = tmp_path / "demo.zip"
    backup_workspace(migrated_engine, DEMO_NAME, out)
    return out


def _refused(engine: Engine, path: Path, words: str, new_name: str | None = None) -> None:
    before = _counts(engine)
    with pytest.raises(BackupError, match=words):
        restore_workspace(engine, path, new_name)
    assert _counts(engine) == before


def test_restore_refuses_a_name_in_use(migrated_engine: Engine, demo_backup: Path):
    engine = migrated_engine
    _refused(engine, demo_backup, "already exists.*--as")
    _refused(engine, demo_backup, "already exists", "DEMO WORKSPACE")
    assert restore_workspace(engine, demo_backup, "Elsewhere").workspace == "Elsewhere"
    _refused(engine, demo_backup, "already exists", "elsewhere")


def test_restore_refuses_what_is_not_a_backup(
    migrated_engine: Engine, demo_backup: Path, tmp_path: Path
):
    engine = migrated_engine
    text = tmp_path / "notes.txt"
    text.write_text("not a backup")
    _refused(engine, text, "not a Waypoint workspace backup")
    _refused(engine, tmp_path / "missing.zip", "There is no file")
    bare = tmp_path / "bare.zip"
    with zipfile.ZipFile(bare, "w") as z:
        z.writestr("hello.txt", "hi")
    _refused(engine, bare, "no manifest")
    other = _rewrite(demo_backup, tmp_path / "o.zip", manifest=lambda m: m.update(format="x"))
    _refused(engine, other, "not a Waypoint workspace backup")


def test_restore_refuses_a_newer_schema_or_format(
    migrated_engine: Engine, demo_backup: Path, tmp_path: Path
):
    engine = migrated_engine
    newer = _rewrite(
        demo_backup, tmp_path / "n.zip", manifest=lambda m: m.update(alembic_revision="9999")
    )
    _refused(engine, newer, "newer Waypoint.*9999")
    fmt = _rewrite(demo_backup, tmp_path / "f.zip", manifest=lambda m: m.update(format_version=99))
    _refused(engine, fmt, "newer Waypoint.*format 99")


def test_restore_refuses_a_damaged_file_and_leaves_nothing(
    migrated_engine: Engine, demo_backup: Path, tmp_path: Path
):
    engine = migrated_engine

    def edit(rows: list[dict[str, Any]]) -> None:
        rows[0]["evidence"] = "changed"

    changed = _rewrite(demo_backup, tmp_path / "c.zip", table=("answer", edit, False))
    _refused(engine, changed, "damaged.*answer.*checksum", "Copy")
    data = demo_backup.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    _refused(engine, cut, "not a Waypoint workspace backup", "Copy")
    flipped = bytearray(data)
    middle = len(flipped) // 3
    flipped[middle : middle + 64] = bytes(64)
    broken = tmp_path / "flipped.zip"
    broken.write_bytes(bytes(flipped))
    _refused(engine, broken, "damaged|not a Waypoint", "Copy")


def test_a_restore_that_fails_midway_leaves_nothing(
    migrated_engine: Engine, demo_backup: Path, tmp_path: Path
):
    """Whole files whose late rows cannot be stored: the rows already inserted go too."""
    engine = migrated_engine

    def orphan(rows: list[dict[str, Any]]) -> None:
        rows[-1]["respondent_id"] = 10**9

    def broken(rows: list[dict[str, Any]]) -> None:
        rows[-1]["capability"] = None

    bad_ref = _rewrite(demo_backup, tmp_path / "r.zip", table=("answer", orphan, True))
    _refused(engine, bad_ref, "damaged.*answer refers to a row of respondent", "Copy")
    bad_row = _rewrite(demo_backup, tmp_path / "b.zip", table=("answer", broken, True))
    _refused(engine, bad_row, "damaged.*break a rule", "Copy")


def test_backup_names_the_workspaces_when_the_name_is_unknown(
    migrated_engine: Engine, factory: sessionmaker[Session], tmp_path: Path
):
    populate(factory)
    with pytest.raises(BackupError, match="no workspace called “Nope”.*Demo workspace"):
        backup_workspace(migrated_engine, "Nope", tmp_path / "x.zip")
    assert not list(tmp_path.iterdir())


def test_who_had_a_map_open_is_not_kept_in_a_backup():
    """Presence rows are the room of a minute ago and name people by their sign-in keys."""
    assert "map_presence" not in {t.name for t in workspace_tables()}
    assert "opportunity" in {t.name for t in workspace_tables()}


def test_every_id_outside_a_foreign_key_is_declared():
    """A JSON column, or a whole-number *_id column without a foreign key, in a workspace
    table must say how restore renumbers it (references.SOFT_REFERENCES) or that it holds no
    ids (references.ID_FREE); otherwise a restore could carry stale ids unnoticed."""
    declared = {(r.table, r.column) for r in SOFT_REFERENCES} | ID_FREE
    undeclared = []
    for t in workspace_tables():
        for c in t.table.columns:
            keyed = c.foreign_keys or c.primary_key
            whole = isinstance(c.type, Integer)
            suspicious = column_kind(c) == "json" or (c.name.endswith("_id") and whole)
            if suspicious and not keyed and (t.name, c.name) not in declared:
                undeclared.append(f"{t.name}.{c.name}")
    assert undeclared == []


# ------------------------------------------------------------------ the command line


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "WAYPOINT_DEBUG": ""}
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_commands_move_a_workspace(kind: str, tmp_path: Path):
    with (
        empty_database("sqlite", tmp_path) as source_url,
        empty_database(kind, tmp_path) as target_url,
        engine_for(source_url) as source,
    ):
        migrate(source)
        populate(factory_for(source))
        out = tmp_path / "demo backup.zip"
        done = _run(source_url, "backup", "--workspace", DEMO_NAME, "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert f"backed up workspace “{DEMO_NAME}” to {out}" in done.stdout

        done = _run(target_url, "restore", str(out))
        assert done.returncode == 0, done.stderr
        assert f"restored workspace “{DEMO_NAME}”" in done.stdout
        with engine_for(target_url) as target:
            assert _seen(factory_for(target), DEMO_NAME) == _seen(factory_for(source), DEMO_NAME)

        again = _run(target_url, "restore", str(out))
        assert again.returncode == 1
        assert "already exists" in again.stderr
        assert "Traceback" not in again.stderr
        copy = _run(target_url, "restore", str(out), "--as", "Demo copy")
        assert copy.returncode == 0, copy.stderr
        assert "links got new tokens" in copy.stdout

        junk = tmp_path / "junk.zip"
        junk.write_bytes(b"PK\x03\x04 not really")
        refused = _run(target_url, "restore", str(junk))
        assert refused.returncode == 1
        assert "not a Waypoint workspace backup" in refused.stderr
        missing = _run(target_url, "backup", "--workspace", "Nope", "--out", str(junk))
        assert missing.returncode == 1
        assert "no workspace called" in missing.stderr


def test_a_database_of_a_newer_waypoint_is_refused_both_ways(tmp_path: Path, demo_backup: Path):
    with empty_database("sqlite", tmp_path) as url, engine_for(url) as engine:
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(BackupError, match="newer Waypoint"):
            restore_workspace(engine, demo_backup)
        with pytest.raises(BackupError, match="newer Waypoint.*9999"):
            backup_workspace(engine, DEMO_NAME, tmp_path / "x.zip")
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Workspace)) == 0


def test_a_table_added_later_is_part_of_the_workspace_without_code_changes():
    """Owned tables (NOT NULL or ON DELETE CASCADE keys, at any depth) are found in the
    metadata, parents first; a table only pointing at a workspace row through a nullable
    SET NULL key is not the workspace's."""
    metadata = MetaData()
    Table("workspace", metadata, Column("id", Integer, primary_key=True))
    Table(
        "member",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("workspace_id", ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    )
    Table(
        "member_note",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("member_id", ForeignKey("member.id", ondelete="CASCADE"), nullable=True),
        Column("about_id", ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    Table(
        "global_log",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("workspace_id", ForeignKey("workspace.id", ondelete="SET NULL"), nullable=True),
    )
    found = workspace_tables(metadata)
    assert [t.name for t in found] == ["workspace", "member", "member_note"]
    note = found[2]
    assert (note.owner, note.owner_table) == ("member_id", "member")
    assert note.references == {"member_id": "member", "about_id": "member"}
