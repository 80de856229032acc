"""Looking back at a map: how complete it is, how it differs from another, what changed and
when, and the saved versions to go back to."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.access.roles import Action
from core.charts import journey as charts
from core.common.text import inert_markdown
from core.journey.kinds import field_label
from core.journey.words import plural
from ui.charts import draw_chart
from ui.clearing import empty_if_asked
from ui.journey.access import actor
from ui.journey.actions import run
from ui.journey.maps import other_map
from ui.state import transaction

WHERE = {"left": "Only in this map", "right": "Only in the other map", None: "In both, different"}
"""Plain words, no symbols: the app's font has no glyph for "－", and "added"/"removed" read
backwards from the other side."""


def check(content: jm.MapContent) -> None:
    result = jm.completeness(content)
    c1, c2 = st.columns([1, 3])
    c1.metric("Completeness", f"{result.score} / 100")
    draw_chart(charts.completeness_bars(result.parts), c2)
    if result.gaps:
        st.markdown(f"**{plural(len(result.gaps), 'gap')} to close**")
        st.dataframe(
            pl.DataFrame([{"Part": g.part, "Gap": g.gap} for g in result.gaps]),
            hide_index=True,
            key="completeness_gaps",
            width="stretch",
        )
    else:
        st.success("Nothing missing: all eight parts are covered.", icon=":material/check:")


def compare(content: jm.MapContent, access: Access) -> None:
    """What differs between this map and the one chosen, worded from this map: an element
    only this map holds is "only in this map", never "removed" (which reads backwards when
    looking from the ideal map at the current one)."""
    other = other_map(content, access, "compare_with")
    if other is None:
        return
    st.caption(
        f"This map: {inert_markdown(content.info.name)} · "
        f"the other map: {inert_markdown(other.info.name)}"
    )
    diff = jm.compare(content, other)
    if not diff:
        st.info("The two maps hold the same elements.", icon=":material/info:")
        return
    rows = [
        {
            "Kind": jm.spec(d.kind).label,
            "Name": d.name,
            "Where": WHERE[d.only_in],
            "In this map": _values(d, 1),
            "In the other map": _values(d, 2),
        }
        for d in diff
    ]
    st.dataframe(pl.DataFrame(rows), hide_index=True, key="compare_table", width="stretch")


def _values(d: jm.Difference, side: int) -> str:
    """The differing fields' values on one side, by label: "Emotion: 1; SLA (hours): 24"."""
    return "; ".join(f"{field_label(d.kind, c[0])}: {_shown(c[side])}" for c in d.changes)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def history(content: jm.MapContent, access: Access, *, editable: bool) -> None:
    """Every change, newest first; who may edit can also save versions, and who may manage
    maps restore one."""
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
    st.dataframe(pl.DataFrame(rows), hide_index=True, key="history_table", width="stretch")
    if editable:
        _versions(content, access, snaps)


def _versions(content: jm.MapContent, access: Access, snaps: list[jm.SnapshotInfo]) -> None:
    map_id = content.info.id
    with st.form("snapshot_form"):
        c1, c2 = st.columns([3, 1])
        empty_if_asked("snapshot_label")
        label = c1.text_input(
            "Save this version as",
            key="snapshot_label",
            placeholder="e.g. After the kickoff discussion",
        )
        if c2.form_submit_button("Save version", key="snapshot_save"):
            run(
                lambda s: jm.take_snapshot(s, map_id, label, actor(access)),
                "Version saved",
                clear=("snapshot_label",),
            )
    if not snaps:
        st.caption("No saved versions yet.")
        return
    labels = {
        x.id: f"{x.label} · {x.at:%Y-%m-%d %H:%M} · {x.who} · {plural(x.elements, 'element')}"
        for x in snaps
    }
    chosen = st.selectbox(
        "Saved versions", list(labels), format_func=lambda i: labels[i], key="snapshot_pick"
    )
    with transaction() as s:
        elements = jm.snapshot_elements(s, map_id, chosen)
    st.caption(" · ".join(_count(k, len(v)) for k, v in elements.items()))
    if access.may(Action.EDIT_JOURNEYS) and st.button(
        "Restore this version…", key="snapshot_restore"
    ):
        _confirm_restore(map_id, access, chosen, content.info.version)


def _count(kind: str, n: int) -> str:
    """E.g. "1 opportunity", "2 signals & triggers": the kind's own singular and plural."""
    kind_spec = jm.spec(kind)
    return plural(n, kind_spec.label.lower(), kind_spec.plural.lower())


@st.dialog("Restore a saved version")
def _confirm_restore(map_id: int, access: Access, snapshot_id: int, revision: int) -> None:
    st.write("The map goes back to this version. Undo takes the restore back.")
    if st.button("Restore", type="primary", key="snapshot_restore_confirm"):
        run(
            lambda s: jm.restore_snapshot(
                s, map_id, snapshot_id, actor(access), base_revision=revision
            ),
            "Version restored",
        )
