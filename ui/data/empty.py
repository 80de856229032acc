"""The empty state of a page that computes from data, worded for who is looking: owners are
sent to the Data page; everyone else (who has no Data page) is told who loads the data."""

from __future__ import annotations

import streamlit as st

from core.access.identity import Access
from core.access.roles import Action
from core.model.dataset import Dataset
from ui.state import stop_without_data

OTHERS = (
    "There is no customer data in this workspace yet. Its owners load it on the Data page; "
    "ask one of them."
)


def may_import(access: Access) -> bool:
    """Whether the Data page is this person's (owners): import, analysis date, segments."""
    return access.may(Action.IMPORT_DATA)


def stop_without_data_for(access: Access, dataset: Dataset, why: str) -> None:
    """Stop with what to do when the workspace has no data: `why` and a link to the Data page
    for an owner, the owners' part for anyone else."""
    if may_import(access):
        stop_without_data(dataset, why)
        return
    if dataset.is_empty:
        st.info(OTHERS, icon=":material/upload_file:")
        st.stop()
