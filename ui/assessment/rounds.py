"""Round parts both views draw: the round's state line, the level descriptions, and the
facilitator's round picker (which remembers the chosen round across reruns)."""

from __future__ import annotations

import streamlit as st

from core import assessment as A
from core.common.text import inert_markdown

PICK_KEY = "assess_round_pick"


def state_line(info: A.RoundInfo) -> str:
    """The round's state in words with a symbol, never by colour alone."""
    answering = "✎ open for answers" if info.is_open else "✖ closed"
    shown = "◉ results revealed" if info.revealed else "○ answers hidden"
    opened = f"opened {info.opened_at:%Y-%m-%d}"
    if info.opened_by:  # a signed-in person's name: shown as text, never as Markdown
        opened += f" by {inert_markdown(info.opened_by)}"
    return f"{answering} · {shown} · {opened}"


def levels_markdown(cap: A.Capability) -> str:
    """The observable description of each level, as a list (our text, no user input)."""
    return "\n".join(f"- **{A.level_label(level)}**: {cap.describe(level)}" for level in A.LEVELS)


def pick_round(rounds: list[A.RoundInfo]) -> A.RoundInfo:
    """The round the facilitator looks at: the one picked before, else the newest."""
    by_id = {r.id: r for r in rounds}
    if st.session_state.get(PICK_KEY) not in by_id:
        st.session_state[PICK_KEY] = rounds[-1].id
    chosen = st.selectbox(
        "Round",
        list(reversed(by_id)),
        format_func=lambda rid: by_id[rid].name,
        key=PICK_KEY,
    )
    return by_id[chosen] if chosen in by_id else rounds[-1]


def choose_round(round_id: int) -> None:
    """Show this round on the next run (a round just opened)."""
    st.session_state[PICK_KEY] = round_id


def forget_round() -> None:
    """Fall back to the newest round on the next run (the chosen one was deleted)."""
    st.session_state.pop(PICK_KEY, None)
