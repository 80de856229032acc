"""Edits that started from an older version: what each form started from, and the two values
side by side when a colleague saved the same element first."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from core import journey as jm
from core.common.errors import UserError
from ui.feedback import show_error

STARTED_KEY = "journey_started"
CONFLICT_KEY = "journey_conflict"


def started(kind: str, element: Mapping[str, Any]) -> int:
    """The version this person's form started from; kept until they save or reload."""
    versions = st.session_state.setdefault(STARTED_KEY, {})
    return int(versions.setdefault(f"{kind}-{element['id']}", element["version"]))


def forget(kind: str, element_id: int) -> None:
    st.session_state.get(STARTED_KEY, {}).pop(f"{kind}-{element_id}", None)


def settle(kind: str, element_id: int) -> None:
    """The edit is saved or given up: the next form starts from what is stored now."""
    forget(kind, element_id)
    st.session_state.pop(CONFLICT_KEY, None)


def plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def keep(exc: jm.ConflictError, kind: str, element_id: int) -> None:
    """Keep the refusal, both values per field and this person's values to save again, until
    they choose (a callback cannot draw; `explain` shows it on every run until then)."""
    st.session_state[CONFLICT_KEY] = {
        "kind": kind,
        "id": element_id,
        "mine": {k: plain(v) for k, v in exc.mine.items()},
        "message": str(exc),
        "rows": [
            {"Field": exc.label(f), "Yours": str(m), "Saved by the other person": str(t)}
            for f, m, t in exc.differences()
        ],
    }


def explain(kind: str, element_id: int) -> None:
    """The kept conflict of this element, if any: why, and the two values side by side."""
    kept = st.session_state.get(CONFLICT_KEY)
    if not kept or kept["kind"] != kind or kept["id"] != element_id:
        return
    show_error(UserError(kept["message"]))
    if kept["rows"]:
        st.dataframe(
            pl.DataFrame(kept["rows"]), hide_index=True, key=f"conflict_{kind}_{element_id}"
        )


def pending(kind: str, element_id: int) -> dict[str, Any] | None:
    """This person's values of the element, when their last save of it met a conflict."""
    conflict = st.session_state.get(CONFLICT_KEY)
    if conflict and conflict["kind"] == kind and conflict["id"] == element_id:
        return dict(conflict["mine"])
    return None
