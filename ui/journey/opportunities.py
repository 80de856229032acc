"""The Opportunities tab: the value/effort matrix and the table to edit them in."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.charts import journey as charts
from core.journey.kinds import EVIDENCE_LABELS
from ui.journey.bulk import bulk


def opportunities(content: jm.MapContent, access: Access, *, editable: bool) -> None:
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
        bulk(content, access, ("opportunity",), prefix="opps")
