"""Evidence cross-check, roadmap ranking and exports, on hand-built maps and answers."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.assessment import (
    CAPABILITY_KEYS,
    AnswerInput,
    AnswerRow,
    JourneyCheck,
    KpiCheck,
    KpiReading,
    answers_csv,
    build_report,
    cross_check,
    journey_evidence,
    kpi_evidence,
    kpi_status,
    markdown_report,
    open_round,
    reveal_round,
    roadmap,
    round_results,
    save_answers,
)
from core.assessment.rounds import join_round
from core.charts.assessment import current_target_chart, heatmap_chart, trend_chart
from core.charts.export import chart_png
from core.data.demo import generate
from core.db.engine import unit_of_work
from core.db.models import JourneyMap, Milestone, RiskPoint, SignalTrigger, Stage, Touchpoint
from core.engine.tables import FrameTables
from core.model.plan import MeasurementPlan
from core.workspace import workspaces


@pytest.fixture
def ws_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return workspaces.create_workspace(s, "Evidence").id


@pytest.fixture(scope="module")
def demo() -> FrameTables:
    return FrameTables(generate(150, seed=3, events_per_account=40))


def _rows(people: dict[str, dict[str, tuple[int, int]]]) -> list[AnswerRow]:
    return [
        AnswerRow(name, key, c, t, "")
        for name, levels in people.items()
        for key, (c, t) in levels.items()
    ]


def _kpi(key: str, *readings: tuple[float | None, float | None]) -> KpiCheck:
    rows = tuple(
        KpiReading(f"S{i}", v, t, True, kpi_status(v, t, higher_is_better=True))
        for i, (v, t) in enumerate(readings)
    )
    return KpiCheck(key, "kpi", rows)


def _no_kpis() -> dict[str, KpiCheck]:
    return {k: KpiCheck(k, "kpi", (), "No customer data") for k in CAPABILITY_KEYS}


def _no_maps() -> dict[str, JourneyCheck]:
    return {k: JourneyCheck(k, None, ("no map",)) for k in CAPABILITY_KEYS}


# ------------------------------------------------------------------ journey maps


def test_without_a_journey_map_the_maps_give_no_verdict(factory, ws_id):
    with unit_of_work(factory) as s:
        checks = journey_evidence(s, ws_id)
    assert set(checks) == set(CAPABILITY_KEYS)
    assert all(c.score is None and c.ceiling is None for c in checks.values())
    assert "No journey map" in checks["milestones"].facts[0]


def _build_map(factory: sessionmaker[Session], ws_id: int, name: str, state: str) -> int:
    with unit_of_work(factory) as s:
        jm = JourneyMap(workspace_id=ws_id, name=name, state=state)
        s.add(jm)
        s.flush()
        stages = [
            Stage(map_id=jm.id, name=n, exit_criteria=e, goal="g", day_start=1, day_end=9)
            for n, e in [("Kickoff", "kickoff_completed"), ("Setup", ""), ("Value", "fv")]
        ]
        s.add_all(stages)
        s.flush()
        s.add_all(
            [
                Milestone(
                    map_id=jm.id,
                    stage_id=stages[2].id,
                    name="Live",
                    event="first_workflow_live",
                    target_day=30,
                    is_first_value=True,
                    role="admin",
                ),
                Milestone(map_id=jm.id, name="Trained", event=""),
                Touchpoint(
                    map_id=jm.id,
                    stage_id=stages[0].id,
                    name="Kickoff call",
                    channel="call",
                    owner_team="CS",
                    sla_hours=24,
                    content="deck",
                ),
                Touchpoint(map_id=jm.id, name="Welcome", channel="email"),
                SignalTrigger(map_id=jm.id, name="No project", condition="24 h", play="email"),
                RiskPoint(map_id=jm.id, name="Stall", intervention="call", owner="CSM"),
            ]
        )
        return jm.id


def test_journey_evidence_uses_the_map_completeness_parts(factory, ws_id):
    from core.journey.completeness import completeness
    from core.journey.store import load

    map_id = _build_map(factory, ws_id, "Main", "current")
    with unit_of_work(factory) as s:
        parts = completeness(load(s, map_id)).parts
        checks = journey_evidence(s, ws_id)

    def mean(*names: str, extra: tuple[float, ...] = ()) -> float:
        values = [parts[n] for n in names] + list(extra)
        return round(sum(values) / len(values), 3)

    assert checks["milestones"].score == mean("Value milestones", "Stages & exit criteria")
    assert checks["touchpoints"].score == mean("Touchpoints by channel", "Owners & SLAs")
    assert checks["signals"].score == mean("Signals & triggers", "Scorecard metrics")
    assert checks["automation"].score == mean("Signals & triggers", "Risk points & rescue plays")
    # one of two touchpoints carries content
    assert checks["enablement"].score == mean("Segments & roles", extra=(0.5,))
    assert "50% of 2 touchpoints link enablement content" in checks["enablement"].facts
    # no ideal map, no recorded change, no second round
    assert checks["improvement"].score == 0.0
    for check in checks.values():
        assert check.ceiling == next(
            (lvl for bound, lvl in ((0.95, 5), (0.8, 4), (0.5, 3)) if check.score >= bound), 2
        )
    facts = checks["milestones"].facts
    assert facts[0].startswith("Value milestones: ")
    assert any(f.startswith("Main: ") for f in facts)  # the gaps name the map and element


def test_journey_evidence_averages_maps_and_sees_the_ideal_state(factory, ws_id):
    _build_map(factory, ws_id, "Now", "current")
    _build_map(factory, ws_id, "Future", "ideal")
    with unit_of_work(factory) as s:
        open_round(s, ws_id, "Q1")
        open_round(s, ws_id, "Q2")
        checks = journey_evidence(s, ws_id)
    # ideal map and two rounds, but no recorded change: 2 of 3
    assert checks["improvement"].score == round(2 / 3, 3)
    assert checks["improvement"].ceiling == 3
    assert "an ideal (future-state) map exists" in checks["improvement"].facts


# ------------------------------------------------------------------ KPIs


def test_kpi_status_rule():
    assert kpi_status(0.7, 0.7, higher_is_better=True) == "on target"
    assert kpi_status(0.64, 0.7, higher_is_better=True) == "near"
    assert kpi_status(0.62, 0.7, higher_is_better=True) == "off"
    assert kpi_status(30, 30, higher_is_better=False) == "on target"
    assert kpi_status(33, 30, higher_is_better=False) == "near"
    assert kpi_status(34, 30, higher_is_better=False) == "off"
    assert kpi_status(None, 30, higher_is_better=False) is None
    assert kpi_status(3, None, higher_is_better=False) is None


def test_without_data_the_kpis_say_so():
    checks = kpi_evidence(FrameTables({}), MeasurementPlan(), has_data=False)
    assert all(c.ceiling is None and not c.readings for c in checks.values())
    assert "No customer data is loaded" in checks["signals"].note


def test_kpis_from_the_engine_per_segment(demo):
    checks = kpi_evidence(demo, MeasurementPlan())
    for key in ("milestones", "touchpoints", "signals", "automation"):
        segments = [r.segment for r in checks[key].readings]
        assert segments == ["Enterprise", "Mid-Market", "SMB"], key
        assert all(r.target is not None for r in checks[key].readings)
    ttv = {r.segment: r.target for r in checks["milestones"].readings}
    assert ttv == {"Enterprise": 60.0, "Mid-Market": 30.0, "SMB": 14.0}
    velocity = {r.segment: r.target for r in checks["automation"].readings}
    assert velocity == {"Enterprise": 120.0, "Mid-Market": 60.0, "SMB": 30.0}
    assert all(r.target is None for r in checks["enablement"].readings)
    assert "no target" in checks["enablement"].note
    assert checks["enablement"].ceiling is None


def test_weakest_segment_sets_the_kpi_ceiling_and_shortfall():
    check = _kpi("signals", (0.8, 0.7), (0.65, 0.7), (0.35, 0.7))
    assert check.worst is not None
    assert check.worst.segment == "S2"
    assert (check.ceiling, check.shortfall) == (3, 0.5)
    assert _kpi("signals", (0.8, 0.7), (0.65, 0.7)).ceiling == 4
    assert _kpi("signals", (0.8, 0.7)).ceiling == 5
    assert _kpi("signals", (0.8, 0.7)).shortfall == 0.0
    assert _kpi("signals", (None, 0.7)).ceiling is None


# ------------------------------------------------------------------ cross-check and roadmap


def test_cross_check_flags_ratings_above_the_evidence():
    results = round_results(
        _rows(
            {
                "Ana": {
                    "milestones": (4, 5),
                    "touchpoints": (4, 4),
                    "signals": (3, 4),
                    "automation": (4, 4),
                },
                "Ben": {
                    "milestones": (4, 5),
                    "touchpoints": (3, 4),
                    "signals": (3, 4),
                    "automation": (4, 4),
                },
            }
        )
    )
    journey = _no_maps() | {
        "milestones": JourneyCheck("milestones", 0.6, ()),  # supports 3
        "touchpoints": JourneyCheck("touchpoints", 0.6, ()),  # supports 3
        "signals": JourneyCheck("signals", 1.0, ()),  # supports 5
    }
    kpis = _no_kpis() | {"signals": _kpi("signals", (0.5, 0.7))}  # off -> 3
    checks = {c.capability: c for c in cross_check(results, journey, kpis)}
    assert (checks["milestones"].ceiling, checks["milestones"].verdict) == (3, "▲ not supported")
    assert checks["touchpoints"].verdict == "△ above evidence"  # median 3.5 vs 3
    assert (checks["signals"].ceiling, checks["signals"].verdict) == (3, "✓ supported")
    assert checks["automation"].verdict == "? no evidence"
    assert checks["enablement"].verdict == "– not rated"
    assert [k for k, c in checks.items() if c.flagged] == ["milestones", "touchpoints"]


def test_roadmap_ranks_by_gap_then_kpi_shortfall_with_steps_and_owner():
    results = round_results(
        _rows(
            {
                "Ana": {
                    "milestones": (2, 3),  # gap 1
                    "touchpoints": (1, 3),  # gap 2
                    "signals": (2, 3),  # gap 1, KPI 50% off
                    "automation": (3, 4),  # gap 1, KPI 10% off
                    "enablement": (4, 4),  # gap 0
                }
            }
        )
    )
    kpis = _no_kpis() | {
        "signals": _kpi("signals", (0.35, 0.7)),
        "automation": _kpi("automation", (0.63, 0.7)),
    }
    journey = _no_maps() | {"automation": JourneyCheck("automation", 0.2, ())}  # supports 2
    items = roadmap(results, cross_check(results, journey, kpis))
    assert [i.capability for i in items] == [
        "touchpoints",
        "signals",
        "automation",
        "milestones",
        "enablement",
        "improvement",
    ]
    assert [i.rank for i in items] == [1, 2, 3, 4, 5, 6]
    first = items[0]
    assert (first.owner, first.from_level, first.gap) == ("CS Ops / RevOps", 1, 2.0)
    assert first.headline == "From 1 (Ad hoc) to 2 (Repeatable)"
    assert first.steps
    assert "hand-off checklist" in first.steps[0]
    automation = items[2]
    assert automation.from_level == 2  # rated 3, evidence supports 2: start from 2
    assert automation.kpi_shortfall == 0.1
    assert items[-1].from_level is None
    assert items[-1].headline == "Not rated in this round."


def test_top_level_has_no_further_steps():
    results = round_results(_rows({"Ana": {"milestones": (5, 5)}}))
    item = roadmap(results, cross_check(results, _no_maps(), _no_kpis()))[0]
    assert item.steps == ()
    assert "top level" in item.headline


# ------------------------------------------------------------------ exports


def test_csv_keeps_formulas_as_text():
    rows = [AnswerRow("=cmd|'/c calc'!A0", "milestones", 2, 4, "+1 evidence, with comma")]
    text = answers_csv(rows).decode()
    header, line = text.strip().splitlines()
    assert header == "respondent,capability_key,capability,current_level,target_level,gap,evidence"
    assert line.startswith("'=cmd")
    assert "'+1 evidence, with comma" in line
    assert ",2,4,2," in line


def test_markdown_report_is_one_page_with_the_flags():
    from core.assessment import RoundInfo

    rows = _rows({"Ana": {"milestones": (1, 3)}, "Ben": {"milestones": (3, 4)}})
    results = round_results(rows)
    checks = cross_check(results, _no_maps(), _no_kpis())
    info = RoundInfo(1, 1, "Q3 <b>|x|</b>", None, None, True)  # type: ignore[arg-type]
    text = markdown_report(info, results, checks, roadmap(results, checks), change=5.0)
    assert text.startswith("# Onboarding maturity: Q3 &lt;b&gt;\\|x\\|&lt;/b&gt;")
    assert "Maturity index: 25.0 / 100** (+5.0 since the previous round)" in text
    assert "| Milestones & exit criteria | CS leadership | 2.0 | 3.5 | 1–3 | ⚠ disagree |" in text
    assert "_No customer data loaded, so the KPIs could not confirm ratings._" in text
    assert "**⚠ Disagreement**" in text
    assert "1. **Milestones & exit criteria** (owner: CS leadership; gap 1.5)" in text
    assert len(text.splitlines()) < 60


def test_charts_render_to_png():
    rows = _rows({"Ana": {"milestones": (1, 3), "signals": (2, 2)}, "Ben": {"milestones": (4, 5)}})
    results = round_results(rows)
    from core.assessment import heatmap, trend
    from core.assessment.rounds import RoundInfo

    info = RoundInfo(1, 1, "Q3", None, None, True)  # type: ignore[arg-type]
    points = trend([(info, rows)])
    for chart in (
        heatmap_chart(heatmap(rows)),
        current_target_chart(results),
        trend_chart(points),
        trend_chart(points, index=False),
    ):
        assert chart_png(chart).startswith(b"\x89PNG")


# ------------------------------------------------------------------ the whole report


def test_build_report_on_the_database(factory, ws_id, demo):
    with unit_of_work(factory) as s:
        info = open_round(s, ws_id, "2026 Q3")
        ana = join_round(s, info.id, "Ana").token
        ben = join_round(s, info.id, "Ben").token
        save_answers(s, ana, {k: AnswerInput(4, 5) for k in CAPABILITY_KEYS}, base_version=1)
        save_answers(s, ben, {k: AnswerInput(2, 4) for k in CAPABILITY_KEYS}, base_version=1)
        reveal_round(s, info.id)
    with unit_of_work(factory) as s:
        report = build_report(s, info.id, demo, MeasurementPlan(), has_data=True)
    assert report.results.maturity_index == 50.0
    assert len(report.results.disagreements) == 6
    assert len(report.heat) == 12
    assert len(report.roadmap) == 6
    assert [p.value for p in report.trend if p.series == "Maturity index"] == [50.0]
    assert report.index_change is None
    assert report.kpis["signals"].readings
    assert "2026 Q3" in report.markdown()
