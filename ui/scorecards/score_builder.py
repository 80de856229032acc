"""The score builder: the health score's settings, and what a change would do before it is
saved (accounts changing band, which ones, contract value at risk before and after).

Owners edit; everyone else sees the settings read-only, with no save, upload or restore.
The preview covers every account of the workspace, since the plan is the workspace's. Saving
makes a new version of the plan with who and when; a plan file can be uploaded the same way,
and any earlier version restored (ui/scorecards/plan_versions.py). The inputs show the
version this session opened; while nothing is edited they follow the newest.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import streamlit as st

from core.at_risk.listing import ACTION_WORDS, SIGNAL_WORDS
from core.common.downloads import csv_bytes
from core.engine.journey_signals import because
from core.model.plan import BUILT_IN_SIGNALS, Bands, JourneySignal, MeasurementPlan, plan_to_toml
from core.scorecards.bundle import money
from core.scorecards.plan_preview import PlanComparison
from ui.scorecards import plan_versions as versions_ui
from ui.scorecards.compute import preview
from ui.scorecards.context import ScorecardsView
from ui.scorecards.plan_versions import (
    MIN_AGE_KEY,
    WINDOW_KEY,
    band_key,
    journey_key,
    penalty_key,
)
from ui.scorecards.tables import EMPTY

BAND_WORDS = {
    "executive": "Executive below",
    "escalate": "Escalate below",
    "watch": "Watch below",
}
CHANGED_COLUMNS = {
    "account_name": st.column_config.TextColumn("Account"),
    "segment": st.column_config.TextColumn("Segment"),
    "csm": st.column_config.TextColumn("CSM"),
    "contract_value": st.column_config.NumberColumn("Contract value", format="$%,.0f"),
    "score_before": st.column_config.NumberColumn("Score now", format="%d"),
    "score_after": st.column_config.NumberColumn("Score with the change", format="%d"),
    "action_before": st.column_config.TextColumn("Band now"),
    "action_after": st.column_config.TextColumn("Band with the change"),
    "account_id": st.column_config.TextColumn("Account id"),
}


def show_score_builder(view: ScorecardsView) -> None:
    context = view.context
    access = context.access
    editable = versions_ui.may_save(access)
    workspace_id = access.workspace_id
    versions = versions_ui.load_versions(workspace_id)
    base = versions_ui.base_number(workspace_id, versions, context.plan)
    if base != versions.current:
        opened = versions_ui.base_plan(workspace_id, base)
        if not versions_ui.edited(opened):  # nothing of this person's to lose: follow the newest
            versions_ui.adopt(workspace_id, versions.current, context.plan)
            base = versions.current
    st.subheader("Score builder")
    st.caption(
        f"The health score's settings for every account of the workspace (version {base}). "
        "Change a number to see what it would do before anything is saved."
        + ("" if editable else " Only the workspace's owners can change them.")
    )
    versions_ui.show_feedback()
    shown = context.plan if base == versions.current else versions_ui.base_plan(workspace_id, base)
    edited = _settings(shown, disabled=not editable)
    if base != versions.current:
        versions_ui.show_newer(access, versions, base)
    if edited is not None:
        _show_change(view, edited, base, changed=edited != shown)
    if editable:
        _show_upload(view, base)
    versions_ui.show_history(access, versions, base)


def _show_change(
    view: ScorecardsView, edited: MeasurementPlan, base: int, *, changed: bool
) -> None:
    """The preview of the edited settings, their save and their download."""
    if edited == view.context.plan:
        st.info("These are the settings in use. Change one to preview its effect.")
    else:
        show_preview(preview(view, edited))
    versions_ui.show_save(view.context.access, edited, base, changed=changed)
    st.download_button(
        "Download these settings as a plan file (TOML)",
        plan_to_toml(edited),
        "measurement-plan.toml",
        "application/toml",
        key="sb_toml",
        icon=":material/download:",
    )
    st.caption(
        "The file works with the command line's --config, and uploads below as a new version."
    )


def _show_upload(view: ScorecardsView, base: int) -> None:
    """A plan file: checked, previewed like the builder, and saved as a new version."""
    with st.expander("Upload a plan file", icon=":material/upload_file:"):
        access = view.context.access
        upload = versions_ui.uploaded_plan(access, view.context.plan)
        if upload is None:
            return
        if upload.effective == view.context.plan:
            st.info("The file's settings are the ones in use.")
            return
        show_preview(preview(view, upload.effective), prefix="sb_file")
        versions_ui.show_file_save(access, base, upload)


def _settings(plan: MeasurementPlan, *, disabled: bool) -> MeasurementPlan | None:
    """The plan as the widgets now set it; None (with the reason shown) when the bands are
    out of order."""
    st.markdown("**Penalties: points each signal takes off the score of 100**")
    penalty_cols = st.columns(len(BUILT_IN_SIGNALS))
    penalties = {
        name: int(
            col.number_input(
                SIGNAL_WORDS[name],
                min_value=0,
                max_value=100,
                step=5,
                value=int(getattr(plan.penalties, name)),
                key=penalty_key(name),
                disabled=disabled,
            )
        )
        for col, name in zip(penalty_cols, BUILT_IN_SIGNALS, strict=True)
    }
    signals = _journey_penalties(plan, disabled=disabled)
    st.markdown("**Bands, activity window and minimum age**")
    cols = st.columns(5)
    bands = {
        band: int(
            col.number_input(
                words,
                min_value=0,
                max_value=101,
                step=5,
                value=int(getattr(plan.bands, band)),
                key=band_key(band),
                disabled=disabled,
            )
        )
        for col, (band, words) in zip(cols[:3], BAND_WORDS.items(), strict=True)
    }
    window = cols[3].number_input(
        "Activity window (days)",
        min_value=1,
        max_value=365,
        value=plan.window_days,
        key=WINDOW_KEY,
        disabled=disabled,
        help="Single user, sponsor and ticket signals look at the last this-many days.",
    )
    min_age = cols[4].number_input(
        "Minimum age for escalation (days)",
        min_value=0,
        max_value=365,
        value=plan.min_age_days,
        key=MIN_AGE_KEY,
        disabled=disabled,
        help="Younger accounts with a low score are watched, not escalated.",
    )
    _segment_settings(plan)
    if not bands["executive"] <= bands["escalate"] <= bands["watch"]:
        st.warning("Keep the bands in order: executive ≤ escalate ≤ watch.")
        return None
    return replace(
        plan,
        penalties=replace(plan.penalties, **penalties),
        bands=Bands(**bands),
        window_days=int(window),
        min_age_days=int(min_age),
        signals=signals,
    )


def _journey_penalties(plan: MeasurementPlan, *, disabled: bool) -> tuple[JourneySignal, ...]:
    """A penalty per journey-map signal and segment (0: shown in the reasons, not scored)."""
    if not plan.signals:
        st.caption(
            "No journey-map signal with an event and a window yet: add one on the Journey "
            "page and it can carry a penalty here."
        )
        return ()
    st.markdown("**Journey-map signals** (0 points: shown in the reasons, not scored)")
    cols = st.columns(4)
    found = []
    for i, signal in enumerate(plan.signals):
        where = signal.segment or "all segments"
        points = cols[i % 4].number_input(
            f"{signal.name} ({where})",
            min_value=0,
            max_value=100,
            step=5,
            value=signal.penalty,
            key=journey_key(i),
            disabled=disabled,
            help=because(signal),
        )
        found.append(replace(signal, penalty=int(points)))
    return tuple(found)


def _segment_settings(plan: MeasurementPlan) -> None:
    """Per segment: what the plan sets there (edited with the segment targets)."""
    rows = [
        {
            "Segment": name,
            "First value due (days)": seg.ttv_target_days,
            "Activation window (days)": plan.activation_window(name),
        }
        for name, seg in plan.segments.items()
    ]
    with st.expander("Per segment (edited with the segment targets on the Data page)"):
        st.dataframe(pl.DataFrame(rows), hide_index=True)


def show_preview(result: PlanComparison, prefix: str = "sb") -> None:
    """How many accounts change band, the money at risk before and after, and which ones."""
    st.markdown("**What this change would do**")
    cols = st.columns(3)
    cols[0].metric("Accounts changing band", f"{result.moved:,}")
    cols[1].metric(
        "Accounts at risk",
        f"{result.at_risk_before:,} → {result.at_risk_after:,}",
        delta=f"{result.at_risk_after - result.at_risk_before:+,}",
        delta_color="inverse",
    )
    change = result.value_after - result.value_before
    cols[2].metric(
        "Contract value at risk",
        f"{money(result.value_before)} → {money(result.value_after)}",
        delta=f"{'+' if change >= 0 else '−'}{money(abs(change))}",
        delta_color="inverse",
    )
    if result.moved == 0:
        st.caption("No account would change band.")
        return
    moves = result.moves.filter(pl.col("action_before") != pl.col("action_after"))
    words = ACTION_WORDS
    st.dataframe(
        moves.with_columns(pl.col("action_before", "action_after").replace_strict(words)),
        hide_index=True,
        column_config={
            "action_before": st.column_config.TextColumn("From band"),
            "action_after": st.column_config.TextColumn("To band"),
            "accounts": st.column_config.NumberColumn("Accounts", format="%d"),
        },
        key=f"{prefix}_moves",
        placeholder=EMPTY,
    )
    changed = result.changed.with_columns(
        pl.col("action_before", "action_after").replace_strict(words)
    )
    st.dataframe(
        changed.select(list(CHANGED_COLUMNS)),
        hide_index=True,
        column_config=CHANGED_COLUMNS,
        height=260,
        key=f"{prefix}_changed",
        placeholder=EMPTY,
    )
    st.download_button(
        "Download the accounts that change band (CSV)",
        csv_bytes(changed),
        "score-builder-preview.csv",
        "text/csv",
        key=f"{prefix}_changed_csv",
    )
    st.caption("Biggest contract first. Churned accounts have no band and are left out.")
