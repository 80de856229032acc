"""Charts of the Data page: what a loaded data set holds."""

from __future__ import annotations

import altair as alt
import polars as pl

from core.common.palette import BLUE


def accounts_per_segment_chart(per_segment: pl.DataFrame) -> alt.Chart:
    """Accounts per segment, largest first (columns segment, accounts, churned)."""
    return (
        alt.Chart(per_segment)
        .mark_bar(color=BLUE)
        .encode(
            x=alt.X("accounts:Q", title="Accounts"),
            y=alt.Y("segment:N", sort="-x", title=None),
            tooltip=["segment", "accounts", "churned"],
        )
        .properties(height=160)
    )
