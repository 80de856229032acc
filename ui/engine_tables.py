"""The engine's view of a workspace's stored data version: its tables with its rollups
(core.data.rollups), decoded once per version and shared by every page run and person.

Shared by Home, Scorecards and At-risk (wherever a page computes from a version):
with the rollups, the engine does not pass over every event again when the analysis date
or the filters change. A version stored before rollups existed gets them built and stored on
its first use here.
"""

from __future__ import annotations

import streamlit as st

from core.data.rollup_store import ensure_rollups, load_rollups
from core.data.rollups import EventRollups
from core.data.store import StoreError
from core.engine import RolledTables, Tables
from core.model.dataset import Dataset
from ui.state import DataKey, transaction


@st.cache_resource(max_entries=3, show_spinner="Reading the data's rollups…")
def _rollups(key: DataKey, _dataset: Dataset) -> EventRollups | None:
    """The version's rollups, built and stored first when it has none (an older import).
    None when nothing is loaded or the version is gone (the raw events then serve)."""
    if key[0] == 0 or _dataset.is_empty:
        return None
    try:
        with transaction() as session:
            found = load_rollups(session, key[0], _dataset.accounts)
        if found is None:
            with transaction() as session:
                ensure_rollups(session, key[0], _dataset)
            with transaction() as session:
                found = load_rollups(session, key[0], _dataset.accounts)
    except StoreError:
        return None
    return found


def version_rollups(key: DataKey, dataset: Dataset) -> EventRollups | None:
    """The version's decoded rollups, shared by every page (None when nothing is loaded)."""
    return _rollups(key, dataset)


def engine_tables(key: DataKey, dataset: Dataset) -> Tables:
    """What the engine computes from: the dataset with its version's rollups when it has
    them (the same numbers either way, core.data.rollups)."""
    rollups = _rollups(key, dataset)
    return dataset if rollups is None else RolledTables(dataset, rollups)
