"""Journey maps beyond editing, on SQLite and PostgreSQL: export/import, completeness,
comparison, the measurement plan from maps, workshop tools and what the views draw."""

from __future__ import annotations

import html
import json
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core import journey as j
from core.access.guard import bind
from core.access.identity import Access, Role
from core.db.engine import unit_of_work
from core.journey import views, workshop
from core.journey.completeness import PARTS
from core.model.plan import MeasurementPlan
from core.workspace.workspaces import create_workspace

ANA = j.Actor("Ana")
BEN = j.Actor("Ben", facilitator=False)
HOSTILE = ["<img src=x onerror=window.__xss=1>", "<script>window.__xss=1</script>", "=1+2|x"]


@pytest.fixture
def ws_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return create_workspace(s, "Workshop").id


@pytest.fixture
def map_id(factory: sessionmaker[Session], ws_id: int) -> int:
    with unit_of_work(factory) as s:
        return j.create_map(s, ws_id, "six_stage", ANA, segment="SMB").id


def _load(factory, map_id) -> j.MapContent:
    with unit_of_work(factory) as s:
        return j.load(s, map_id)


def _add_hostile(factory, map_id) -> None:
    """A label with script in every text field of every kind."""
    m = _load(factory, map_id)
    stage_id = m.stages[0]["id"]
    with unit_of_work(factory) as s:
        for n, payload in enumerate(HOSTILE):
            j.add_element(
                s,
                map_id,
                "stage",
                {"name": f"{payload} {n}", "goal": payload, "exit_criteria": payload},
                ANA,
            )
            j.add_element(
                s,
                map_id,
                "touchpoint",
                {
                    "name": f"{payload} t",
                    "stage_id": stage_id,
                    "owner_team": payload,
                    "pain_point": payload,
                    "content": payload,
                    "sla_hours": 1.5,
                },
                ANA,
            )
            j.add_element(
                s,
                map_id,
                "milestone",
                {"name": f"{payload} m", "event": payload, "stage_id": stage_id},
                ANA,
            )
            j.add_element(
                s,
                map_id,
                "risk",
                {
                    "name": f"{payload} r",
                    "trigger": payload,
                    "owner": payload,
                    "stage_id": stage_id,
                },
                ANA,
            )
            j.add_element(
                s, map_id, "opportunity", {"title": f"{payload} o", "measure": payload}, ANA
            )


def _without_name(doc: dict) -> dict:
    return {**doc, "map": {**doc["map"], "name": ""}}


@pytest.mark.parametrize("fmt", ["json", "excel"])
def test_export_then_import_gives_an_identical_map(factory, ws_id, map_id, fmt):
    _add_hostile(factory, map_id)
    with unit_of_work(factory) as s:
        j.add_element(
            s,
            map_id,
            "opportunity",
            {"title": "Dated", "target_date": "2026-12-01", "value": 5},
            ANA,
        )
    original = _load(factory, map_id)
    data = j.to_json(original) if fmt == "json" else j.to_excel(original)
    doc = j.from_json(data) if fmt == "json" else j.from_excel(data)
    with unit_of_work(factory) as s:
        info, warnings = j.build_map(s, ws_id, doc, ANA, name="Imported")
        copy = j.load(s, info.id)
    assert warnings == []
    assert _without_name(j.to_document(copy)) == _without_name(j.to_document(original))


def test_import_refuses_bad_files_and_creates_nothing(factory, ws_id, map_id):
    good = json.loads(j.to_json(_load(factory, map_id)))
    newer = {**good, "schema_version": j.SCHEMA_VERSION + 1}
    bad_stage = {**good, "touchpoints": [{**good["touchpoints"][0], "stage": "Nowhere"}]}
    bad_value = {**good, "touchpoints": [{**good["touchpoints"][0], "emotion": 7}]}
    cases = [
        (b"not json", "not valid JSON"),
        (json.dumps({"hello": 1}), "not a Waypoint journey map"),
        (json.dumps(newer), "schema version 2"),
        (json.dumps(bad_stage), "Touchpoints, row 1: stage “Nowhere”"),
        (json.dumps(bad_value), "Touchpoints, row 1: Emotion must be between"),
    ]
    for data, message in cases:
        with pytest.raises(j.JourneyError, match=message), unit_of_work(factory) as s:
            j.build_map(s, ws_id, j.from_json(data), ANA, name="X")
    with unit_of_work(factory) as s:
        assert len(j.list_maps(s, ws_id)) == 1
    with pytest.raises(j.JourneyError, match="Excel"):
        j.from_excel(b"PK not a workbook")


def test_import_with_unknown_segment_warns(factory, ws_id, map_id):
    doc = json.loads(j.to_json(_load(factory, map_id)))
    doc["map"]["segment"] = "Public sector"
    with unit_of_work(factory) as s:
        info, warnings = j.build_map(s, ws_id, doc, ANA, name="Other")
    assert info.segment is None
    assert "Public sector" in warnings[0]


def test_excel_keeps_formula_like_text_as_text(factory, map_id):
    _add_hostile(factory, map_id)
    doc = j.from_excel(j.to_excel(_load(factory, map_id)))
    assert any(t["owner_team"] == "=1+2|x" for t in doc["touchpoints"])


def test_markdown_shows_html_as_text(factory, map_id):
    _add_hostile(factory, map_id)
    text = j.to_markdown(_load(factory, map_id))
    assert "<script" not in text
    assert "<img" not in text
    assert "&lt;script&gt;" in text
    assert "## Kickoff (days 1-14)" in text


def test_completeness_scores_and_names_gaps(factory, ws_id, map_id):
    m = _load(factory, map_id)
    result = j.completeness(m)
    assert 80 <= result.score <= 100
    assert set(result.parts) == set(PARTS)
    with unit_of_work(factory) as s:
        setup = next(x for x in m.stages if x["name"] == "Setup")
        j.edit_element(s, map_id, "stage", setup["id"], {"exit_criteria": ""}, 1, ANA)
        worse = j.completeness(j.load(s, map_id))
    assert worse.score < result.score
    assert "Stage Setup has no exit criteria." in [g.gap for g in worse.gaps]
    with unit_of_work(factory) as s:
        blank = j.completeness(j.load(s, j.create_map(s, ws_id, "blank", ANA).id))
    assert blank.score <= 10
    assert "The map has no signals or triggers." in [g.gap for g in blank.gaps]


def test_compare_lists_added_removed_changed(factory, map_id):
    with unit_of_work(factory) as s:
        ideal = j.duplicate_map(s, map_id, "Ideal", ANA, state="ideal")
        m = j.load(s, ideal.id)
        tp = m.of("touchpoint")[0]
        j.edit_element(s, ideal.id, "touchpoint", tp["id"], {"emotion": 2, "sla_hours": 4}, 1, ANA)
        j.delete_element(s, ideal.id, "risk", m.of("risk")[0]["id"], ANA)
        j.add_element(s, ideal.id, "signal", {"name": "Champion left"}, ANA)
        diff = j.compare(j.load(s, map_id), j.load(s, ideal.id))
    by_status = {(d.kind, d.name): d for d in diff}
    assert by_status[("signal", "Champion left")].status == "added"
    assert by_status[("risk", m.of("risk")[0]["name"])].status == "removed"
    changed = by_status[("touchpoint", tp["name"])]
    assert changed.status == "changed"
    assert ("emotion", tp["emotion"], 2) in changed.changes
    assert len(diff) == 3


def test_measurement_plan_comes_from_the_maps(factory, ws_id, map_id):
    with unit_of_work(factory) as s:
        j.create_map(s, ws_id, "product_led", ANA)
        j.create_map(s, ws_id, "five_phase", ANA, segment="SMB", state="ideal")
        found = j.journey_events(s, ws_id)
    assert set(found) == {None, "SMB"}
    smb = found["SMB"]
    assert smb.map_id == map_id  # the current state wins over the ideal one
    assert smb.milestone_events == (
        "kickoff_completed",
        "integration_connected",
        "data_imported",
        "users_trained",
        "first_workflow_live",
        "qbr_completed",
    )
    assert smb.first_value_events == ("first_workflow_live",)
    assert found[None].activation_events == (
        "login",
        "integration_connected",
        "user_invited",
        "first_workflow_live",
    )
    plan = j.apply_journey_events(MeasurementPlan(), found)
    assert plan.events.milestone_events[-1] == "automation_run"
    assert plan.segment_events("SMB").activation_events == (
        "integration_connected",
        "first_workflow_live",
    )
    assert plan.segment_events("Enterprise").milestone_events == plan.events.milestone_events


def test_milestone_order_follows_stage_order(factory, map_id):
    m = _load(factory, map_id)
    ids = [s["id"] for s in m.stages]
    kickoff, setup = ids[1], ids[2]
    with unit_of_work(factory) as s:
        j.reorder(s, map_id, "stage", [ids[0], setup, kickoff, *ids[3:]], ANA)
        events = j.map_events(j.load(s, map_id)).milestone_events
    assert events[:3] == ("integration_connected", "data_imported", "kickoff_completed")


def _voter(ws_id: int, key: str) -> Access:
    """A member whose dots count as `key` (a dot is counted against who acts)."""
    return Access(ws_id, "Workshop", Role.EDITOR, key, person=key)


def test_workshop_notes_votes_and_conversion(factory, ws_id, map_id):
    m = _load(factory, map_id)
    setup = m.stages[2]["id"]
    with unit_of_work(factory) as s:
        note = workshop.add_note(s, map_id, setup, "pain", "Waiting on IT for access", BEN)
        other = workshop.add_note(s, map_id, setup, "idea", "Sandbox on day 1", BEN)
    with unit_of_work(factory) as s:
        bind(s, _voter(ws_id, "voter-a"))
        assert workshop.toggle_vote(s, map_id, other)
        assert workshop.toggle_vote(s, map_id, note)
        assert not workshop.toggle_vote(s, map_id, note)  # second click takes it back
    with unit_of_work(factory) as s:
        bind(s, _voter(ws_id, "voter-b"))
        assert workshop.toggle_vote(s, map_id, other)
    with unit_of_work(factory) as s:
        bind(s, _voter(ws_id, "voter-a"))
        notes = workshop.list_notes(s, map_id)
    assert [(n.id, n.votes, n.mine) for n in notes] == [(other, 2, True), (note, 0, False)]
    with pytest.raises(j.JourneyError, match="Only the facilitator"), unit_of_work(factory) as s:
        workshop.convert_note(s, map_id, note, "touchpoint", BEN)
    with unit_of_work(factory) as s:
        element = workshop.convert_note(s, map_id, note, "touchpoint", ANA)
    assert element["pain_point"] == "Waiting on IT for access"
    assert element["evidence"] == "proposed"
    assert element["stage_id"] == setup
    with pytest.raises(j.JourneyError, match="already on the map"), unit_of_work(factory) as s:
        workshop.convert_note(s, map_id, note, "risk", ANA)
    with pytest.raises(j.JourneyError, match="Write something"), unit_of_work(factory) as s:
        workshop.add_note(s, map_id, None, "idea", "   ", BEN)


def test_workshop_timer_and_presenting(factory, map_id):
    m = _load(factory, map_id)
    with unit_of_work(factory) as s:
        before = j.map_revision(s, map_id)
        workshop.present_stage(s, map_id, m.stages[3]["id"], ANA)
        workshop.start_timer(s, map_id, 15, ANA)
        assert j.map_revision(s, map_id) > before
    info = _load(factory, map_id).info
    assert info.presenting_stage_id == m.stages[3]["id"]
    left = workshop.timer_left(info.timer_started_at, 15, info.timer_started_at)
    assert left == 900
    assert (
        workshop.timer_left(info.timer_started_at, 15, info.timer_started_at + timedelta(hours=1))
        == 0
    )
    with pytest.raises(j.JourneyError, match="between 1 and"), unit_of_work(factory) as s:
        workshop.start_timer(s, map_id, 0, ANA)


def test_graph_positions_are_fixed_and_tooltips_escaped(factory, map_id):
    _add_hostile(factory, map_id)
    m = _load(factory, map_id)
    g1, g2 = views.graph(m), views.graph(_load(factory, map_id))
    assert [(n.id, n.x, n.y) for n in g1.nodes] == [(n.id, n.x, n.y) for n in g2.nodes]
    stages = [n for n in g1.nodes if n.kind == "stage"]
    # left to right, band by band (stages that do not fit the screen's width go on below)
    assert [(n.y, n.x) for n in stages] == sorted((n.y, n.x) for n in stages)
    assert len({n.x for n in stages}) == min(len(stages), g1.width // g1.column_width)
    for node in g1.nodes:
        assert not set("<>&") & set(node.title)
    assert any("＜img src=x onerror=window.__xss=1＞" in n.title for n in g1.nodes)
    assert views.parse_node_id(stages[1].id) == ("stage", stages[1].element_id)
    assert views.parse_node_id("nonsense") is None


def test_graph_filters_by_role_and_channel(factory, map_id):
    m = _load(factory, map_id)
    only_calls = views.graph(m, channels={"call"})
    kinds = {n.kind for n in only_calls.nodes}
    touch = [n for n in only_calls.nodes if n.kind == "touchpoint"]
    assert touch
    assert all(m.find("touchpoint", n.element_id)["channel"] == "call" for n in touch)
    assert "milestone" in kinds
    admins = views.graph(m, roles={"admin"})
    for n in admins.nodes:
        if n.kind != "stage":
            kind = n.kind
            assert m.find(kind, n.element_id)["role"] in ("", "admin")


def test_grid_html_escapes_every_value(factory, map_id):
    _add_hostile(factory, map_id)
    g = views.grid(_load(factory, map_id))
    out = views.grid_html(g)
    assert "<script" not in out
    assert "<img" not in out
    assert html.escape("<script>window.__xss=1</script>") in out
    assert g.rows[0] == "Days"
    assert "Exit criteria" in g.rows
    svg = views.grid_svg(g, "<b>title</b>")
    assert "<script" not in svg
    assert "&lt;b&gt;" in svg
    assert g.to_frame().height == len(views.GRID_ROWS)


def test_chart_frames(factory, map_id):
    m = _load(factory, map_id)
    timeline = views.timeline_frame(m)
    assert timeline["stage"].to_list()[:2] == ["Contract", "Kickoff"]
    emotion = views.emotion_frame(m)
    assert set(emotion.columns) >= {"stage", "role", "emotion", "state"}
    assert emotion["emotion"].is_between(-2, 2).all()


def test_overlay_uses_the_engine_funnel(factory, map_id):
    from core.engine import funnel
    from core.journey.overlay import overlay
    from core.workspace.demo_workspace import demo_dataset

    data = demo_dataset(120, seed=3)
    m = _load(factory, map_id)
    plan = MeasurementPlan()
    result = overlay(m, data, plan)
    expected = funnel(data, plan, segment="SMB")  # same six events, same order as the map
    first_value = next(e for e in m.of("milestone") if e["is_first_value"])
    reach = result.milestones[first_value["id"]]
    row = expected.filter(expected["event"] == "first_workflow_live").row(0, named=True)
    assert reach.reached == row["reached"]
    assert reach.share == row["overall_conversion"]
    assert result.stages[first_value["stage_id"]] == reach
    labels = [n.label for n in views.graph(m, reach=result).nodes if n.kind == "milestone"]
    assert any("reached" in label for label in labels)


def test_bulk_editor_rows_round_trip(factory, map_id):
    from core.journey import tables

    with unit_of_work(factory) as s:
        j.add_element(
            s, map_id, "opportunity", {"title": "Dated", "target_date": "2026-12-01"}, ANA
        )
    m = _load(factory, map_id)
    for kind in (*j.MAP_KINDS, "opportunity"):
        rows = tables.editor_rows(m, kind)
        assert list(rows[0]) == tables.editor_columns(kind)
        with unit_of_work(factory) as s:
            edited = tables.from_editor(m, kind, rows)
            assert j.save_kind(s, map_id, kind, edited, ANA, loaded=m.of(kind)) == 0
    rows = tables.editor_rows(m, "touchpoint")
    rows[1]["stage"] = "Nowhere"
    with pytest.raises(j.JourneyError, match="Touchpoints, row 2: stage “Nowhere”"):
        tables.from_editor(m, "touchpoint", rows)
    rows[1]["stage"] = "setup"  # names match whatever the case
    assert tables.from_editor(m, "touchpoint", rows)[1]["stage_id"] == m.stages[2]["id"]
