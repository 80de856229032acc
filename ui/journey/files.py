"""Files of the map that take real time to make (pictures above all): made when the person
asks, for the map as it is then, and offered as ordinary downloads.

Why not a callable behind st.download_button: Streamlit runs such a callable only when the
button is pressed, but the file it makes never reached the browser as a download in headless
Chromium (measured with Streamlit 1.67, in a two-button app too), so the room could not be
shown to get its files. Here a first press makes the files once and keeps them with this
screen until the map (or what is shown of it) changes; every run after that only hands the
kept bytes to the buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class MapFile:
    """One download: its button's label and key, and how to make its content."""

    label: str
    key: str
    file_name: str
    mime: str
    make: Callable[[], bytes | str]


def files_on_request(
    key: str, shown: Hashable, files: Sequence[MapFile], *, label: str = "Make files"
) -> None:
    """A button that makes `files` for what is `shown` now; once made, their downloads (made
    again only after `shown` changes: an edit, another filter)."""
    kept = st.session_state.get(key)
    if not (isinstance(kept, tuple) and kept[0] == shown):
        if not st.button(label, key=f"{key}_make", icon=":material/download:"):
            return
        with st.spinner("Making the files…"):
            kept = (shown, {f.key: f.make() for f in files})
        st.session_state[key] = kept
    made: dict[str, bytes | str] = kept[1]
    for column, f in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            f.label,
            made[f.key],
            file_name=f.file_name,
            mime=f.mime,
            key=f.key,
            icon=":material/download:",
            on_click="ignore",
        )
