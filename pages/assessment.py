"""Maturity assessment: rate the onboarding operation on the six-capability matrix, together.

Two ways in. The facilitator opens a round, shares its link, watches who has answered
(never what), reveals and closes. A respondent arrives through the link (?round=TOKEN), joins
with a name and answers on their own screen; their personal key goes into the URL (&me=...)
so that they can come back and change their answers until the round closes.
"""

from __future__ import annotations

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

import polars as pl
import streamlit as st

from core import assessment as A
from core.assessment import charts
from core.assessment.rounds import MAX_EVIDENCE, MAX_NAME
from core.charts.export import chart_png
from core.common.text import inert_markdown
from core.workspace.workspaces import get_workspace
from ui.state import current_dataset, current_workspace, plan, transaction, workspace_as_of

ROUND_PARAM, ME_PARAM = "round", "me"
PICK_KEY = "assess_round_pick"

st.title("Maturity assessment")


def _show_error(exc: Exception) -> None:
    st.error(str(exc), icon=":material/error:")


def _levels_markdown(cap: A.Capability) -> str:
    """The observable description of each level, as a list (our text, no user input)."""
    return "\n".join(f"- **{A.level_label(level)}**: {cap.describe(level)}" for level in A.LEVELS)


# ------------------------------------------------------------------ results (shared)


def _report(info: A.RoundInfo) -> A.RoundReport:
    stored, dataset = current_dataset(info.workspace_id)
    with transaction() as session:
        ws = get_workspace(session, info.workspace_id)
    as_of = workspace_as_of(ws, stored, dataset)
    measurement = plan(info.workspace_id)
    with transaction() as session:
        return A.build_report(
            session, info.id, dataset, measurement, as_of, has_data=not dataset.is_empty
        )


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _capability_table(report: A.RoundReport) -> pl.DataFrame:
    verdicts = {c.capability: c.verdict for c in report.checks}
    return pl.DataFrame(
        [
            {
                "Capability": c.name,
                "Owner": c.owner,
                "Answers": c.respondents,
                "Median current": _num(c.median_current),
                "Median target": _num(c.median_target),
                "Gap": _num(c.gap),
                "Spread": "–" if c.spread is None else f"{c.min_current}–{c.max_current}",
                "Agreement": c.agreement_label,
                "Evidence": verdicts[c.key],
            }
            for c in report.results.capabilities
        ]
    )


def _headline(report: A.RoundReport) -> None:
    res = report.results
    cols = st.columns(4)
    delta = None if report.index_change is None else f"{report.index_change:+.1f}"
    index = "–" if res.maturity_index is None else f"{res.maturity_index:.0f}"
    target = "–" if res.target_index is None else f"{res.target_index:.0f}"
    cols[0].metric("Maturity index", f"{index} / 100", delta=delta)
    cols[1].metric("Target index", f"{target} / 100")
    cols[2].metric("Respondents", len(res.respondents))
    cols[3].metric("Disagreements", len(res.disagreements))
    st.caption(
        "The maturity index is the mean of the median current levels of the capabilities "
        "answered, from 0 (every capability ad hoc) to 100 (every capability "
        f"operationalized); {res.answered_capabilities} of 6 capabilities counted. A "
        f"capability is flagged ⚠ disagree when current levels are {A.DISAGREEMENT_SPREAD} "
        "or more levels apart."
    )


def _capabilities(report: A.RoundReport) -> None:
    st.dataframe(
        _capability_table(report),
        hide_index=True,
        width="stretch",
        key="assess_results_table",
    )
    flagged = report.results.disagreements
    if flagged:
        names = ", ".join(c.name for c in flagged)
        st.warning(
            f"⚠ Disagreement on {names}: people see levels {A.DISAGREEMENT_SPREAD} or more "
            "apart. Ask the lowest and the highest rater to describe what they see before "
            "acting on the median.",
            icon=":material/warning:",
        )


def _charts(report: A.RoundReport) -> None:
    st.subheader("Who sees what")
    st.caption("Current level per respondent and capability; each cell prints current→target.")
    st.altair_chart(charts.heatmap_chart(report.heat), width="stretch")
    st.subheader("Current vs target")
    st.caption("Grey bar: the spread of current levels. ● median current, ◆ median target.")
    st.altair_chart(charts.current_target_chart(report.results), width="stretch")
    st.subheader("Trend across rounds")
    if len(report.history) < 2:
        st.info(
            "The trend appears from the second revealed round: repeat the assessment next "
            "quarter to see it move.",
            icon=":material/timeline:",
        )
    left, right = st.columns(2)
    left.altair_chart(charts.trend_chart(report.trend), width="stretch")
    right.altair_chart(charts.trend_chart(report.trend, index=False), width="stretch")


def _kpi_text(check: A.KpiCheck) -> str:
    worst = check.worst
    if worst is None:
        return check.note or "no reading"
    value = "–" if worst.value is None else f"{worst.value:.2f}"
    return f"{worst.segment}: {value} vs {worst.target:g} ({worst.status})"


def _evidence(report: A.RoundReport) -> None:
    st.subheader("Evidence cross-check")
    st.caption(
        "Each rating beside what the workspace shows: the journey maps' completeness and the "
        "capability's primary KPI in its weakest segment. Teams tend to rate themselves half "
        "a level to a level high, so ▲ and △ are worth a conversation, not a verdict."
    )
    no_maps = all(j.score is None for j in report.journey.values())
    no_data = all(not k.readings for k in report.kpis.values())
    if no_maps:
        st.info(
            "No journey map in this workspace yet, so the maps cannot confirm any rating.",
            icon=":material/map:",
        )
    if no_data:
        st.info(
            "No customer data is loaded, so the KPIs cannot confirm any rating. Load data on "
            "the Data page.",
            icon=":material/database:",
        )
    rows = [
        {
            "Capability": c.name,
            "Median current": _num(c.median_current),
            "Maps support up to": "–" if c.journey.ceiling is None else str(c.journey.ceiling),
            "What the maps show": "; ".join(c.journey.facts),
            "Primary KPI": c.kpi.kpi_label,
            "Weakest segment": _kpi_text(c.kpi),
            "KPI supports up to": "–" if c.kpi.ceiling is None else str(c.kpi.ceiling),
            "Verdict": c.verdict,
        }
        for c in report.checks
    ]
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch", key="assess_evidence")
    with st.expander("KPI per segment"):
        detail = [
            {
                "Capability": c.name,
                "KPI": r_kpi.kpi_label,
                "Segment": r.segment,
                "Value": r.value,
                "Target": r.target,
                "Status": r.status or "no target",
            }
            for c, r_kpi in ((c, c.kpi) for c in report.checks)
            for r in r_kpi.readings
        ]
        if detail:
            st.dataframe(pl.DataFrame(detail), hide_index=True, width="stretch")
        else:
            st.write("No KPI readings: no customer data is loaded.")


def _shortfall_text(shortfall: float | None) -> str:
    if shortfall is None:
        return "KPI: no verdict"
    return "KPI on target" if shortfall == 0 else f"KPI {shortfall:.0%} off target"


def _roadmap(report: A.RoundReport) -> None:
    st.subheader("Roadmap")
    st.caption(
        "Ranked by gap (median target − median current), then by how far the capability's "
        "KPI is off target. Steps start from the level the evidence supports."
    )
    active = [i for i in report.roadmap if i.gap and i.gap > 0]
    if not active:
        st.success("✓ No gaps: every rated capability is at its target level.")
    for item in active:
        with st.container(border=True):
            shortfall = _shortfall_text(item.kpi_shortfall)
            st.markdown(
                f"**{item.rank}. {item.name}** · owner: {item.owner} · gap {item.gap:.1f} · "
                f"{shortfall} · {item.verdict}"
            )
            st.markdown(f"{item.headline}:\n" + "\n".join(f"- {s}" for s in item.steps))
    rest = [i.name for i in report.roadmap if i not in active]
    if rest:
        st.caption("No gap to close: " + ", ".join(rest) + ".")


def _notes(report: A.RoundReport) -> None:
    with st.expander("Everyone's answers and evidence notes"):
        st.dataframe(
            A.answers_frame(report.answers).drop("capability_key"),
            hide_index=True,
            width="stretch",
        )


def _downloads(report: A.RoundReport) -> None:
    st.subheader("Downloads")
    stem = "assessment-" + "".join(ch if ch.isalnum() else "-" for ch in report.info.name)
    cols = st.columns(5)
    cols[0].download_button(
        "Answers (CSV)",
        A.answers_csv(report.answers),
        f"{stem}-answers.csv",
        "text/csv",
        key="assess_dl_csv",
        on_click="ignore",
        icon=":material/table:",
        width="stretch",
    )
    cols[1].download_button(
        "Report (Markdown)",
        report.markdown(),
        f"{stem}-report.md",
        "text/markdown",
        key="assess_dl_md",
        on_click="ignore",
        icon=":material/description:",
        width="stretch",
    )
    pngs = {
        "Heatmap (PNG)": ("heatmap", lambda: charts.heatmap_chart(report.heat)),
        "Levels chart (PNG)": (
            "current-target",
            lambda: charts.current_target_chart(report.results),
        ),
        "Trend (PNG)": ("trend", lambda: charts.trend_chart(report.trend)),
    }
    for col, (label, (name, make)) in zip(cols[2:], pngs.items(), strict=True):
        col.download_button(
            label,
            lambda make=make: chart_png(make()),
            f"{stem}-{name}.png",
            "image/png",
            key=f"assess_dl_{name}",
            on_click="ignore",
            icon=":material/image:",
            width="stretch",
        )


def _results(info: A.RoundInfo) -> None:
    if not info.revealed:
        st.info(
            "Answers stay hidden until the facilitator reveals them, so nobody anchors on "
            "anyone else's rating.",
            icon=":material/visibility_off:",
        )
        return
    report = _report(info)
    _headline(report)
    _capabilities(report)
    _charts(report)
    _evidence(report)
    _roadmap(report)
    _notes(report)
    _downloads(report)


# ------------------------------------------------------------------ respondent view


def _join_form(info: A.RoundInfo) -> None:
    if not info.is_open:
        st.warning("This round is closed; nobody can join it any more.", icon=":material/lock:")
        return
    st.write(
        "Join with your name to rate your onboarding operation. Nobody sees your answers "
        "until the facilitator reveals the results."
    )
    with st.form("assess_join_form"):
        name = st.text_input("Your name", key="assess_join_name", max_chars=MAX_NAME)
        role = st.text_input("Your role (optional)", key="assess_join_role")
        if st.form_submit_button("Join", type="primary", key="assess_join"):
            try:
                with transaction() as session:
                    me = A.join_round(session, info.token, name, role)
            except A.AssessmentError as exc:
                _show_error(exc)
                return
            st.query_params[ME_PARAM] = me.token
            st.rerun()


def _pick(label: str, key: str, saved: int | None, *, disabled: bool) -> int | None:
    return st.radio(
        label,
        A.LEVELS,
        index=None if saved is None else saved - 1,
        format_func=A.level_label,
        horizontal=True,
        key=key,
        disabled=disabled,
    )


def _collect(picked: dict[str, tuple[int | None, int | None, str]]) -> dict[str, A.AnswerInput]:
    """Answers with both levels chosen; one chosen without the other is a clear error."""
    answers = {}
    for key, (current, target, evidence) in picked.items():
        if current is None and target is None:
            continue
        if current is None or target is None:
            missing = "current" if current is None else "target"
            raise A.AssessmentError(f"{A.capability(key).name}: pick a {missing} level too.")
        answers[key] = A.AnswerInput(current, target, evidence)
    return answers


def _answer_form(info: A.RoundInfo, me: A.RespondentInfo) -> None:
    with transaction() as session:
        saved = A.my_answers(session, me.token)
    closed = not info.is_open
    st.markdown(
        f"Answering as **{inert_markdown(me.name)}** · {len(saved)} of 6 capabilities saved. "
        "Keep this page's address: it brings you back to your answers."
    )
    if closed:
        st.warning("This round is closed: your answers are kept but can no longer change.")
    picked: dict[str, tuple[int | None, int | None, str]] = {}
    with st.form("assess_answer_form"):
        for cap in A.CAPABILITIES:
            mine = saved.get(cap.key)
            with st.container(border=True):
                st.markdown(f"#### {cap.name}")
                st.caption(f"Owner: {cap.owner} · primary KPI: {cap.kpi_label}")
                st.markdown(_levels_markdown(cap))
                cur = _pick(
                    "Where are we today?",
                    f"assess_cur_{cap.key}",
                    mine.current if mine else None,
                    disabled=closed,
                )
                tgt = _pick(
                    "Where should we be in a year?",
                    f"assess_tgt_{cap.key}",
                    mine.target if mine else None,
                    disabled=closed,
                )
                note = st.text_area(
                    "Evidence: what you see that makes you say so",
                    value=mine.evidence if mine else "",
                    key=f"assess_ev_{cap.key}",
                    max_chars=MAX_EVIDENCE,
                    height=80,
                    disabled=closed,
                )
                picked[cap.key] = (cur, tgt, note)
        submitted = st.form_submit_button(
            "Save answers", type="primary", key="assess_save", disabled=closed
        )
    if submitted:
        try:
            answers = _collect(picked)
            with transaction() as session:
                count = A.save_answers(session, me.token, answers)
        except A.AssessmentError as exc:
            _show_error(exc)
            return
        st.toast(f"Saved {count} answers. You can change them until the round closes.")
        st.success(f"✓ Saved {count} answers.")


def _respondent_view(token: str) -> None:
    try:
        with transaction() as session:
            info = A.round_by_token(session, token)
    except A.AssessmentError as exc:
        _show_error(exc)
        return
    st.subheader(f"Round: {inert_markdown(info.name)}")
    st.caption(_state_line(info))
    me = _me(info)
    if me is None:
        _join_form(info)
    else:
        _answer_form(info, me)
    if info.revealed:
        st.divider()
        st.header("Results")
        _results(info)


def _me(info: A.RoundInfo) -> A.RespondentInfo | None:
    token = st.query_params.get(ME_PARAM)
    if not token:
        return None
    try:
        with transaction() as session:
            me = A.respondent_by_token(session, token)
    except A.AssessmentError as exc:
        _show_error(exc)
        return None
    return me if me.round_id == info.id else None


# ------------------------------------------------------------------ facilitator view


def _state_line(info: A.RoundInfo) -> str:
    """The round's state in words with a symbol, never by colour alone."""
    answering = "✎ open for answers" if info.is_open else "✖ closed"
    shown = "◉ results revealed" if info.revealed else "○ answers hidden"
    return f"{answering} · {shown} · opened {info.opened_at:%Y-%m-%d}"


def _share_link(info: A.RoundInfo) -> str:
    base = st.context.url or "/assessment"
    return f"{base.split('?')[0]}?{ROUND_PARAM}={info.token}"


def _new_round(ws_id: int, *, first: bool) -> None:
    with st.expander("Open a new round", expanded=first, icon=":material/add:"):
        with st.form("assess_new_round", clear_on_submit=True, border=False):
            name = st.text_input("Round name", placeholder="e.g. 2026 Q3", key="assess_round_name")
            if st.form_submit_button("Open round", type="primary", key="assess_open"):
                try:
                    with transaction() as session:
                        created = A.open_round(session, ws_id, name)
                except A.AssessmentError as exc:
                    _show_error(exc)
                    return
                st.session_state[PICK_KEY] = created.id
                st.toast(f"Round {created.name} is open: share its link.")
                st.rerun()


@st.dialog("Delete round")
def _confirm_delete(info: A.RoundInfo) -> None:
    st.write("Delete this round and every answer in it? This cannot be undone.")
    st.text(info.name)
    left, right = st.columns(2)
    if left.button("Cancel", key="assess_delete_cancel", width="stretch"):
        st.rerun()
    if right.button("Delete", type="primary", key="assess_delete_confirm", width="stretch"):
        with transaction() as session:
            A.delete_round(session, info.id)
        st.session_state.pop(PICK_KEY, None)
        st.toast("Round deleted")
        st.rerun()


def _act(action: str, info: A.RoundInfo) -> None:
    steps = {"reveal": A.reveal_round, "close": A.close_round, "reopen": A.reopen_round}
    try:
        with transaction() as session:
            done = steps[action](session, info.id)
    except A.AssessmentError as exc:
        _show_error(exc)
        return
    st.toast(f"Round {done.name} is now {done.state}.")
    st.rerun()


def _controls(info: A.RoundInfo) -> None:
    cols = st.columns(4)
    if cols[0].button(
        "Reveal results",
        key="assess_reveal",
        type="primary",
        disabled=info.revealed,
        icon=":material/visibility:",
        width="stretch",
    ):
        _act("reveal", info)
    if info.is_open:
        if cols[1].button(
            "Close round", key="assess_close", icon=":material/lock:", width="stretch"
        ):
            _act("close", info)
    elif cols[1].button(
        "Reopen round", key="assess_reopen", icon=":material/lock_open:", width="stretch"
    ):
        _act("reopen", info)
    if cols[2].button("Refresh", key="assess_refresh", icon=":material/refresh:", width="stretch"):
        st.rerun()
    if cols[3].button(
        "Delete round", key="assess_delete", icon=":material/delete:", width="stretch"
    ):
        _confirm_delete(info)


def _progress(info: A.RoundInfo) -> None:
    with transaction() as session:
        people = A.progress(session, info.id)
    st.markdown("**Share this link** with each respondent (it opens the answer form):")
    st.code(_share_link(info), language=None)
    if not people:
        st.info("Nobody has joined yet. Send the link above.", icon=":material/group_add:")
        return
    done = sum(1 for p in people if p.answered == len(A.CAPABILITIES))
    st.caption(f"{len(people)} joined · {done} answered every capability · levels stay hidden.")
    table = pl.DataFrame(
        {
            "Respondent": [p.name for p in people],
            "Role": [p.role for p in people],
            "Answered": [f"{p.answered} of {len(A.CAPABILITIES)}" for p in people],
            "Status": ["✓ complete" if p.answered == 6 else "… in progress" for p in people],
            "Last saved (UTC)": [
                "" if p.last_saved is None else f"{p.last_saved:%Y-%m-%d %H:%M}" for p in people
            ],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="assess_progress")


def _matrix() -> None:
    st.caption(
        "The six capabilities, who owns each, the KPI that shows it working, and what you "
        "would see in the team at each level."
    )
    for cap in A.CAPABILITIES:
        with st.expander(f"{cap.name} · owner: {cap.owner} · KPI: {cap.kpi_label}"):
            st.caption(f"From “{cap.from_state}” to “{cap.to_state}”.")
            st.markdown(_levels_markdown(cap))


def _facilitator_view() -> None:
    ws = current_workspace()
    with transaction() as session:
        rounds = A.list_rounds(session, ws.id)
    _new_round(ws.id, first=not rounds)
    if not rounds:
        st.info(
            "No assessment round yet. Open one above (e.g. “2026 Q3”), share its link with "
            "the team, and reveal the results when everyone has answered.",
            icon=":material/info:",
        )
        _matrix()
        return
    by_id = {r.id: r for r in rounds}
    if st.session_state.get(PICK_KEY) not in by_id:
        st.session_state[PICK_KEY] = rounds[-1].id
    chosen = st.selectbox(
        "Round",
        list(reversed(by_id)),
        format_func=lambda rid: by_id[rid].name,
        key=PICK_KEY,
    )
    info = by_id[chosen]
    st.caption(_state_line(info))
    answers, results, matrix = st.tabs(["Answers", "Results", "Matrix"])
    with answers:
        _controls(info)
        _progress(info)
    with results:
        _results(info)
    with matrix:
        _matrix()


round_token = st.query_params.get(ROUND_PARAM)
if round_token:
    _respondent_view(round_token)
else:
    _facilitator_view()
