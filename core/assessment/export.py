"""Downloads of what the results view shows: the answers as CSV and a one-page Markdown report.

Respondent names and evidence notes are typed by people: in the CSV a cell that starts like a
spreadsheet formula is prefixed with a quote, and in the Markdown report every user string is
escaped so it stays text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from core.assessment.evidence import CrossCheck
from core.assessment.matrix import capability
from core.assessment.results import DISAGREEMENT_SPREAD, RoundResults
from core.assessment.roadmap import RoadmapItem
from core.assessment.rounds import AnswerRow, RoundInfo
from core.common.downloads import csv_bytes
from core.common.text import inert_markdown


def answers_frame(answers: Sequence[AnswerRow]) -> pl.DataFrame:
    """One row per respondent and capability, in the order they were given."""
    return pl.DataFrame(
        {
            "respondent": [a.respondent for a in answers],
            "capability_key": [a.capability for a in answers],
            "capability": [capability(a.capability).name for a in answers],
            "current_level": [a.current for a in answers],
            "target_level": [a.target for a in answers],
            "gap": [a.target - a.current for a in answers],
            "evidence": [a.evidence for a in answers],
        },
        schema={
            "respondent": pl.String,
            "capability_key": pl.String,
            "capability": pl.String,
            "current_level": pl.Int64,
            "target_level": pl.Int64,
            "gap": pl.Int64,
            "evidence": pl.String,
        },
    )


def answers_csv(answers: Sequence[AnswerRow]) -> bytes:
    """The answers by the one CSV rule (core.common.downloads), like every other download."""
    return csv_bytes(answers_frame(answers))


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _summary(info: RoundInfo, results: RoundResults, change: float | None) -> list[str]:
    moved = "" if change is None else f" ({change:+.1f} since the previous round)"
    return [
        f"# Onboarding maturity: {inert_markdown(info.name)}",
        "",
        f"Round {info.state}; {len(results.respondents)} respondents; "
        f"report of {date.today().isoformat()}.",
        "",
        f"**Maturity index: {_num(results.maturity_index)} / 100**{moved}; "
        f"target {_num(results.target_index)} / 100. The index is the mean of the median "
        "current levels, from 0 (all ad hoc) to 100 (all operationalized), over "
        f"{results.answered_capabilities} of 6 capabilities.",
        "",
    ]


def _table(results: RoundResults, checks: Sequence[CrossCheck]) -> list[str]:
    by_key = {c.capability: c for c in checks}
    lines = [
        "| Capability | Owner | Current (median) | Target (median) | Spread | Agreement "
        "| Evidence |",
        "| --- | --- | ---: | ---: | --- | --- | --- |",
    ]
    for c in results.capabilities:
        spread = "–" if c.spread is None else f"{c.min_current}–{c.max_current}"
        verdict = by_key[c.key].verdict if c.key in by_key else "? no evidence"
        lines.append(
            f"| {c.name} | {c.owner} | {_num(c.median_current)} | {_num(c.median_target)} "
            f"| {spread} | {c.agreement_label} | {verdict} |"
        )
    return [*lines, ""]


def _evidence_notes(checks: Sequence[CrossCheck]) -> list[str]:
    """Say plainly when a source of evidence was missing, instead of implying it agreed."""
    notes = []
    if checks and all(c.journey.score is None for c in checks):
        notes.append("No journey map in the workspace, so the maps could not confirm ratings.")
    if checks and all(not c.kpi.readings for c in checks):
        notes.append("No customer data loaded, so the KPIs could not confirm ratings.")
    return [f"_{n}_" for n in notes] + ([""] if notes else [])


def _roadmap(items: Sequence[RoadmapItem], top: int) -> list[str]:
    lines = ["## Next steps", ""]
    for item in [i for i in items if i.gap and i.gap > 0][:top]:
        lines.append(
            f"{item.rank}. **{item.name}** (owner: {item.owner}; gap {_num(item.gap)}): "
            f"{item.headline}."
        )
        lines.extend(f"   - {step}" for step in item.steps)
    if len(lines) == 2:
        lines.append("No gaps: every rated capability is at its target level.")
    return [*lines, ""]


def markdown_report(
    info: RoundInfo,
    results: RoundResults,
    checks: Sequence[CrossCheck],
    items: Sequence[RoadmapItem],
    change: float | None = None,
    top: int = 3,
) -> str:
    """The results on one page: index, the capability table, disagreements and next steps."""
    lines = _summary(info, results, change) + _table(results, checks)
    flagged = results.disagreements
    if flagged:
        names = ", ".join(c.name for c in flagged)
        lines += [
            f"**⚠ Disagreement** (current levels {DISAGREEMENT_SPREAD}+ apart): {names}. "
            "Talk these through before acting on the medians.",
            "",
        ]
    lines += _evidence_notes(checks)
    over = [c for c in checks if c.flagged]
    if over:
        lines += [
            "**Ratings above the evidence**: "
            + ", ".join(f"{c.name} ({c.verdict})" for c in over)
            + ". Teams often rate themselves half a level to a level high.",
            "",
        ]
    return "\n".join(lines + _roadmap(items, top))
