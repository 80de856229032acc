"""Journey-map editing on SQLite and PostgreSQL: add/edit/delete/reorder, validation, history,
undo, snapshots and the conflict rule."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core import journey as j
from core.db.engine import unit_of_work
from core.workspace.workspaces import create_workspace

ANA = j.Actor("Ana")
BEN = j.Actor("Ben", facilitator=False)


@pytest.fixture
def ws_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return create_workspace(s, "Workshop").id


@pytest.fixture
def map_id(factory: sessionmaker[Session], ws_id: int) -> int:
    with unit_of_work(factory) as s:
        return j.create_map(s, ws_id, "six_stage", ANA).id


def _load(factory: sessionmaker[Session], map_id: int) -> j.MapContent:
    with unit_of_work(factory) as s:
        return j.load(s, map_id)


def _stage(m: j.MapContent, name: str) -> dict:
    return next(s for s in m.stages if s["name"] == name)


@pytest.mark.parametrize("key", ["six_stage", "five_phase", "product_led"])
def test_templates_come_filled(factory, ws_id, key):
    with unit_of_work(factory) as s:
        info = j.create_map(s, ws_id, key, ANA)
        m = j.load(s, info.id)
    assert len(m.stages) >= 5
    for kind in ("milestone", "touchpoint", "signal", "risk"):
        assert m.of(kind), kind
    assert any(e["is_first_value"] and e["event"] for e in m.of("milestone"))
    assert all(t["owner_team"] for t in m.of("touchpoint"))


def test_product_led_template_has_activation_days(factory, ws_id):
    with unit_of_work(factory) as s:
        m = j.load(s, j.create_map(s, ws_id, "product_led", ANA).id)
    days = sorted(e["target_day"] for e in m.of("milestone") if e["is_activation"])
    assert days == [1, 3, 7, 14]
    assert [e["target_day"] for e in m.of("milestone")][-1] == 30


def test_add_edit_delete_each_kind_is_recorded(factory, map_id):
    m = _load(factory, map_id)
    setup = _stage(m, "Setup")["id"]
    values = {
        "stage": {"name": "Pilot", "day_start": 5, "day_end": 9},
        "milestone": {"name": "Pilot live", "stage_id": setup, "event": "pilot_live"},
        "touchpoint": {"name": "Pilot call", "stage_id": setup, "channel": "call", "sla_hours": 2},
        "signal": {"name": "Pilot idle", "stage_id": setup, "kind": "inactivity", "window_days": 3},
        "risk": {"name": "Pilot fails", "stage_id": setup, "signal": "no_first_value"},
        "opportunity": {"title": "Faster pilots", "value": 5, "effort": 2},
    }
    for kind, v in values.items():
        with unit_of_work(factory) as s:
            added = j.add_element(s, map_id, kind, v, ANA)
        with unit_of_work(factory) as s:
            label = j.spec(kind).label_field
            edited = j.edit_element(
                s, map_id, kind, added["id"], {label: v[label] + " 2"}, added["version"], BEN
            )
        assert edited["version"] == added["version"] + 1
        with unit_of_work(factory) as s:
            j.delete_element(s, map_id, kind, added["id"], ANA)
        with unit_of_work(factory) as s:
            changes = j.list_changes(s, map_id)[:3]
        assert [c.action for c in changes] == ["delete", "edit", "add"]
        assert changes[1].who == "Ben"
        assert changes[1].before[label] == v[label]
        assert changes[1].after[label] == v[label] + " 2"


@pytest.mark.parametrize(
    ("kind", "values", "message"),
    [
        ("stage", {"name": "X", "day_start": 10, "day_end": 3}, "ends (day 3) before it starts"),
        ("stage", {"name": "setup"}, "already exists"),
        ("stage", {"name": "  "}, "Name is required"),
        ("touchpoint", {"name": "T", "sla_hours": 0}, "SLA (hours) must be more than 0"),
        ("touchpoint", {"name": "T", "sla_hours": -4}, "SLA (hours) must be more than 0"),
        ("touchpoint", {"name": "T", "sla_hours": "soon"}, "must be a number"),
        ("touchpoint", {"name": "T", "emotion": 3}, "Emotion must be between -2 and 2"),
        ("touchpoint", {"name": "T", "channel": "fax"}, "Channel “fax” is not one of"),
        ("milestone", {"name": "Kickoff completed"}, "already exists"),
        ("signal", {"name": "S", "window_days": 1.5}, "whole number"),
        ("risk", {"name": "R", "colour": "red"}, "unknown field"),
        ("opportunity", {"title": "O", "value": 9}, "Value (1-5) must be between 1 and 5"),
    ],
)
def test_validation_names_what_and_where(factory, map_id, kind, values, message):
    before = _load(factory, map_id)
    with pytest.raises(j.JourneyError, match=re.escape(message)), unit_of_work(factory) as s:
        j.add_element(s, map_id, kind, values, ANA)
    after = _load(factory, map_id)
    assert after.elements == before.elements
    assert after.info.version == before.info.version


def test_sla_must_be_positive_message(factory, map_id):
    with pytest.raises(j.JourneyError) as err, unit_of_work(factory) as s:
        j.add_element(s, map_id, "touchpoint", {"name": "Chat", "sla_hours": 0}, ANA)
    assert "Touchpoint “Chat”" in str(err.value)


def test_stale_edit_raises_conflict_with_both_values(factory, map_id):
    m = _load(factory, map_id)
    tp = m.of("touchpoint")[0]
    with unit_of_work(factory) as s:
        j.edit_element(
            s, map_id, "touchpoint", tp["id"], {"owner_team": "Ana's team"}, tp["version"], ANA
        )
    with pytest.raises(j.ConflictError) as err, unit_of_work(factory) as s:
        j.edit_element(
            s, map_id, "touchpoint", tp["id"], {"owner_team": "Ben's team"}, tp["version"], BEN
        )
    assert err.value.mine == {"owner_team": "Ben's team"}
    assert err.value.theirs == {"owner_team": "Ana's team"}
    assert (err.value.started_from, err.value.current) == (tp["version"], tp["version"] + 1)
    assert "Ana's team" in str(err.value)
    assert "Ben's team" in str(err.value)
    stored = _load(factory, map_id).find("touchpoint", tp["id"])
    assert stored["owner_team"] == "Ana's team"


def test_concurrent_sessions_cannot_both_win(factory, map_id, backend):
    """Both sessions read version 1; the compare-and-set lets only the first write.

    On PostgreSQL the two transactions really overlap. SQLite transactions take the write
    lock when they begin (core.db.engine), so the second can only start after the first has
    committed: there both read version 1 in transactions of their own, as two open forms do.
    """
    tp = _load(factory, map_id).of("touchpoint")[0]
    first, second = factory(), factory()
    try:
        if backend == "sqlite":
            with first.begin():
                j.load(first, map_id)
            with second.begin():
                j.load(second, map_id)
            with first.begin():
                j.edit_element(first, map_id, "touchpoint", tp["id"], {"emotion": 2}, 1, ANA)
        else:
            with first.begin():
                j.load(first, map_id)
                with second.begin():
                    j.load(second, map_id)
                j.edit_element(first, map_id, "touchpoint", tp["id"], {"emotion": 2}, 1, ANA)
        with pytest.raises(j.ConflictError), second.begin():
            j.edit_element(second, map_id, "touchpoint", tp["id"], {"emotion": -2}, 1, BEN)
    finally:
        first.close()
        second.close()
    assert _load(factory, map_id).find("touchpoint", tp["id"])["emotion"] == 2


def test_editing_a_deleted_element_says_so(factory, map_id):
    tp = _load(factory, map_id).of("touchpoint")[0]
    with unit_of_work(factory) as s:
        j.delete_element(s, map_id, "touchpoint", tp["id"], ANA)
    with pytest.raises(j.JourneyError, match="no longer exists"), unit_of_work(factory) as s:
        j.edit_element(s, map_id, "touchpoint", tp["id"], {"emotion": 1}, 1, BEN)


def test_undo_add_edit_delete_in_order(factory, map_id):
    original = _load(factory, map_id)
    setup = _stage(original, "Setup")["id"]
    with unit_of_work(factory) as s:
        tp = j.add_element(s, map_id, "touchpoint", {"name": "New", "stage_id": setup}, ANA)
    with unit_of_work(factory) as s:
        j.edit_element(s, map_id, "touchpoint", tp["id"], {"emotion": 2}, tp["version"], ANA)
    with unit_of_work(factory) as s:
        j.delete_element(s, map_id, "touchpoint", tp["id"], ANA)
    with unit_of_work(factory) as s:
        assert j.next_undo(s, map_id).action == "delete"
        j.undo(s, map_id, BEN)
    back = _load(factory, map_id).find("touchpoint", tp["id"])
    assert back["emotion"] == 2
    assert back["stage_id"] == setup
    with unit_of_work(factory) as s:
        j.undo(s, map_id, BEN)
    assert _load(factory, map_id).find("touchpoint", tp["id"])["emotion"] == 0
    with unit_of_work(factory) as s:
        j.undo(s, map_id, BEN)
    assert _load(factory, map_id).elements == original.elements
    with pytest.raises(j.JourneyError, match="nothing to undo"), unit_of_work(factory) as s:
        j.undo(s, map_id, BEN)
    with unit_of_work(factory) as s:
        assert [c.action for c in j.list_changes(s, map_id)][:3] == ["undo"] * 3


def test_deleting_a_stage_unplaces_its_elements_and_undo_puts_them_back(factory, map_id):
    m = _load(factory, map_id)
    setup = _stage(m, "Setup")
    placed = {k: [e["id"] for e in m.children(k, setup["id"])] for k in j.CHILD_KINDS}
    with unit_of_work(factory) as s:
        j.delete_element(s, map_id, "stage", setup["id"], ANA)
    after = _load(factory, map_id)
    assert after.find("stage", setup["id"]) is None
    for kind, ids in placed.items():
        assert all(after.find(kind, i)["stage_id"] is None for i in ids)
    with unit_of_work(factory) as s:
        j.undo(s, map_id, ANA)
    restored = _load(factory, map_id)
    assert restored.find("stage", setup["id"])["name"] == "Setup"
    for kind, ids in placed.items():
        assert all(restored.find(kind, i)["stage_id"] == setup["id"] for i in ids)


def test_reorder_and_move_with_undo(factory, map_id):
    m = _load(factory, map_id)
    ids = [s["id"] for s in m.stages]
    with unit_of_work(factory) as s:
        j.move_element(s, map_id, "stage", ids[0], 2, ANA)
    assert [s["id"] for s in _load(factory, map_id).stages] == [ids[1], ids[2], ids[0], *ids[3:]]
    with unit_of_work(factory) as s:
        j.reorder(s, map_id, "stage", list(reversed(ids)), ANA)
    assert [s["id"] for s in _load(factory, map_id).stages] == list(reversed(ids))
    with pytest.raises(j.JourneyError, match="map changed"), unit_of_work(factory) as s:
        j.reorder(s, map_id, "stage", ids[:-1], ANA)
    with unit_of_work(factory) as s:
        j.undo(s, map_id, ANA)
        j.undo(s, map_id, ANA)
    assert [s["id"] for s in _load(factory, map_id).stages] == ids


def test_bulk_save_adds_updates_deletes_as_one_undo(factory, map_id):
    m = _load(factory, map_id)
    rows = [dict(r) for r in m.of("touchpoint")]
    rows[0]["owner_team"] = "Bulk team"
    removed = rows.pop()
    rows.append({"name": "Bulk new", "channel": "chat", "stage_id": m.stages[0]["id"]})
    with unit_of_work(factory) as s:
        changed = j.save_kind(s, map_id, "touchpoint", rows, ANA, loaded=m.of("touchpoint"))
    assert changed == 3
    after = _load(factory, map_id)
    assert after.find("touchpoint", rows[0]["id"])["owner_team"] == "Bulk team"
    assert after.find("touchpoint", removed["id"]) is None
    assert any(t["name"] == "Bulk new" for t in after.of("touchpoint"))
    with unit_of_work(factory) as s:
        j.undo(s, map_id, ANA)
    undone = _load(factory, map_id)
    first = undone.find("touchpoint", rows[0]["id"])
    assert first["owner_team"] == m.of("touchpoint")[0]["owner_team"]
    assert undone.find("touchpoint", removed["id"])["name"] == removed["name"]
    names = [t["name"] for t in _load(factory, map_id).of("touchpoint")]
    assert names == [t["name"] for t in m.of("touchpoint")]


def test_bulk_save_checks_every_row_first(factory, map_id):
    m = _load(factory, map_id)
    rows = [dict(r) for r in m.of("stage")]
    rows[0]["day_end"] = -1
    with pytest.raises(j.JourneyError, match="Stages, row 1"), unit_of_work(factory) as s:
        j.save_kind(s, map_id, "stage", rows, ANA, loaded=m.of("stage"))
    rows = [dict(r) for r in m.of("stage")]
    rows[2]["name"] = rows[0]["name"].upper()
    with (
        pytest.raises(j.JourneyError, match="row 3: the name repeats row 1"),
        unit_of_work(factory) as s,
    ):
        j.save_kind(s, map_id, "stage", rows, ANA, loaded=m.of("stage"))
    assert _load(factory, map_id).elements == m.elements


def test_bulk_save_with_a_stale_row_conflicts(factory, map_id):
    m = _load(factory, map_id)
    stage = m.stages[1]
    with unit_of_work(factory) as s:
        j.edit_element(s, map_id, "stage", stage["id"], {"goal": "Theirs"}, 1, ANA)
    rows = [dict(r) for r in m.of("stage")]
    rows[1]["goal"] = "Mine"
    with pytest.raises(j.TableConflictError) as err, unit_of_work(factory) as s:
        j.save_kind(s, map_id, "stage", rows, BEN, loaded=m.of("stage"))
    (row,) = err.value.rows
    assert (row.id, row.mine["goal"], row.theirs["goal"]) == (stage["id"], "Mine", "Theirs")
    assert "Nothing was saved" in str(err.value)


def test_snapshots_restore_and_undo_restore(factory, map_id):
    original = _load(factory, map_id)
    with unit_of_work(factory) as s:
        snap = j.take_snapshot(s, map_id, "Before the workshop", ANA)
    with unit_of_work(factory) as s:
        j.delete_element(s, map_id, "stage", original.stages[0]["id"], ANA)
        j.add_element(s, map_id, "risk", {"name": "Late addition"}, ANA)
    changed = _load(factory, map_id)
    with unit_of_work(factory) as s:
        assert [x.label for x in j.list_snapshots(s, map_id)] == ["Before the workshop"]
        assert len(j.snapshot_elements(s, map_id, snap.id)["stage"]) == len(original.stages)
        j.restore_snapshot(s, map_id, snap.id, BEN)
    restored = _load(factory, map_id)
    strip = lambda els: {k: [{**e, "version": 0} for e in v] for k, v in els.items()}  # noqa: E731
    assert strip(restored.elements) == strip(original.elements)
    with unit_of_work(factory) as s:
        assert j.list_changes(s, map_id)[0].action == "restore"
        j.undo(s, map_id, ANA)
    assert strip(_load(factory, map_id).elements) == strip(changed.elements)


def test_lock_stops_participants_but_not_the_facilitator(factory, map_id):
    from core.journey import workshop

    with unit_of_work(factory) as s:
        workshop.set_locked(s, map_id, ANA, locked=True)
    with pytest.raises(j.LockedError), unit_of_work(factory) as s:
        j.add_element(s, map_id, "risk", {"name": "From Ben"}, BEN)
    with unit_of_work(factory) as s:
        j.add_element(s, map_id, "risk", {"name": "From Ana"}, ANA)
    with pytest.raises(j.JourneyError, match="Only the facilitator"), unit_of_work(factory) as s:
        workshop.set_locked(s, map_id, BEN, locked=False)


def test_map_settings_rename_duplicate_delete(factory, ws_id, map_id):
    with unit_of_work(factory) as s:
        info = j.update_map(
            s,
            map_id,
            {"name": "Mid-Market journey", "segment": "Mid-Market"},
            {"name": "Six-stage onboarding", "segment": None},
            ANA,
        )
    assert info.segment == "Mid-Market"
    with pytest.raises(j.ConflictError) as err, unit_of_work(factory) as s:
        j.update_map(s, map_id, {"name": "Other"}, {"name": "Six-stage onboarding"}, BEN)
    assert err.value.theirs == {"name": "Mid-Market journey"}
    with unit_of_work(factory) as s:
        copy = j.duplicate_map(s, map_id, "Mid-Market ideal", ANA, state="ideal")
        j.undo(s, map_id, ANA)
        assert j.load(s, map_id).info.name == "Six-stage onboarding"
    with pytest.raises(j.JourneyError, match="already exists"), unit_of_work(factory) as s:
        j.duplicate_map(s, map_id, "mid-market IDEAL", ANA)
    with unit_of_work(factory) as s:
        c = j.load(s, copy.id)
        assert c.info.state == "ideal"
        assert len(c.stages) == 6
        j.delete_map(s, copy.id, ANA)
        assert [m.id for m in j.list_maps(s, ws_id)] == [map_id]


def test_bulk_deleting_a_stage_is_undone_with_its_elements(factory, map_id):
    m = _load(factory, map_id)
    setup = _stage(m, "Setup")
    placed = [t["id"] for t in m.children("touchpoint", setup["id"])]
    rows = [dict(r) for r in m.of("stage") if r["id"] != setup["id"]]
    with unit_of_work(factory) as s:
        assert j.save_kind(s, map_id, "stage", rows, ANA, loaded=m.of("stage")) == 1
    assert all(_load(factory, map_id).find("touchpoint", i)["stage_id"] is None for i in placed)
    with unit_of_work(factory) as s:
        j.undo(s, map_id, ANA)
    back = _load(factory, map_id)
    assert [x["name"] for x in back.stages] == [x["name"] for x in m.stages]
    assert all(back.find("touchpoint", i)["stage_id"] == setup["id"] for i in placed)


def test_two_undos_at_once_take_back_one_change(factory, map_id, backend):
    with unit_of_work(factory) as s:
        j.add_element(s, map_id, "risk", {"name": "Only once"}, ANA)
    first, second = factory(), factory()
    try:
        if backend == "sqlite":  # transactions cannot overlap there (see the test above)
            with first.begin():
                j.next_undo(first, map_id)
            with second.begin():
                j.next_undo(second, map_id)
            with first.begin():
                j.undo(first, map_id, ANA)
        else:
            with first.begin():
                j.next_undo(first, map_id)
                with second.begin():
                    j.next_undo(second, map_id)
                j.undo(first, map_id, ANA)
        with pytest.raises(j.JourneyError, match="just undone|nothing to undo"), second.begin():
            j.undo(second, map_id, BEN)
    finally:
        first.close()
        second.close()
    with unit_of_work(factory) as s:
        assert [c.action for c in j.list_changes(s, map_id)].count("undo") == 1
