"""Plan versions: saves with who and when, stale saves refused naming who saved in between,
restores that copy an old version as a new one, owners only, and plan files checked by the
plan parser (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.access.guard import bind
from core.access.identity import LOCAL_KEY, Access, PermissionDenied, Role
from core.db.engine import unit_of_work
from core.db.models import PlanVersion
from core.journey import Actor, add_element, create_map
from core.model.plan import Bands, MeasurementPlan, Penalties, PlanError, plan_to_toml
from core.workspace import plan_versions as pv
from core.workspace.effective_plan import effective_plan, version_plan
from core.workspace.workspaces import create_workspace, delete_workspace
from tests.db.test_concurrency_races import split, together


@contextmanager
def acting(factory: sessionmaker[Session], access: Access) -> Iterator[Session]:
    """A unit of work acting as `access` (what a page's transaction gives)."""
    with unit_of_work(factory) as s:
        bind(s, access)
        yield s


def owner(ws_id: int, name: str = "Dana") -> Access:
    return Access(ws_id, "Acme", Role.OWNER, actor=name)


@pytest.fixture
def ws_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return create_workspace(s, "Acme").id


def harsher(plan: MeasurementPlan) -> MeasurementPlan:
    return replace(
        plan,
        penalties=replace(plan.penalties, single_user=40),
        bands=Bands(20, 55, 75),
        window_days=21,
    )


def test_a_new_workspace_starts_at_version_one_with_the_defaults(factory, ws_id):
    with unit_of_work(factory) as s:
        versions = pv.list_versions(s, ws_id)
        assert [(v.number, v.note) for v in versions] == [(1, pv.FIRST_NOTE)]
        assert effective_plan(s, ws_id) == MeasurementPlan()


def test_a_save_is_a_new_version_with_who_when_and_note(factory, ws_id):
    with unit_of_work(factory) as s:
        edited = harsher(effective_plan(s, ws_id))
        saved = pv.save_settings(s, owner(ws_id), edited, base_version=1, note="  Tighter  ")
    assert (saved.number, saved.saved_by, saved.note) == (2, "Dana", "Tighter")
    assert saved.saved_at is not None
    with unit_of_work(factory) as s:
        assert effective_plan(s, ws_id) == edited
        assert [v.number for v in pv.list_versions(s, ws_id)] == [2, 1]
        assert version_plan(s, ws_id, 1) == MeasurementPlan()


def test_a_stale_save_is_refused_naming_who_saved_in_between(factory, ws_id):
    with unit_of_work(factory) as s:
        pv.save_settings(s, owner(ws_id, "Dana"), harsher(MeasurementPlan()), base_version=1)
    mine = replace(MeasurementPlan(), penalties=Penalties(no_first_value=10))
    with pytest.raises(pv.PlanVersionConflict) as caught, unit_of_work(factory) as s:
        pv.save_settings(s, owner(ws_id, "Lee"), mine, base_version=1)
    message = str(caught.value)
    assert "Dana saved version 2" in message
    assert "since you opened version 1" in message
    assert "Nothing of yours was saved" in message
    with unit_of_work(factory) as s:
        assert pv.current_number(s, ws_id) == 2
        assert effective_plan(s, ws_id) == harsher(MeasurementPlan())


def test_two_saves_from_one_version_at_once_store_one(factory, ws_id):
    def save(name: str, points: int):
        plan = replace(MeasurementPlan(), penalties=Penalties(ticket_primary=points))
        return lambda s: pv.save_settings(s, owner(ws_id, name), plan, base_version=1)

    saved, refused = split(together(save("Ana", 5), save("Ben", 35), factory=factory))
    assert len(saved) == 1
    assert len(refused) == 1
    assert isinstance(refused[0], pv.PlanVersionConflict)
    winner = saved[0]
    assert isinstance(winner, pv.PlanVersionInfo)
    assert f"{winner.saved_by} saved version 2" in str(refused[0])
    with unit_of_work(factory) as s:
        assert pv.current_number(s, ws_id) == 2


def test_restore_copies_an_old_version_as_a_new_one(factory, ws_id):
    with unit_of_work(factory) as s:
        pv.save_settings(s, owner(ws_id), harsher(MeasurementPlan()), base_version=1)
    with unit_of_work(factory) as s:
        restored = pv.restore_version(s, owner(ws_id, "Lee"), 1, base_version=2)
    assert (restored.number, restored.saved_by, restored.restored_from) == (3, "Lee", 1)
    assert restored.note == "Restored version 1"
    with unit_of_work(factory) as s:
        assert effective_plan(s, ws_id) == MeasurementPlan()
        assert version_plan(s, ws_id, 2) == harsher(MeasurementPlan())  # history kept
        assert [v.number for v in pv.list_versions(s, ws_id)] == [3, 2, 1]
    with pytest.raises(pv.PlanVersionConflict, match="Lee saved version 3"):
        with unit_of_work(factory) as s:
            pv.restore_version(s, owner(ws_id), 2, base_version=2)
    with pytest.raises(pv.PlanVersionError, match="no version 9"):
        with unit_of_work(factory) as s:
            pv.restore_version(s, owner(ws_id), 9, base_version=3)


@pytest.mark.parametrize(
    "role", [Role.EDITOR, Role.VIEWER, Role.PARTICIPANT, Role.GUEST_VIEWER, Role.RESPONDENT]
)
def test_only_owners_may_save_or_restore(factory, ws_id, role):
    who = Access(ws_id, "Acme", role, actor="Someone", person="someone@example.com")
    with pytest.raises(PermissionDenied), acting(factory, who) as s:
        pv.save_settings(s, who, harsher(MeasurementPlan()), base_version=1)
    with pytest.raises(PermissionDenied), acting(factory, who) as s:
        pv.save_plan_file(s, who, harsher(MeasurementPlan()), base_version=1)
    with pytest.raises(PermissionDenied), acting(factory, who) as s:
        pv.restore_version(s, who, 1, base_version=1)
    with unit_of_work(factory) as s:
        assert pv.current_number(s, ws_id) == 1


def test_the_owner_of_another_workspace_may_not_save_here(factory, ws_id):
    with unit_of_work(factory) as s:
        other = create_workspace(s, "Elsewhere").id
    theirs = Access(other, "Elsewhere", Role.OWNER, actor="Olga", person="olga@example.com")
    with pytest.raises(PermissionDenied), acting(factory, theirs) as s:
        pv.save_settings(s, owner(ws_id), harsher(MeasurementPlan()), base_version=1)
    with pytest.raises(PermissionDenied), acting(factory, theirs) as s:
        pv.list_versions(s, ws_id)
    with unit_of_work(factory) as s:
        assert pv.current_number(s, ws_id) == 1


def test_a_signed_in_owner_saves_under_their_own_name(factory, ws_id):
    """The name recorded is the signed-in person's, whatever name the caller passes; in local
    mode (one person, no sign-in) the name given is kept."""
    signed_in = Access(ws_id, "Acme", Role.OWNER, actor="Olga Owner", person="olga@example.com")
    with unit_of_work(factory) as s:
        bind(s, signed_in)
        saved = pv.save_settings(
            s, owner(ws_id, "Typed Name"), harsher(MeasurementPlan()), base_version=1
        )
    assert saved.saved_by == "Olga Owner"
    local = Access(ws_id, "Acme", Role.OWNER, actor="Local owner", person=LOCAL_KEY)
    with unit_of_work(factory) as s:
        bind(s, local)
        restored = pv.restore_version(s, owner(ws_id, "Priya"), 1, base_version=2)
    assert restored.saved_by == "Priya"
    with unit_of_work(factory) as s:
        bind(s, local)
        again = pv.restore_version(s, owner(ws_id, " "), 2, base_version=3)
    assert again.saved_by == "Local owner"


def test_bands_out_of_order_are_refused(factory, ws_id):
    bad = replace(MeasurementPlan(), bands=Bands(60, 50, 70))
    with pytest.raises(pv.PlanVersionError, match="bands in order"):
        with unit_of_work(factory) as s:
            pv.save_settings(s, owner(ws_id), bad, base_version=1)


def test_journey_signal_penalties_are_kept_per_name_and_segment(factory, ws_id):
    with unit_of_work(factory) as s:
        found = create_map(s, ws_id, "product_led", Actor("Ana"), name="SMB", segment="SMB")
        add_element(
            s,
            found.id,
            "signal",
            {"name": "Went quiet", "event": "login", "window_days": 14},
            Actor("Ana"),
        )
    with unit_of_work(factory) as s:
        plan = effective_plan(s, ws_id)
    quiet = [x for x in plan.signals if x.name == "Went quiet"]
    assert quiet
    assert quiet[0].penalty == 0
    edited = replace(
        plan,
        signals=tuple(
            replace(x, penalty=15) if x.name == "Went quiet" else x for x in plan.signals
        ),
    )
    with unit_of_work(factory) as s:
        pv.save_settings(s, owner(ws_id), edited, base_version=1)
    with unit_of_work(factory) as s:
        assert effective_plan(s, ws_id) == edited
        assert version_plan(s, ws_id, 1) == plan


def test_a_downloaded_plan_file_uploads_as_the_same_plan(factory, ws_id):
    with unit_of_work(factory) as s:
        pv.save_settings(s, owner(ws_id), harsher(MeasurementPlan()), base_version=1)
        current = effective_plan(s, ws_id)
    uploaded = pv.read_plan_file(plan_to_toml(current).encode(), "plan.toml")
    assert pv.file_notes(current, uploaded) == []
    with unit_of_work(factory) as s:
        saved = pv.save_plan_file(s, owner(ws_id), uploaded, base_version=2, note="From file")
        assert saved.number == 3
    with unit_of_work(factory) as s:
        assert effective_plan(s, ws_id) == current


def test_a_plan_file_with_other_settings_previews_and_saves(factory, ws_id):
    text = b"window_days = 14\n\n[penalties]\nsingle_user = 35\n\n[segments.SMB]\nttv_target_days = 7\n"
    with unit_of_work(factory) as s:
        current = effective_plan(s, ws_id)
        uploaded = pv.read_plan_file(text, "mine.toml")
        notes = pv.file_notes(current, uploaded)
        assert notes == [
            "The file's targets for segment “SMB” differ from the workspace's; segment targets "
            "are edited on the Data page and were not taken."
        ]
        preview = effective_plan(s, ws_id, pv.stored_content(pv.settings_of(uploaded), ()))
        pv.save_plan_file(s, owner(ws_id), uploaded, base_version=1)
    assert preview.window_days == 14
    assert preview.penalties.single_user == 35
    assert preview.segments == current.segments
    with unit_of_work(factory) as s:
        assert effective_plan(s, ws_id) == preview


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"window_days = 14\n[penalties\n", "plan.toml: not valid TOML: .*line 2"),
        (
            b"window_days = 14\n\n[penalties]\nsingle_user = 'x'\n",
            "plan.toml, line 4: penalties.single_user",
        ),
        (b"window_days = 14\nwindow_dayz = 3\n", "plan.toml, line 2: unknown key window_dayz"),
        (b"\xff\xfe", "plan.toml: not a text file in UTF-8"),
    ],
)
def test_a_bad_plan_file_names_the_line_or_the_field(text, expected):
    with pytest.raises(PlanError, match=expected):
        pv.read_plan_file(text, "plan.toml")


def test_deleting_the_workspace_deletes_its_versions(factory, ws_id):
    with unit_of_work(factory) as s:
        pv.save_settings(s, owner(ws_id), harsher(MeasurementPlan()), base_version=1)
    with unit_of_work(factory) as s:
        delete_workspace(s, ws_id)
    with unit_of_work(factory) as s:
        count = s.scalar(select(func.count()).select_from(PlanVersion))
    assert count == 0


def test_the_migration_keeps_an_older_workspaces_settings_as_version_one(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from core.access.guard import system_factory
    from core.db.engine import alembic_config, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(
            text(
                "INSERT INTO workspace (name, description, is_demo, settings) "
                "VALUES ('Old', '', false, :settings)"
            ),
            {"settings": '{"window_days": 21, "penalties": {"single_user": 35}}'},
        )
        command.upgrade(config, "head")
    with unit_of_work(system_factory(engine)) as s:
        ws_id = s.scalar(text("SELECT id FROM workspace"))
        assert [v.number for v in pv.list_versions(s, ws_id)] == [1]
        plan = effective_plan(s, ws_id)
    assert plan.window_days == 21
    assert plan.penalties.single_user == 35
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
        command.upgrade(config, "head")
    engine.dispose()
