"""What every screen of a workshop shows of the room, presenter mode included: the stage the
facilitator is showing (a highlighted banner), the facilitator's timer (large, counting down
in the browser) and who has the map open.

The countdown runs in a small component of its own: the server sends the seconds left once
per page run, and the browser counts them down every second, so a room of screens does not
make a round trip a second each. The component's page holds only numbers this module
computes (never anything a person typed). The banner and the room list are Streamlit text,
made inert (core.common.text.inert_markdown): stage names and guests' names are typed.
"""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from core import journey as jm
from core.common.text import inert_markdown
from core.journey import workshop
from core.journey.presence import Present

STYLE = """
<style>
.st-key-live_presenting {
  background: #fff4ce; border-left: 0.5rem solid #e8a200; border-radius: 0.5rem;
  padding: 0.6rem 1rem;
}
.st-key-live_presenting [data-testid="stCaptionContainer"],
.st-key-live_presenting [data-testid="stCaptionContainer"] p {
  font-size: 1.6rem; font-weight: 700; color: #4a3500;
}
.st-key-live_time_up {
  background: #b3261e; border-radius: 0.5rem; padding: 0.4rem 1rem; text-align: center;
}
.st-key-live_time_up p { font-size: 3.2rem; font-weight: 800; color: #ffffff; margin: 0; }
</style>
"""

COUNTDOWN = """
<div id="t" class="t{up}" role="timer" aria-label="Time left">{shown}</div>
<style>
  html, body {{ margin: 0; background: transparent; }}
  .t {{ font: 800 {size}rem/1.15 system-ui, -apple-system, "Segoe UI", sans-serif;
        font-variant-numeric: tabular-nums; text-align: center; color: #1a1a2e;
        background: #eef3ff; border-radius: 0.5rem; padding: 0.1rem 0; }}
  .t.up {{ color: #ffffff; background: #b3261e; }}
</style>
<script>
  const box = document.getElementById("t");
  const end = performance.now() + {left_ms};
  function shown(seconds) {{
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
  }}
  function tick() {{
    const ms = end - performance.now();
    if (ms <= 0) {{ box.textContent = "Time is up"; box.className = "t up"; return; }}
    box.textContent = shown(Math.ceil(ms / 1000));
    setTimeout(tick, (ms % 1000) || 1000);
  }}
  tick();
</script>
"""


def room_style() -> None:
    """The banner's and the time-up box's look, for the rest of the page."""
    st.html(STYLE)


def presenting_banner(content: jm.MapContent) -> None:
    """The stage the facilitator shows the room, on every screen (those that follow the
    facilitator also see it highlighted in the graph)."""
    stage_id = content.info.presenting_stage_id
    if stage_id is None:
        return
    name = content.stage_name(stage_id) or "a stage"
    with st.container(key="live_presenting"):
        st.caption(f"▶ Showing stage: {inert_markdown(name)}")


def big_timer(info: jm.MapInfo, *, presenter: bool) -> None:
    """The facilitator's timer in large digits, counting down in the browser; "Time is up"
    once it reaches zero, and from then on."""
    left = workshop.timer_left(info.timer_started_at, info.timer_minutes)
    if left is None:
        return
    if left == 0:
        with st.container(key="live_time_up"):
            st.markdown("Time is up")
    else:
        components.html(countdown(left, presenter=presenter), height=170 if presenter else 90)
    st.caption(f"Timer: {info.timer_minutes:02d}:00, set by the facilitator")


def countdown(left: int, *, presenter: bool = False) -> str:
    """The component's page: `left` seconds counted down from when it is shown. Only the
    integers given here go into it."""
    seconds = max(0, int(left))
    return COUNTDOWN.format(
        up="" if seconds else " up",
        shown=f"{seconds // 60:02d}:{seconds % 60:02d}" if seconds else "Time is up",
        size=7 if presenter else 3.6,
        left_ms=seconds * 1000,
    )


def room_list(people: list[Present]) -> str:
    """ "In the room: Ana (facilitator), Pat, Sam" with every name inert."""
    if not people:
        return "In the room: nobody yet"
    return "In the room: " + ", ".join(inert_markdown(p.label, 60) for p in people)
