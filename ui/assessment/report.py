"""A round's results, for the workspace's members and the round's respondents: hidden until
revealed, then every part of the report in page order. Respondents reach their round only,
so theirs leaves out the evidence cross-check, the roadmap built on it and the trend across
rounds (core.assessment.respondent_report)."""

from __future__ import annotations

import streamlit as st

from core import assessment as A
from core.workspace.workspaces import get_workspace
from ui.assessment.evidence import show_evidence, show_roadmap
from ui.assessment.exports import show_downloads
from ui.assessment.results import show_capabilities, show_charts, show_headline, show_notes
from ui.state import current_dataset, plan, transaction, workspace_as_of


def build(info: A.RoundInfo) -> A.RoundReport:
    """The report of a revealed round, against the data and plan of the round's own workspace
    (a respondent has no current workspace of their own)."""
    stored, dataset = current_dataset(info.workspace_id)
    with transaction() as session:
        ws = get_workspace(session, info.workspace_id)
    as_of = workspace_as_of(ws, stored, dataset)
    measurement = plan(info.workspace_id)
    with transaction() as session:
        return A.build_report(
            session, info.id, dataset, measurement, as_of, has_data=not dataset.is_empty
        )


def show_results(info: A.RoundInfo, *, respondent: bool = False) -> None:
    if not info.revealed:
        st.info(
            "Answers stay hidden until the facilitator reveals them, so nobody anchors on "
            "anyone else's rating.",
            icon=":material/visibility_off:",
        )
        return
    if respondent:
        with transaction() as session:
            report = A.respondent_report(session, info.id)
    else:
        report = build(info)
    show_headline(report)
    show_capabilities(report)
    show_charts(report, trend=not respondent)
    if not respondent:
        show_evidence(report)
        show_roadmap(report)
    show_notes(report)
    show_downloads(report)
