"""Who may change or read a workspace's data, score settings, risk states and saved mappings
(issue 12), on SQLite and PostgreSQL: each refusal is core's (PermissionDenied), whatever a
page draws, and leaves everything as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.access.guard import bind
from core.access.identity import Access, PermissionDenied, Role
from core.at_risk import risk_states
from core.at_risk.account_detail import milestone_targets, ranked_maps
from core.at_risk.listing import risk_plays
from core.data import store
from core.data.importing import import_apart, import_files, import_preset_apart
from core.data.presets import get_preset
from core.data.presets.convert import run_preset
from core.data.presets.guess import as_mapping, guess_mapping
from core.data.presets.saved import delete_mapping, get_mapping, list_mappings, save_mapping
from core.data.presets.sources import sample
from core.data.readers import SourceFile
from core.db.engine import unit_of_work
from core.model.plan import Bands, MeasurementPlan
from core.workspace import plan_versions as pv
from core.workspace.effective_plan import effective_plan, version_plan
from core.workspace.workspaces import create_workspace
from tests.support.sample_files import SEGMENTS, csv, good_sources

FIXTURES = Path(__file__).parents[1] / "fixtures" / "presets"
ACCOUNT = "A-1"


@dataclass(frozen=True)
class Setup:
    a: int
    b: int
    first_import: int
    second_import: int
    mapping_id: int


@pytest.fixture
def setup(factory: sessionmaker[Session]) -> Setup:
    """Workspace A with two imports (the second active), a second plan version, a risk call
    and a saved mapping; workspace B beside it. Made by the system."""
    with unit_of_work(factory) as s:
        a = create_workspace(s, "Alpha").id
        b = create_workspace(s, "Beta").id
    with unit_of_work(factory) as s:
        first = import_files(s, a, good_sources(), SEGMENTS).id
    with unit_of_work(factory) as s:
        second = import_files(s, a, good_sources(), SEGMENTS).id
    with unit_of_work(factory) as s:
        owner = Access(a, "Alpha", Role.OWNER, "Dana")
        pv.save_settings(s, owner, _harsher(), base_version=1, note="Harsher")
        risk_states.set_risk_state(
            s, a, ACCOUNT, "plan_in_place", "QBR booked", "Dana", base_version=None
        )
        mapping = save_mapping(s, a, "Monthly", "segment", {"group_id": "groupId"})
    return Setup(a, b, first, second, mapping.id)


def _harsher() -> MeasurementPlan:
    plan = MeasurementPlan()
    return replace(plan, bands=Bands(20, 55, 75), window_days=21)


def _person(ws: int, role: Role, name: str = "Vera Viewer") -> Access:
    key = name.split()[0].lower() + "@example.com"
    return Access(ws, "Alpha", role, name, person=key, visitor=key)


def viewer(ws: int) -> Access:
    return _person(ws, Role.VIEWER, "Vera Viewer")


def editor(ws: int) -> Access:
    return _person(ws, Role.EDITOR, "Eddie Editor")


def as_(factory: sessionmaker[Session], access: Access) -> Callable[[], Any]:
    """A unit of work acting as `access` (what ui.state.transaction gives a page)."""

    @contextmanager
    def opened() -> Iterator[Session]:
        with unit_of_work(factory) as s:
            bind(s, access)
            yield s

    return opened


def snapshot(factory: sessionmaker[Session], ws: int) -> dict[str, object]:
    """Everything these use cases could change, read by the system."""
    with unit_of_work(factory) as s:
        active = store.active_info(s, ws)
        return {
            "active": active.id if active else None,
            "history": [v.id for v in store.history(s, ws)],
            "versions": [(v.number, v.saved_by, v.note) for v in pv.list_versions(s, ws)],
            "plan": effective_plan(s, ws),
            "risks": [
                (r.account_id, r.state, r.note, r.updated_by, r.version)
                for r in risk_states.list_risk_states(s, ws)
            ],
            "mappings": [(m.id, m.name, m.fields) for m in list_mappings(s, ws)],
        }


def refused(factory: sessionmaker[Session], access: Access, action: Callable[[Session], object]):
    with pytest.raises(PermissionDenied):
        with as_(factory, access)() as s:
            action(s)


def _bad_sources() -> list[SourceFile]:
    """Files that fail validation: a refusal must come before any checking."""
    return [csv("accounts.csv", "accounts", "not,the,right,columns\n1,2,3,4\n")]


def _preset_result():
    source = SourceFile("segment-export.jsonl", "events", FIXTURES / "segment-export.jsonl")
    preset = get_preset("segment")
    mapping = as_mapping(guess_mapping(preset, sample(source)))
    return preset, run_preset(preset, [source], mapping)


def changes_refused(factory: sessionmaker[Session], setup: Setup, who: Access) -> None:
    """Import, switch version, plan settings and saved mappings: all refused to `who`."""
    a = setup.a
    refused(factory, who, lambda s: import_files(s, a, good_sources(), SEGMENTS))
    refused(factory, who, lambda s: store.save_dataset(s, a, _loaded(factory, setup), "again"))
    refused(factory, who, lambda s: store.activate_version(s, a, setup.first_import))
    with pytest.raises(PermissionDenied):
        import_apart(as_(factory, who), a, _bad_sources(), SEGMENTS)
    with pytest.raises(PermissionDenied):
        import_apart(as_(factory, who), a, good_sources(), SEGMENTS)
    preset, result = _preset_result()
    with pytest.raises(PermissionDenied):
        import_preset_apart(as_(factory, who), a, preset, result, None, SEGMENTS)
    here = replace(who, workspace_id=a)  # the plan of A, whoever is bound
    refused(factory, who, lambda s: pv.save_settings(s, here, MeasurementPlan(), base_version=2))
    refused(factory, who, lambda s: pv.save_plan_file(s, here, MeasurementPlan(), base_version=2))
    refused(factory, who, lambda s: pv.restore_version(s, here, 1, base_version=2))
    refused(factory, who, lambda s: save_mapping(s, a, "Mine", "segment", {}))
    refused(factory, who, lambda s: save_mapping(s, a, "Monthly", "segment", {}))
    refused(factory, who, lambda s: delete_mapping(s, a, setup.mapping_id))


def _loaded(factory: sessionmaker[Session], setup: Setup):
    with unit_of_work(factory) as s:
        return store.load_dataset(s, setup.second_import)


def test_a_viewer_changes_nothing(factory, setup):
    before = snapshot(factory, setup.a)
    who = viewer(setup.a)
    changes_refused(factory, setup, who)
    refused(
        factory,
        who,
        lambda s: risk_states.set_risk_state(s, setup.a, ACCOUNT, "saved", base_version=1),
    )
    refused(
        factory,
        who,
        lambda s: risk_states.set_risk_state(s, setup.a, "A-2", "lost", base_version=None),
    )
    refused(
        factory, who, lambda s: risk_states.clear_risk_state(s, setup.a, ACCOUNT, base_version=1)
    )
    assert snapshot(factory, setup.a) == before


def test_a_viewer_reads_everything_of_their_workspace(factory, setup):
    with as_(factory, viewer(setup.a))() as s:
        assert store.active_info(s, setup.a).id == setup.second_import  # type: ignore[union-attr]
        assert [v.id for v in store.history(s, setup.a)] == [
            setup.second_import,
            setup.first_import,
        ]
        assert not store.load_dataset(s, setup.second_import).is_empty
        assert [v.number for v in pv.list_versions(s, setup.a)] == [2, 1]
        assert pv.current_version(s, setup.a).number == 2  # type: ignore[union-attr]
        assert effective_plan(s, setup.a).bands == Bands(20, 55, 75)
        assert version_plan(s, setup.a, 1).bands == MeasurementPlan().bands
        call = risk_states.get_risk_state(s, setup.a, ACCOUNT)
        assert call is not None
        assert call.state == "plan_in_place"
        assert len(risk_states.list_risk_states(s, setup.a)) == 1
        assert [m.name for m in list_mappings(s, setup.a)] == ["Monthly"]
        assert get_mapping(s, setup.a, setup.mapping_id).fields == {"group_id": "groupId"}
        assert ranked_maps(s, setup.a) == []
        assert milestone_targets(s, setup.a, None) == {}
        assert risk_plays(s, setup.a).is_empty()


def test_an_editor_sets_and_clears_risk_states_under_their_own_name(factory, setup):
    who = editor(setup.a)
    with as_(factory, who)() as s:
        saved = risk_states.set_risk_state(
            s, setup.a, ACCOUNT, "saved", "Renewed", updated_by="Typed Name", base_version=1
        )
        first = risk_states.set_risk_state(s, setup.a, "A-2", "lost", base_version=None)
    assert (saved.state, saved.note, saved.updated_by, saved.version) == (
        "saved",
        "Renewed",
        "Eddie Editor",
        2,
    )
    assert first.updated_by == "Eddie Editor"
    with as_(factory, who)() as s:
        risk_states.clear_risk_state(s, setup.a, "A-2", base_version=first.version)
    with unit_of_work(factory) as s:
        stored = [
            (r.account_id, r.state, r.updated_by) for r in risk_states.list_risk_states(s, setup.a)
        ]
    assert stored == [(ACCOUNT, "saved", "Eddie Editor")]


def test_an_editor_cannot_import_or_change_the_score_settings(factory, setup):
    before = snapshot(factory, setup.a)
    changes_refused(factory, setup, editor(setup.a))
    assert snapshot(factory, setup.a) == before


def test_an_owner_may_do_all_of_it_and_saves_under_their_own_name(factory, setup):
    """The same calls pass for an owner: the refusals above are the role's, not the calls'."""
    who = _person(setup.a, Role.OWNER, "Olga Owner")
    with as_(factory, who)() as s:
        store.activate_version(s, setup.a, setup.first_import)
        saved = pv.save_settings(s, replace(who, actor="Typed"), MeasurementPlan(), base_version=2)
        save_mapping(s, setup.a, "Mine", "segment", {})
        delete_mapping(s, setup.a, setup.mapping_id)
    assert saved.saved_by == "Olga Owner"
    info = import_apart(as_(factory, who), setup.a, good_sources(), SEGMENTS)
    assert info.imported_by == "Olga Owner"
    after = snapshot(factory, setup.a)
    assert after["active"] == info.id
    with unit_of_work(factory) as s:
        kept = {v.id: v.imported_by for v in store.history(s, setup.a)}
    assert kept[info.id] == "Olga Owner"
    assert kept[setup.second_import] == "Waypoint"  # the system's import in the set-up
    assert [m[1] for m in after["mappings"]] == ["Mine"]  # type: ignore[index]


def test_a_member_of_another_workspace_reads_and_changes_nothing_here(factory, setup):
    before = snapshot(factory, setup.a)
    owner_of_b = Access(setup.b, "Beta", Role.OWNER, "Bob", person="bob@example.com")
    a = setup.a
    for read in (
        lambda s: store.active_info(s, a),
        lambda s: store.history(s, a),
        lambda s: store.load_dataset(s, setup.second_import),
        lambda s: risk_states.list_risk_states(s, a),
        lambda s: risk_states.get_risk_state(s, a, ACCOUNT),
        lambda s: list_mappings(s, a),
        lambda s: get_mapping(s, a, setup.mapping_id),
        lambda s: pv.list_versions(s, a),
        lambda s: pv.version_content(s, a),
        lambda s: effective_plan(s, a),
        lambda s: risk_plays(s, a),
        lambda s: milestone_targets(s, a, None),
    ):
        refused(factory, owner_of_b, read)
    changes_refused(factory, setup, owner_of_b)
    refused(
        factory,
        owner_of_b,
        lambda s: risk_states.set_risk_state(s, a, ACCOUNT, "lost", base_version=1),
    )
    refused(
        factory, owner_of_b, lambda s: risk_states.clear_risk_state(s, a, ACCOUNT, base_version=1)
    )
    assert snapshot(factory, setup.a) == before


def test_a_guest_of_a_map_reaches_no_workspace_data(factory, setup):
    """A guest's link names one map; the workspace's data, calls and settings are outside it."""
    guest = Access(setup.a, "Alpha", Role.GUEST_VIEWER, "Guest", person="guest:1", map_id=99)
    refused(factory, guest, lambda s: store.active_info(s, setup.a))
    refused(factory, guest, lambda s: risk_states.list_risk_states(s, setup.a))
    refused(factory, guest, lambda s: list_mappings(s, setup.a))


def test_a_session_nobody_acts_for_is_refused(factory, setup):
    engine = factory.kw["bind"]
    for action in (
        lambda s: store.active_info(s, setup.a),
        lambda s: store.load_dataset(s, setup.second_import),
        lambda s: risk_states.list_risk_states(s, setup.a),
        lambda s: pv.list_versions(s, setup.a),
    ):
        with Session(engine) as s, pytest.raises(PermissionDenied):
            action(s)
