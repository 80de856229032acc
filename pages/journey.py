"""Journey maps: build a segment's onboarding journey live with the room, and keep every change.

Widgets only; everything else is in core.journey. Three ways in: the facilitator (this page as
it is), participants (?map=ID&code=PASSCODE: may edit unless locked, add notes, vote) and
executives (?map=ID&view=TOKEN: read-only). Every label is user text: it reaches the page
through st.text/dataframes, html.escape'd HTML, or markdown with its syntax escaped.
"""

from __future__ import annotations

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

import re
import secrets
from datetime import date
from typing import Any

import pandas as pd
import polars as pl
import streamlit as st
from streamlit_agraph import Config, Edge, Node, agraph

from core import journey as jm
from core.charts import journey as charts
from core.charts.export import svg_png
from core.common.downloads import csv_bytes
from core.common.text import inert_markdown
from core.journey import tables, views, workshop
from core.journey.kinds import EVIDENCE_LABELS, ROLE_LABELS, FieldSpec
from core.journey.overlay import overlay
from core.journey.templates import TEMPLATES
from core.model.contract import CHANNELS, ROLES
from core.model.plan import plan_to_toml
from core.workspace.workspaces import measurement_plan
from ui.state import current_dataset, current_workspace, plan, transaction

ROLE_NAMES = {**ROLE_LABELS}
STATUS_SYMBOL = {"added": "＋ added", "removed": "－ removed", "changed": "✎ changed"}


def _flash() -> None:
    message = st.session_state.pop("journey_flash", None)
    if message:
        st.error(inert_markdown(message), icon=":material/error:")


def _error(exc: Exception) -> None:
    st.error(inert_markdown(exc), icon=":material/error:")


# ------------------------------------------------------------------ who is looking


def _access() -> tuple[str, int | None]:
    """("facilitator" | "participant" | "viewer", map id fixed by the link or None)."""
    params = st.query_params
    raw_map, code, token = params.get("map"), params.get("code", ""), params.get("view", "")
    if not raw_map or not (code or token):
        return "facilitator", None
    try:
        map_id = int(raw_map)
        with transaction() as s:
            role = workshop.access(s, map_id, code=code, token=token)
    except (ValueError, jm.JourneyError) as exc:
        st.title("Journey maps")
        st.error(
            f"{exc if isinstance(exc, jm.JourneyError) else 'This link is not valid.'}",
            icon=":material/lock:",
        )
        st.stop()
    return role, map_id


WORKSPACE = current_workspace()  # first: it also makes sure the page runs inside app.py
ROLE, LINKED_MAP = _access()
FACILITATOR = ROLE == "facilitator"
VIEWER = ROLE == "viewer"
if "journey_voter" not in st.session_state:
    st.session_state["journey_voter"] = secrets.token_hex(16)


def _actor() -> jm.Actor:
    default = "Facilitator" if FACILITATOR else "Participant"
    name = st.session_state.get("journey_who") or default
    return jm.Actor(name, facilitator=FACILITATOR)


# ------------------------------------------------------------------ map choice and management


def _maps(workspace_id: int) -> list[jm.MapInfo]:
    with transaction() as s:
        return jm.list_maps(s, workspace_id)


def _segments(workspace_id: int) -> list[str]:
    with transaction() as s:
        return list(measurement_plan(s, workspace_id).segments)


def _create_form(workspace_id: int) -> None:
    segments = _segments(workspace_id)
    with st.form("journey_create", border=True):
        st.markdown("**New map from a template**")
        key = st.selectbox(
            "Template",
            list(TEMPLATES),
            format_func=lambda k: f"{TEMPLATES[k].title}: {TEMPLATES[k].description}",
            key="create_template",
        )
        name = st.text_input("Name (optional)", key="create_name", max_chars=120)
        c1, c2, c3 = st.columns(3)
        segment = c1.selectbox(
            "Segment",
            [None, *segments],
            key="create_segment",
            format_func=lambda s: s or "All segments",
        )
        variant = c2.text_input("Variant", value="happy path", key="create_variant")
        state = c3.selectbox("State", ["current", "ideal"], key="create_state")
        if st.form_submit_button("Create map", type="primary", key="create_submit"):
            try:
                with transaction() as s:
                    info = jm.create_map(
                        s,
                        workspace_id,
                        key,
                        _actor(),
                        name=name,
                        segment=segment,
                        variant=variant,
                        state=state,
                    )
            except jm.JourneyError as exc:
                _error(exc)
                return
            st.session_state["journey_map_next"] = info.id
            st.toast(f"Created {inert_markdown(info.name)}")
            st.rerun()


@st.dialog("Delete journey map")
def _confirm_delete(info: jm.MapInfo) -> None:
    st.write("Delete this map with its history, notes and opportunities? This cannot be undone.")
    st.text(info.name)
    left, right = st.columns(2)
    if left.button("Cancel", key="delete_map_cancel", width="stretch"):
        st.rerun()
    if right.button("Delete map", type="primary", key="delete_map_confirm", width="stretch"):
        try:
            with transaction() as s:
                jm.delete_map(s, info.id, _actor())
        except jm.JourneyError as exc:
            _error(exc)
            return
        st.toast("Map deleted")
        st.rerun()


def _settings_form(info: jm.MapInfo) -> None:
    segments = _segments(info.workspace_id)
    with st.form(f"journey_settings_{info.id}"):
        st.markdown("**Map settings**")
        name = st.text_input("Name", value=info.name, key=f"set_name_{info.id}", max_chars=120)
        c1, c2, c3 = st.columns(3)
        options = [None, *segments]
        segment = c1.selectbox(
            "Segment",
            options,
            index=options.index(info.segment) if info.segment in options else 0,
            format_func=lambda s: s or "All segments",
            key=f"set_segment_{info.id}",
        )
        variant = c2.text_input("Variant", value=info.variant, key=f"set_variant_{info.id}")
        state = c3.selectbox(
            "State",
            ["current", "ideal"],
            key=f"set_state_{info.id}",
            index=0 if info.state == "current" else 1,
        )
        if st.form_submit_button("Save settings", key=f"set_save_{info.id}"):
            started = {
                "name": info.name,
                "segment": info.segment,
                "variant": info.variant,
                "state": info.state,
            }
            changes = {"name": name, "segment": segment, "variant": variant, "state": state}
            try:
                with transaction() as s:
                    jm.update_map(s, info.id, changes, started, _actor())
            except jm.JourneyError as exc:
                _error(exc)
                return
            st.toast("Map settings saved")
            st.rerun()
    with st.form(f"journey_duplicate_{info.id}", clear_on_submit=True):
        c1, c2 = st.columns([3, 1])
        copy_name = c1.text_input(
            "Duplicate as", key="duplicate_name", placeholder=f"{info.name} (ideal)"
        )
        copy_state = c2.selectbox("State of the copy", ["ideal", "current"], key="duplicate_state")
        if st.form_submit_button("Duplicate", key="duplicate_submit"):
            try:
                with transaction() as s:
                    copy = jm.duplicate_map(
                        s, info.id, copy_name or f"{info.name} (copy)", _actor(), state=copy_state
                    )
            except jm.JourneyError as exc:
                _error(exc)
                return
            st.session_state["journey_map_next"] = copy.id
            st.toast(f"Duplicated as {inert_markdown(copy.name)}")
            st.rerun()
    if st.button("Delete this map…", key="delete_map", icon=":material/delete:"):
        _confirm_delete(info)


def _choose_map(workspace_id: int) -> jm.MapInfo | None:
    found = _maps(workspace_id)
    if not found:
        st.info(
            "This workspace has no journey map yet. Create one from a template below: it comes "
            "filled with stages, milestones, touchpoints, signals and rescue plays to adapt.",
            icon=":material/info:",
        )
        _create_form(workspace_id)
        return None
    ids = [m.id for m in found]
    if "journey_map_next" in st.session_state:  # a map just made; set before the widget exists
        st.session_state["journey_map_id"] = st.session_state.pop("journey_map_next")
    chosen = st.session_state.get("journey_map_id")
    if chosen not in ids:
        st.session_state["journey_map_id"] = ids[0]
    titles = {m.id: m.title for m in found}
    left, right = st.columns([3, 2])
    map_id = left.selectbox(
        "Journey map", ids, format_func=lambda i: titles[i], key="journey_map_id"
    )
    if not st.session_state.get("journey_presenter"):
        with right.popover("New, duplicate, rename, delete", icon=":material/edit_note:"):
            _create_form(workspace_id)
            _settings_form(next(m for m in found if m.id == map_id))
    return next(m for m in found if m.id == map_id)


# ------------------------------------------------------------------ live refresh


@st.fragment(run_every=2)
def _live_bar(map_id: int) -> None:
    """Polls the map's revision every 2 s; a change by anyone reruns this screen."""
    try:
        with transaction() as s:
            content = jm.load(s, map_id)
    except jm.JourneyError as exc:
        _error(exc)
        return
    info = content.info
    if info.version != st.session_state.get("journey_rev"):
        st.session_state["journey_rev"] = info.version
        st.rerun(scope="app")
    bits = [f"Revision {info.version}"]
    bits.append("Locked by the facilitator" if info.locked else "Open for edits")
    if info.presenting_stage_id is not None:
        bits.append(
            f"Showing stage: {inert_markdown(content.stage_name(info.presenting_stage_id))}"
        )
    left = workshop.timer_left(info.timer_started_at, info.timer_minutes)
    if left is not None:
        bits.append(
            f"Timer: {left // 60:02d}:{left % 60:02d} left" if left else "Timer: time is up"
        )
    st.caption(" · ".join(bits))


# ------------------------------------------------------------------ graph


def _fit_scale(columns: int, screen: int = 1100) -> float:
    """How much vis will shrink the layout to fit a typical wide screen; sizes the height."""
    return min(1.0, screen / max(1, columns * views.COLUMN_WIDTH))


def _graph(
    content: jm.MapContent,
    roles: list[str],
    channels: list[str],
    reach: Any,
    focus: int | None = None,
) -> None:
    g = views.graph(content, roles=set(roles), channels=set(channels), reach=reach)
    selected = st.session_state.get("journey_selected")
    focused = views.node_id("stage", focus) if focus is not None else None
    nodes = [
        Node(
            id=n.id,
            label=f"▶ {n.label}" if n.id == focused else n.label,
            title=n.title,
            shape=n.shape,
            color={
                "background": n.color,
                "border": "#000000" if n.id in (selected, focused) else n.color,
            },
            size=n.size,
            x=n.x,
            y=n.y,
            borderWidth=4 if n.id in (selected, focused) else 1,
            font={
                "color": n.font_color if n.shape == "box" else "#222222",
                "size": 14,
                "face": "sans-serif",
            },
            physics=False,
        )
        for n in g.nodes
    ]
    edges = [
        Edge(
            source=e.source,
            target=e.target,
            color="#888888",
            dashes=e.dashed,
            arrows="to" if not e.dashed else "",
        )
        for e in g.edges
    ]
    columns = max(1, len([n for n in g.nodes if n.kind == "stage"]))
    rows = max([n.y for n in g.nodes], default=0) // views.ROW_HEIGHT + 1
    config = Config(
        width=columns * views.COLUMN_WIDTH,
        height=max(360, int((rows * views.ROW_HEIGHT + 60) * _fit_scale(columns)) + 80),
        directed=True,
        physics=False,
        hierarchical=False,
        interaction={"dragNodes": False, "hover": True, "zoomView": True},
    )
    config.width = "100%"  # vis fits the fixed layout into whatever width the screen has
    config.__dict__.pop("direction", None)
    config.__dict__.pop("sortMethod", None)
    config.groups = {}
    clicked = agraph(nodes=nodes, edges=edges, config=config)
    if clicked and clicked != st.session_state.get("journey_last_click"):
        st.session_state["journey_last_click"] = clicked
        if views.parse_node_id(clicked):
            st.session_state["journey_selected"] = clicked
            st.rerun()
    colours = {
        "stage": "blue",
        "milestone": "orange",
        "touchpoint": "green",
        "signal": "blue",
        "risk": "red",
    }
    legend = " · ".join(
        f":{colours[k]}[{s['symbol']} {jm.spec(k).label}]" for k, s in views.STYLE.items()
    )
    action = "Click a node to edit it; hover" if not VIEWER else "Hover over a node"
    st.caption(f"Legend: {legend}. {action} for its details.")


# ------------------------------------------------------------------ element forms


def _options(f: FieldSpec) -> tuple[list[Any], Any]:
    if f.name == "evidence":
        return list(f.choices), lambda v: EVIDENCE_LABELS.get(v, v)
    if f.name == "role":
        return list(f.choices), lambda v: ROLE_NAMES.get(v, v)
    return list(f.choices), lambda v: v.replace("_", " ") if v else "(none)"


def _field_widget(f: FieldSpec, value: Any, key: str, stages: dict[int | None, str]) -> Any:
    label = f.label
    if f.type == "stage":
        ids = list(stages)
        return st.selectbox(
            label,
            ids,
            index=ids.index(value) if value in ids else 0,
            format_func=lambda i: stages[i],
            key=key,
        )
    if f.type == "choice":
        opts, fmt = _options(f)
        return st.selectbox(
            label, opts, index=opts.index(value) if value in opts else 0, format_func=fmt, key=key
        )
    if f.type == "bool":
        return st.checkbox(label, value=bool(value), key=key)
    if f.name == "emotion":
        return st.slider(
            label, -2, 2, int(value or 0), key=key, help="-2 very negative … +2 very positive"
        )
    if f.name in ("value", "effort"):
        return st.slider(label, 1, 5, int(value or 3), key=key)
    if f.type == "int":
        return st.number_input(label, value=value, step=1, key=key)
    if f.type == "float":
        return st.number_input(label, value=value, step=1.0, key=key)
    if f.type == "date":
        current = date.fromisoformat(value) if isinstance(value, str) else value
        return st.date_input(label, value=current, key=key)
    if f.type == "longtext":
        return st.text_area(label, value=value or "", key=key, height=80)
    return st.text_input(label, value=value or "", key=key, max_chars=200)


def _stage_choices(content: jm.MapContent) -> dict[int | None, str]:
    return {None: "(not on a stage)", **{s["id"]: s["name"] for s in content.stages}}


def _started(kind: str, element: dict[str, Any]) -> int:
    """The version this person's form started from; kept until they save or reload."""
    started = st.session_state.setdefault("journey_started", {})
    return started.setdefault(f"{kind}-{element['id']}", element["version"])


def _forget(kind: str, element_id: int) -> None:
    st.session_state.get("journey_started", {}).pop(f"{kind}-{element_id}", None)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _show_conflict(exc: jm.ConflictError, kind: str, element_id: int) -> None:
    st.error(inert_markdown(exc), icon=":material/sync_problem:")
    rows = [
        {"Field": f, "Yours": str(m), "Saved by the other person": str(t)}
        for f, m, t in exc.differences()
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"conflict_{kind}_{element_id}")
    st.session_state["journey_conflict"] = {
        "kind": kind,
        "id": element_id,
        "mine": {k: _plain(v) for k, v in exc.mine.items()},
    }


def _edit_form(content: jm.MapContent, kind: str, element: dict[str, Any]) -> None:
    spec = jm.spec(kind)
    started = _started(kind, element)
    stages = _stage_choices(content)
    prefix = f"ef_{kind}_{element['id']}_{started}"
    with st.form(f"edit_{kind}_{element['id']}_{started}"):
        st.markdown(f"**Edit {spec.label.lower()}** · version {started}")
        values: dict[str, Any] = {}
        columns = st.columns(2)
        for i, f in enumerate(spec.fields):
            with columns[i % 2] if f.type not in ("longtext",) else st.container():
                values[f.name] = _field_widget(f, element.get(f.name), f"{prefix}_{f.name}", stages)
        saved = st.form_submit_button("Save changes", type="primary", key=f"{prefix}_save")
    if saved:
        changes = {k: v for k, v in values.items() if _plain(v) != element.get(k)}
        _save_edit(content, kind, element, changes, started)
    _edit_buttons(content, kind, element)


def _save_edit(
    content: jm.MapContent,
    kind: str,
    element: dict[str, Any],
    changes: dict[str, Any],
    started: int,
) -> None:
    if not changes:
        st.toast("Nothing changed")
        return
    try:
        with transaction() as s:
            jm.edit_element(s, content.info.id, kind, element["id"], changes, started, _actor())
    except jm.ConflictError as exc:
        _show_conflict(exc, kind, element["id"])
        return
    except jm.JourneyError as exc:
        _error(exc)
        return
    _forget(kind, element["id"])
    st.session_state.pop("journey_conflict", None)
    st.toast(f"Saved {jm.spec(kind).label.lower()}")
    st.rerun()


def _edit_buttons(content: jm.MapContent, kind: str, element: dict[str, Any]) -> None:
    conflict = st.session_state.get("journey_conflict")
    cols = st.columns(4)
    if conflict and conflict["kind"] == kind and conflict["id"] == element["id"]:
        if cols[0].button("Show their version", key="conflict_reload"):
            _forget(kind, element["id"])
            st.session_state.pop("journey_conflict", None)
            st.rerun()
        if cols[1].button("Save mine over theirs", key="conflict_overwrite"):
            _forget(kind, element["id"])
            st.session_state.pop("journey_conflict", None)
            _save_edit(content, kind, element, conflict["mine"], element["version"])
        return
    if jm.spec(kind).has_position:
        if cols[0].button(
            "Move earlier", key=f"move_up_{kind}_{element['id']}", icon=":material/arrow_back:"
        ):
            _run(lambda s: jm.move_element(s, content.info.id, kind, element["id"], -1, _actor()))
        if cols[1].button(
            "Move later", key=f"move_down_{kind}_{element['id']}", icon=":material/arrow_forward:"
        ):
            _run(lambda s: jm.move_element(s, content.info.id, kind, element["id"], 1, _actor()))
    if cols[2].button("Delete", key=f"delete_{kind}_{element['id']}", icon=":material/delete:"):
        _confirm_delete_element(content.info.id, kind, element)
    if cols[3].button("Close", key=f"close_{kind}_{element['id']}"):
        st.session_state.pop("journey_selected", None)
        st.rerun()


@st.dialog("Delete element")
def _confirm_delete_element(map_id: int, kind: str, element: dict[str, Any]) -> None:
    st.write(f"Delete this {jm.spec(kind).label.lower()}? Undo brings it back.")
    st.text(element[jm.spec(kind).label_field])
    if kind == "stage":
        st.caption("Its milestones, touchpoints, signals and risks stay on the map, unplaced.")
    if st.button("Delete", type="primary", key="delete_element_confirm"):
        try:
            with transaction() as s:
                jm.delete_element(s, map_id, kind, element["id"], _actor(), element["version"])
        except jm.JourneyError as exc:
            _error(exc)
            return
        st.session_state.pop("journey_selected", None)
        st.toast("Deleted; Undo brings it back")
        st.rerun()


def _run(action: Any, done: str = "Done") -> None:
    try:
        with transaction() as s:
            action(s)
    except jm.JourneyError as exc:
        _error(exc)
        return
    st.toast(done)
    st.rerun()


def _add_form(content: jm.MapContent) -> None:
    stages = _stage_choices(content)
    with st.form("journey_add", clear_on_submit=True):
        st.markdown("**Add to the map**")
        c1, c2, c3, c4 = st.columns([2, 3, 2, 2])
        kind = c1.selectbox(
            "Kind", list(jm.MAP_KINDS), key="add_kind", format_func=lambda k: jm.spec(k).label
        )
        name = c2.text_input("Name", key="add_name", max_chars=200)
        stage_ids = list(stages)
        presenting = content.info.presenting_stage_id
        stage = c3.selectbox(
            "Stage",
            stage_ids,
            key="add_stage",
            index=stage_ids.index(presenting) if presenting in stage_ids else 0,
            format_func=lambda i: stages[i],
        )
        channel = c4.selectbox("Channel (touchpoints)", list(CHANNELS), key="add_channel")
        if st.form_submit_button("Add", type="primary", key="add_submit"):
            values: dict[str, Any] = {"name": name}
            if kind != "stage":
                values["stage_id"] = stage
            if kind == "touchpoint":
                values["channel"] = channel
            try:
                with transaction() as s:
                    added = jm.add_element(s, content.info.id, kind, values, _actor())
            except jm.JourneyError as exc:
                _error(exc)
                return
            st.session_state["journey_selected"] = views.node_id(kind, added["id"])
            st.toast(f"Added {jm.spec(kind).label.lower()} — Undo takes it back")
            st.rerun()


def _all_nodes(content: jm.MapContent) -> dict[str, str]:
    out = {}
    for kind in jm.MAP_KINDS:
        for e in content.of(kind):
            where = content.stage_name(e.get("stage_id")) if kind != "stage" else ""
            out[views.node_id(kind, e["id"])] = f"{jm.spec(kind).label}: {e['name']}" + (
                f" ({where})" if where else ""
            )
    return out


def _editor(content: jm.MapContent, *, editable: bool) -> None:
    nodes = _all_nodes(content)
    selected = st.session_state.get("journey_selected")
    if selected not in nodes:
        selected = None
    options = [None, *nodes]
    if st.session_state.get("journey_pick") != selected:
        st.session_state["journey_pick"] = selected

    def picked() -> None:
        st.session_state["journey_selected"] = st.session_state["journey_pick"]

    st.selectbox(
        "Element to edit",
        options,
        key="journey_pick",
        on_change=picked,
        format_func=lambda i: nodes[i] if i else "(choose, or click a node)",
    )
    parsed = views.parse_node_id(selected)
    if not parsed:
        return
    kind, element_id = parsed
    element = content.find(kind, element_id)
    if element is None:
        st.warning("That element was deleted meanwhile.")
        return
    if editable:
        _edit_form(content, kind, element)
    else:
        st.text(views.details(kind, element))


# ------------------------------------------------------------------ grid and bulk editing


GRID_CSS = """
<style>
.wp-grid {overflow-x: auto;}
.wp-grid table {border-collapse: collapse; font-size: 0.85rem; min-width: 100%;}
.wp-grid th, .wp-grid td {border: 1px solid #d0d0d0; padding: 6px 8px; vertical-align: top;
  text-align: left; min-width: 180px;}
.wp-grid thead th {background: #0072B2; color: #fff;}
.wp-grid tbody th {background: #f3f3f3; min-width: 120px;}
.wp-grid .wp-focus {outline: 3px solid #E69F00; outline-offset: -3px;}
</style>
"""
PRESENTER_CSS = """
<style>
.wp-grid table {font-size: 1.35rem;}
[data-testid="stMainBlockContainer"] h1 {font-size: 3rem;}
[data-testid="stSidebar"] {display: none;}
</style>
"""


def _grid(content: jm.MapContent, focus: int | None, reach: Any, *, chrome: bool = True) -> None:
    g = views.grid(content, reach)
    if not g.columns:
        st.info("Add a stage to see the grid.", icon=":material/info:")
        return
    highlight = content.stage_name(focus) if focus is not None else None
    st.html(GRID_CSS + views.grid_html(g, highlight=highlight))
    if not chrome:
        return
    svg = views.grid_svg(g, content.info.name)
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Grid as SVG",
        svg,
        file_name="journey-grid.svg",
        mime="image/svg+xml",
        key="grid_svg",
        icon=":material/download:",
    )
    c2.download_button(
        "Grid as PNG",
        svg_png(svg),
        file_name="journey-grid.png",
        mime="image/png",
        key="grid_png",
        icon=":material/download:",
    )
    c3.download_button(
        "Grid as CSV",
        csv_bytes(g.to_frame()),
        file_name="journey-grid.csv",
        mime="text/csv",
        key="grid_csv",
        icon=":material/download:",
    )


def _bulk_frame(content: jm.MapContent, kind: str) -> pd.DataFrame:
    return pd.DataFrame(tables.editor_rows(content, kind), columns=tables.editor_columns(kind))


def _column_config(kind: str, content: jm.MapContent) -> dict[str, Any]:
    spec = jm.spec(kind)
    config: dict[str, Any] = {"id": None, "version": None}
    for f in spec.fields:
        if f.type == "stage":
            config["stage"] = st.column_config.SelectboxColumn(
                "Stage", options=[s["name"] for s in content.stages]
            )
        elif f.type == "choice":
            config[f.name] = st.column_config.SelectboxColumn(
                f.label, options=list(f.choices), required=f.required
            )
        elif f.type == "bool":
            config[f.name] = st.column_config.CheckboxColumn(f.label)
        elif f.type in ("int", "float"):
            config[f.name] = st.column_config.NumberColumn(
                f.label, step=1 if f.type == "int" else 0.5, required=f.required
            )
        elif f.type == "date":
            config[f.name] = st.column_config.DateColumn(f.label)
        else:
            config[f.name] = st.column_config.TextColumn(
                f.label, required=f.required, max_chars=200 if f.type == "text" else 5000
            )
    return config


def _rows_for_core(frame: pd.DataFrame, content: jm.MapContent, kind: str) -> list[dict]:
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return tables.from_editor(content, kind, records)


def _bulk(content: jm.MapContent, kinds: tuple[str, ...], prefix: str = "bulk") -> None:
    kind = st.segmented_control(
        "Element kind",
        list(kinds),
        default=kinds[0],
        format_func=lambda k: jm.spec(k).plural,
        key=f"{prefix}_kind",
    )
    kind = kind or kinds[0]
    base_key = f"{prefix}_base_{content.info.id}_{kind}"
    if base_key not in st.session_state:
        st.session_state[base_key] = (content.info.version, _bulk_frame(content, kind))
    base_rev, frame = st.session_state[base_key]
    if base_rev != content.info.version:
        st.caption(
            f"The map has changed since this table was loaded (revision {base_rev}); "
            "saving still checks every row, so nobody's edit is overwritten."
        )
    edited = st.data_editor(
        frame,
        num_rows="dynamic",
        hide_index=True,
        column_config=_column_config(kind, content),
        key=f"{base_key}_editor_{base_rev}",
        width="stretch",
    )
    c1, c2 = st.columns(2)
    if c1.button(f"Save {jm.spec(kind).plural.lower()}", type="primary", key=f"{prefix}_save"):
        try:
            with transaction() as s:
                count = jm.save_kind(
                    s, content.info.id, kind, _rows_for_core(edited, content, kind), _actor()
                )
        except jm.ConflictError as exc:
            _show_conflict(exc, kind, 0)
            return
        except jm.JourneyError as exc:
            _error(exc)
            return
        st.session_state.pop(base_key, None)
        st.toast(f"Saved {count} change(s); one Undo takes them all back")
        st.rerun()
    if c2.button("Reload from the map", key=f"{prefix}_reload"):
        st.session_state.pop(base_key, None)
        st.rerun()


# ------------------------------------------------------------------ charts


def _timeline(content: jm.MapContent) -> None:
    frame = views.timeline_frame(content)
    if frame.is_empty():
        st.info("Give the stages a day range to see the timeline.", icon=":material/info:")
        return
    st.altair_chart(charts.stage_timeline(frame), width="stretch")


def _emotion(content: jm.MapContent, other: jm.MapContent | None) -> None:
    frames = [views.emotion_frame(content)]
    if other is not None:
        frames.append(
            views.emotion_frame(other).with_columns(
                pl.lit(f"{other.info.state} ({other.info.name})").alias("state")
            )
        )
    frame = pl.concat(frames)
    if frame.is_empty():
        st.info("Place touchpoints on stages to see the emotion curve.", icon=":material/info:")
        return
    order = [s["name"] for s in content.stages]
    st.altair_chart(charts.emotion_curve(frame, order), width="stretch")


def _ideal_choice(content: jm.MapContent, key: str) -> jm.MapContent | None:
    others = [m for m in _maps(content.info.workspace_id) if m.id != content.info.id]
    if not others:
        st.caption("Duplicate this map as the ideal state to compare the two.")
        return None
    ids = [m.id for m in others]
    default = next(
        (
            m.id
            for m in others
            if m.state != content.info.state and m.segment == content.info.segment
        ),
        None,
    )
    options = [None, *ids]
    titles = {m.id: m.title for m in others}
    chosen = st.selectbox(
        "Compare with",
        options,
        key=key,
        index=options.index(default) if default in options else 0,
        format_func=lambda i: titles[i] if i else "(nothing)",
    )
    if chosen is None:
        return None
    with transaction() as s:
        return jm.load(s, chosen)


# ------------------------------------------------------------------ workshop


def _notes(content: jm.MapContent) -> None:
    stages = _stage_choices(content)
    with st.form("note_add", clear_on_submit=True):
        st.markdown("**Quick note from the room**")
        c1, c2 = st.columns(2)
        kind = c1.selectbox(
            "Type",
            list(workshop.NOTE_KINDS),
            key="note_kind",
            format_func=lambda k: workshop.NOTE_KINDS[k],
        )
        ids = list(stages)
        stage = c2.selectbox("Stage", ids, key="note_stage", format_func=lambda i: stages[i])
        text = st.text_area("Note", key="note_text", height=68, max_chars=2000)
        if st.form_submit_button("Add note", key="note_submit"):
            _run(
                lambda s: workshop.add_note(s, content.info.id, stage, kind, text, _actor()),
                "Note added",
            )
    voter = st.session_state["journey_voter"]
    with transaction() as s:
        notes = workshop.list_notes(s, content.info.id, voter)
    if not notes:
        st.caption("No notes yet. Anyone with the participant link can add one.")
        return
    for note in notes:
        _note_row(content, note, stages)


def _note_row(content: jm.MapContent, note: workshop.NoteInfo, stages: dict) -> None:
    with st.container(border=True):
        c1, c2, c3 = st.columns([6, 1, 3])
        c1.caption(
            f"{workshop.NOTE_KINDS[note.kind]} · {inert_markdown(stages.get(note.stage_id, ''))}"
            + (f" · on the map as {note.converted_to}" if note.converted_to else "")
        )
        c1.text(note.text)
        dot = "●" if note.mine else "○"
        if c2.button(
            f"{dot} {note.votes}", key=f"vote_{note.id}", help="Add or take back your anonymous dot"
        ):
            _run(
                lambda s: workshop.toggle_vote(
                    s, content.info.id, note.id, st.session_state["journey_voter"]
                ),
                "Vote counted",
            )
        if FACILITATOR and not note.converted_to:
            target = c3.selectbox(
                "Turn into",
                list(workshop.CONVERT_TO),
                key=f"conv_{note.id}",
                label_visibility="collapsed",
            )
            if c3.button("Add to map", key=f"convert_{note.id}"):
                _run(
                    lambda s: workshop.convert_note(s, content.info.id, note.id, target, _actor()),
                    "Added to the map",
                )


def _control(action: Any, done: str) -> None:
    """A widget callback that writes to the database; a refusal is shown on the next run."""
    try:
        with transaction() as s:
            action(s)
    except jm.JourneyError as exc:
        st.session_state["journey_flash"] = str(exc)
        return
    st.toast(done)


def _facilitation(content: jm.MapContent) -> None:
    info = content.info
    c1, c2, c3 = st.columns(3)
    # Widgets mirror the database on every run, so a stale screen never writes back old state.
    st.session_state["workshop_lock"] = info.locked
    c1.toggle(
        "Lock the map",
        key="workshop_lock",
        help="Participants can still add notes and vote.",
        on_change=lambda: _control(
            lambda s: workshop.set_locked(
                s, info.id, _actor(), locked=st.session_state["workshop_lock"]
            ),
            "Lock changed",
        ),
    )
    stages = _stage_choices(content)
    st.session_state["workshop_present"] = info.presenting_stage_id
    c2.selectbox(
        "Show the room this stage",
        list(stages),
        key="workshop_present",
        format_func=lambda i: stages[i] if i else "(no stage)",
        on_change=lambda: _control(
            lambda s: workshop.present_stage(
                s, info.id, st.session_state["workshop_present"], _actor()
            ),
            "The room follows you",
        ),
    )
    minutes = c3.number_input("Timer (minutes)", 1, 240, 10, key="workshop_minutes")
    t1, t2 = c3.columns(2)
    if t1.button("Start timer", key="workshop_timer_start"):
        _run(lambda s: workshop.start_timer(s, info.id, int(minutes), _actor()), "Timer started")
    if t2.button("Stop", key="workshop_timer_stop"):
        _run(lambda s: workshop.stop_timer(s, info.id, _actor()), "Timer stopped")
    with transaction() as s:
        links = workshop.ensure_links(s, info.id, _actor())
    base = _base_url()
    st.markdown("**Links for the room**")
    st.text(f"Participants (may edit, add notes, vote): passcode {links.passcode}")
    st.code(f"{base}?map={info.id}&code={links.passcode}", language=None)
    st.text("Executives (read only):")
    st.code(f"{base}?map={info.id}&view={links.readonly_token}", language=None)
    if st.button("Make new links (old ones stop working)", key="workshop_reset_links"):
        _run(lambda s: workshop.reset_links(s, info.id, _actor()), "New links made")


def _base_url() -> str:
    try:
        url = st.context.url or ""
    except AttributeError:
        url = ""
    return url.split("?")[0] or "/journey"


# ------------------------------------------------------------------ opportunities


def _opportunities(content: jm.MapContent, *, editable: bool) -> None:
    items = content.of("opportunity")
    if items:
        frame = pl.DataFrame(
            [
                {
                    "title": o["title"],
                    "value": o["value"],
                    "effort": o["effort"],
                    "status": o["status"],
                    "evidence": EVIDENCE_LABELS[o["evidence"]],
                    "owner": o["owner"],
                }
                for o in items
            ]
        )
        st.altair_chart(charts.value_effort_matrix(frame), width="stretch")
    else:
        st.caption("No opportunities yet: add them below, or turn a sticky note into one.")
    if editable:
        _bulk(content, ("opportunity",), prefix="opps")


# ------------------------------------------------------------------ check, compare, history


def _check(content: jm.MapContent) -> None:
    result = jm.completeness(content)
    c1, c2 = st.columns([1, 3])
    c1.metric("Completeness", f"{result.score} / 100")
    c2.altair_chart(charts.completeness_bars(result.parts), width="stretch")
    if result.gaps:
        st.markdown(f"**{len(result.gaps)} gap(s) to close**")
        st.dataframe(
            pd.DataFrame([{"Part": g.part, "Gap": g.gap} for g in result.gaps]),
            hide_index=True,
            key="completeness_gaps",
            width="stretch",
        )
    else:
        st.success("Nothing missing: all eight parts are covered.", icon=":material/check:")


def _compare(content: jm.MapContent) -> None:
    other = _ideal_choice(content, "compare_with")
    if other is None:
        return
    diff = jm.compare(content, other)
    if not diff:
        st.info("The two maps hold the same elements.", icon=":material/info:")
        return
    rows = [
        {
            "Kind": jm.spec(d.kind).label,
            "Name": d.name,
            "Status": STATUS_SYMBOL[d.status],
            "What changed": "; ".join(f"{f}: {a!s} → {b!s}" for f, a, b in d.changes),
        }
        for d in diff
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="compare_table", width="stretch")


def _history(content: jm.MapContent, *, editable: bool) -> None:
    with transaction() as s:
        changes = jm.list_changes(s, content.info.id)
        snaps = jm.list_snapshots(s, content.info.id)
    rows = [
        {
            "When (UTC)": f"{c.at:%Y-%m-%d %H:%M:%S}",
            "Who": c.who,
            "What": c.summary,
            "Undone": "↩ undone" if c.undone else "",
        }
        for c in changes
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="history_table", width="stretch")
    if not editable:
        return
    with st.form("snapshot_form", clear_on_submit=True):
        c1, c2 = st.columns([3, 1])
        label = c1.text_input(
            "Save this version as",
            key="snapshot_label",
            placeholder="e.g. After the kickoff discussion",
        )
        if c2.form_submit_button("Save version", key="snapshot_save"):
            _run(lambda s: jm.take_snapshot(s, content.info.id, label, _actor()), "Version saved")
    if not snaps:
        st.caption("No saved versions yet.")
        return
    ids = [x.id for x in snaps]
    labels = {
        x.id: f"{x.label} · {x.at:%Y-%m-%d %H:%M} · {x.who} · {x.elements} elements" for x in snaps
    }
    chosen = st.selectbox(
        "Saved versions", ids, format_func=lambda i: labels[i], key="snapshot_pick"
    )
    with transaction() as s:
        elements = jm.snapshot_elements(s, content.info.id, chosen)
    st.caption(" · ".join(f"{len(v)} {jm.spec(k).plural.lower()}" for k, v in elements.items()))
    if st.button("Restore this version…", key="snapshot_restore"):
        _confirm_restore(content.info.id, chosen)


@st.dialog("Restore a saved version")
def _confirm_restore(map_id: int, snapshot_id: int) -> None:
    st.write("The map goes back to this version. Undo takes the restore back.")
    if st.button("Restore", type="primary", key="snapshot_restore_confirm"):
        _run(lambda s: jm.restore_snapshot(s, map_id, snapshot_id, _actor()), "Version restored")


# ------------------------------------------------------------------ export and import


def _exports(content: jm.MapContent) -> None:
    slug = re.sub(r"[^a-z0-9]+", "-", content.info.name.lower()).strip("-") or "journey-map"
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(
        "JSON",
        jm.to_json(content),
        file_name=f"{slug}.json",
        mime="application/json",
        key="export_json",
    )
    c2.download_button(
        "Excel",
        jm.to_excel(content),
        file_name=f"{slug}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="export_excel",
    )
    c3.download_button(
        "Markdown",
        jm.to_markdown(content),
        file_name=f"{slug}.md",
        mime="text/markdown",
        key="export_md",
    )
    plan_text = plan_to_toml(plan(content.info.workspace_id))
    c4.download_button(
        "Measurement plan (TOML)",
        plan_text,
        file_name="plan.toml",
        mime="application/toml",
        key="export_plan",
    )
    st.caption("Charts: use the ⋯ menu on each chart to save it as PNG or SVG.")


def _imports(workspace_id: int) -> None:
    with st.form("journey_import", clear_on_submit=True):
        st.markdown("**Import a map** (JSON or Excel exported from Waypoint)")
        upload = st.file_uploader("Map file", type=["json", "xlsx"], key="import_file")
        name = st.text_input("Name for the imported map (optional)", key="import_name")
        submitted = st.form_submit_button("Import", key="import_submit")
        if submitted and upload is None:
            st.warning("Choose a JSON or Excel file first.")
        if submitted and upload is not None:
            try:
                data = upload.getvalue()
                doc = (
                    jm.from_excel(data)
                    if upload.name.lower().endswith(".xlsx")
                    else (jm.from_json(data))
                )
                with transaction() as s:
                    info, warnings = jm.build_map(s, workspace_id, doc, _actor(), name=name or None)
            except jm.JourneyError as exc:
                _error(exc)
                st.caption("Nothing was imported.")
                return
            for warning in warnings:
                st.toast(inert_markdown(warning), icon=":material/warning:")
            st.session_state["journey_map_next"] = info.id
            st.toast(f"Imported {inert_markdown(info.name)}")
            st.rerun()


# ------------------------------------------------------------------ map meets data


def _reach(content: jm.MapContent, *, show: bool) -> Any:
    if not show:
        return None
    ws = WORKSPACE if FACILITATOR else None
    workspace_id = ws.id if ws else content.info.workspace_id
    info, data = current_dataset(workspace_id)
    if info is None:
        st.info(
            "No customer data in this workspace yet: load it on the Data page to see "
            "how many accounts reach each milestone.",
            icon=":material/info:",
        )
        return None
    result = overlay(content, data, plan(workspace_id), ws.as_of if ws else None)
    st.caption(
        f"Map meets data: {result.accounts_note} Labels show the share of accounts "
        "that reached each milestone (and its stage) and the median days from start."
    )
    return result


# ------------------------------------------------------------------ the page


def _toolbar(content: jm.MapContent, *, editable: bool) -> dict[str, Any]:
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    with transaction() as s:
        pending = jm.next_undo(s, content.info.id)
    if editable and not st.session_state.get("journey_presenter"):
        label = (
            f"Undo: {inert_markdown(pending.summary[:50])} (by {inert_markdown(pending.who[:20])})"
            if pending
            else "Nothing to undo"
        )
        if c1.button(label, key="journey_undo", disabled=pending is None, icon=":material/undo:"):
            _run(lambda s: jm.undo(s, content.info.id, _actor()), "Undone")
    presenter = c2.toggle("Presenter mode", key="journey_presenter", value=VIEWER)
    follow = c3.toggle(
        "Follow the facilitator",
        key="journey_follow",
        value=not FACILITATOR,
        help="Jump to the stage the facilitator is showing.",
    )
    data = c4.toggle(
        "Show data",
        key="journey_overlay",
        value=False,
        help="Share of accounts reaching each milestone, from the loaded data.",
    )
    return {"presenter": presenter, "follow": follow, "data": data}


def _filters(content: jm.MapContent) -> tuple[list[str], list[str]]:
    c1, c2 = st.columns(2)
    roles = c1.multiselect(
        "Roles",
        ["", *ROLES],
        default=["", *ROLES],
        key="filter_roles",
        format_func=lambda r: ROLE_NAMES[r],
    )
    channels = c2.multiselect(
        "Channels", list(CHANNELS), default=list(CHANNELS), key="filter_channels"
    )
    return roles, channels


def _focus(content: jm.MapContent, *, follow: bool) -> int | None:
    """The stage the facilitator is showing, for screens that follow them."""
    return content.info.presenting_stage_id if follow else None


def _who() -> None:
    if FACILITATOR:
        st.sidebar.text_input(
            "Your name (shown in the history)",
            key="journey_who",
            value=st.session_state.get("journey_who", "Facilitator"),
        )
    elif not VIEWER:
        st.text_input("Your name (shown in the history)", key="journey_who")


def page() -> None:
    if FACILITATOR:
        ws = WORKSPACE
        st.title("Journey maps")
        _who()
        info = _choose_map(ws.id)
        if info is None:
            return
        map_id = info.id
    else:
        map_id = LINKED_MAP
        st.title("Journey map" + (" (read only)" if VIEWER else " · workshop"))
        _who()
    with transaction() as s:
        content = jm.load(s, map_id)
    st.session_state["journey_rev"] = content.info.version
    editable = not VIEWER and (FACILITATOR or not content.info.locked)
    if not FACILITATOR:
        st.subheader(content.info.name)
    _live_bar(map_id)
    _flash()
    tools = _toolbar(content, editable=editable)
    presenter = tools["presenter"]
    if presenter:
        st.html(PRESENTER_CSS)
    roles, channels = ([], []) if presenter else _filters(content)
    roles = roles or ["", *ROLES]
    channels = channels or list(CHANNELS)
    focus = _focus(content, follow=tools["follow"])
    reach = _reach(content, show=tools["data"])
    if presenter:
        _presenter(content, roles, channels, reach, focus)
        return
    if not content.stages and not any(content.of(k) for k in jm.CHILD_KINDS):
        st.info(
            "This map is empty. Add the first stage below (e.g. Kickoff).", icon=":material/info:"
        )
    tabs = st.tabs(
        [
            "Map",
            "Grid",
            "Tables",
            "Timeline & emotion",
            "Workshop",
            "Opportunities",
            "Check & compare",
            "History",
            "Export & import",
        ]
    )
    with tabs[0]:
        _graph(content, roles, channels, reach, focus)
        if editable:
            _add_form(content)
        elif content.info.locked and not VIEWER:
            st.info(
                "The facilitator has locked the map; you can still add notes and vote.",
                icon=":material/lock:",
            )
        _editor(content, editable=editable)
    with tabs[1]:
        _grid(content, focus, reach)
    with tabs[2]:
        if editable:
            _bulk(content, jm.MAP_KINDS)
        else:
            st.caption("Editing is closed for you right now.")
    with tabs[3]:
        _timeline(content)
        _emotion(content, _ideal_choice(content, "emotion_compare"))
    with tabs[4]:
        if FACILITATOR:
            _facilitation(content)
        if not VIEWER:
            _notes(content)
    with tabs[5]:
        _opportunities(content, editable=editable)
    with tabs[6]:
        _check(content)
        _compare(content)
    with tabs[7]:
        _history(content, editable=editable)
    with tabs[8]:
        _exports(content)
        if FACILITATOR:
            _imports(content.info.workspace_id)


def _presenter(
    content: jm.MapContent, roles: list[str], channels: list[str], reach: Any, focus: int | None
) -> None:
    """Projector view: the picture, the grid and the curve, nothing to click by mistake."""
    _graph(content, roles, channels, reach, focus)
    _grid(content, focus, reach, chrome=False)
    c1, c2 = st.columns(2)
    with c1:
        _timeline(content)
    with c2:
        _emotion(content, None)


page()
