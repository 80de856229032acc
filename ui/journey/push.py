"""The server wakes a room's screens as soon as their map changes.

Each screen's live refresh (ui/journey/live.py) runs on a timer in its browser. In a room of
sixteen screens that timer is late as soon as the screens' computers are busy, and an edit
reached the last screen 2.4-2.9 s after it was made (benchmarks/README.md, Workshop), over
the 2 s the room is promised. So the server watches as well: one thread reads the revision
of every map open on this server, five times a second, in one query for all of them
(core.journey.room.revisions, as the system). A screen that drew an older revision is asked
to run its live refresh at once, exactly as its browser's timer would ask: the same fragment,
with the address and page the screen last ran. The refresh then checks the map with its own
person's access and, the revision having moved, runs the page again.

A screen is woken only while nothing runs for it (no run, nothing pending): a request added to
a pending one would take its place's address and page, and could undo a click on the way.
A screen that has left the journey page is forgotten; one whose refresh is not registered
at the moment (between two runs) is kept and woken once the next run has registered it. The
browser's timer stays, for whatever the watcher cannot do (a Streamlit whose internals moved,
which the watcher checks once and then stands down).

Waking a session from the server goes through Streamlit's runtime: `Runtime.handle_backmsg`
(public, on the server's event loop) with the `ClientState` a browser sends; which event loop,
and whether a session is idle, are read from two private attributes, checked once at start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState

from core.db.engine import unit_of_work
from core.journey.room import revisions

WATCH_SECONDS = 0.2
"""How often the watcher reads the open maps' revisions: one small query, whatever the room."""
RETRY_SECONDS = 2.0
"""A screen woken for a revision is not woken again for it this soon (its run is on the way)."""

_LOG = logging.getLogger(__name__)


@dataclass
class Screen:
    """What the watcher knows of one browser session showing a map."""

    map_id: int
    drawn: int
    query_string: str
    page_script_hash: str
    context_info: bytes = b""
    fragment_id: str = ""
    woken_for: int = 0
    woken_at: float = 0.0


def due(screens: Mapping[str, Screen], current: Mapping[int, int], now: float) -> list[str]:
    """The screens to wake: their map's revision is past the one they drew, and they were not
    woken for it in the last RETRY_SECONDS. A deleted map (not in `current`) wakes nobody; the
    screen's own refresh says it is gone."""
    found = []
    for session_id, screen in screens.items():
        revision = current.get(screen.map_id)
        if revision is None or revision <= screen.drawn or not screen.fragment_id:
            continue
        if screen.woken_for >= revision and now - screen.woken_at < RETRY_SECONDS:
            continue
        found.append(session_id)
    return found


def wake_message(screen: Screen) -> BackMsg:
    """The request a screen's browser sends when its refresh timer fires."""
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = screen.query_string
    state.page_script_hash = screen.page_script_hash
    state.fragment_id = screen.fragment_id
    state.is_auto_rerun = True
    if screen.context_info:
        state.context_info.ParseFromString(screen.context_info)
    return msg


Verdict = Literal["wake", "wait", "gone"]


def wake_verdict(app: Any, screen: Screen) -> Verdict:
    """What to do with a screen due a wake: "wake" it; "wait" while it runs (the next tick
    tries again) or while its refresh is not registered (between two runs: the next full run
    registers it, and a screen forgotten then would wait for its browser's timer, which that
    run may have cleared); "gone" once its session closed or left the journey page."""
    if app is None or app.page_script_hash != screen.page_script_hash:
        return "gone"
    if app._scriptrunner is not None:  # noqa: SLF001 - see the module's docstring
        return "wait"
    return "wake" if app.has_fragment(screen.fragment_id) else "wait"


class Watcher:
    """The server's one watcher thread and the screens it watches."""

    def __init__(self, factory: sessionmaker[Session], runtime: Runtime, loop: Any) -> None:
        self._factory = factory
        self._runtime = runtime
        self._loop = loop
        self._screens: dict[str, Screen] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="waypoint-map-watch", daemon=True)
        self._thread.start()

    def drew(self, session_id: str, screen: Screen) -> None:
        """A full run of this session drew `screen.map_id` at revision `screen.drawn`."""
        with self._lock:
            known = self._screens.get(session_id)
            if known is not None and known.map_id == screen.map_id:
                screen.fragment_id = known.fragment_id
                screen.woken_for, screen.woken_at = known.woken_for, known.woken_at
            self._screens[session_id] = screen

    def refreshing(self, session_id: str, fragment_id: str) -> None:
        """This session's live refresh runs as the fragment `fragment_id`."""
        with self._lock:
            screen = self._screens.get(session_id)
            if screen is not None:
                screen.fragment_id = fragment_id

    def _watch(self) -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            try:
                self._tick()
            except Exception:  # noqa: BLE001 - the watcher must outlive a failed read
                _LOG.exception("the map watcher could not read the open maps' revisions")

    def _tick(self) -> None:
        with self._lock:
            for session_id in [s for s in self._screens if not self._open(s)]:
                del self._screens[session_id]  # the tab was closed
            map_ids = {screen.map_id for screen in self._screens.values()}
        if not map_ids:
            return
        with unit_of_work(self._factory) as session:
            current = revisions(session, map_ids)
        with self._lock:
            wake = {
                sid: current[self._screens[sid].map_id]
                for sid in due(self._screens, current, time.monotonic())
            }
            messages = {sid: (wake_message(self._screens[sid]), self._screens[sid]) for sid in wake}
        for session_id, (msg, screen) in messages.items():
            self._loop.call_soon_threadsafe(
                self._deliver, session_id, msg, screen, wake[session_id]
            )

    def _deliver(self, session_id: str, msg: BackMsg, screen: Screen, revision: int) -> bool:
        """On the server's event loop, where browsers' requests are handled too: nothing can
        slip in between the check that the session is idle and the request. True when the
        session was woken."""
        verdict = wake_verdict(self._runtime.get_app_session(session_id), screen)
        if verdict == "gone":
            self._forget(session_id)  # closed, or left the journey page: a visit registers again
        if verdict != "wake":
            return False
        with self._lock:
            screen.woken_for, screen.woken_at = revision, time.monotonic()
        self._runtime.handle_backmsg(session_id, msg)
        return True

    def _open(self, session_id: str) -> bool:
        """Whether the session is still there (Streamlit says this lookup is thread-safe)."""
        return self._runtime.get_app_session(session_id) is not None

    def _forget(self, session_id: str) -> None:
        with self._lock:
            self._screens.pop(session_id, None)


_WATCHER: Watcher | None = None
_DISABLED = False
_START = threading.Lock()


def _watcher(factory: Callable[[], sessionmaker[Session]]) -> Watcher | None:
    """The server's watcher, started on first use; None under AppTest (no server) or when
    this Streamlit lacks what waking a session needs (the browsers' timers do it alone)."""
    global _WATCHER, _DISABLED
    if _WATCHER is not None or _DISABLED:
        return _WATCHER
    with _START:
        if _WATCHER is None and not _DISABLED:
            _WATCHER = _start(factory)
            _DISABLED = _WATCHER is None
    return _WATCHER


def _start(factory: Callable[[], sessionmaker[Session]]) -> Watcher | None:
    if not Runtime.exists():
        return None
    runtime = Runtime.instance()
    try:
        loop = runtime._get_async_objs().eventloop  # noqa: SLF001 - see the module's docstring
        probe = get_script_run_ctx()
        app = runtime.get_app_session(probe.session_id) if probe is not None else None
        if app is None or not hasattr(app, "_scriptrunner"):
            raise AttributeError("AppSession._scriptrunner")
    except (AttributeError, RuntimeError) as exc:
        _LOG.warning("screens refresh on their browsers' timers only: %s", exc)
        return None
    return Watcher(factory(), runtime, loop)


def drew(factory: Callable[[], sessionmaker[Session]], map_id: int, revision: int) -> None:
    """Called by every full run of the journey page that drew a map: watch this screen."""
    ctx = get_script_run_ctx()
    watcher = _watcher(factory) if ctx is not None else None
    if watcher is None or ctx is None:
        return
    info = ctx.context_info.SerializeToString() if ctx.context_info is not None else b""
    screen = Screen(map_id, revision, ctx.query_string, ctx.page_script_hash, info)
    watcher.drew(ctx.session_id, screen)


def refreshing() -> None:
    """Called by the live refresh, inside its fragment: the fragment a wake asks to run."""
    ctx = get_script_run_ctx()
    if _WATCHER is None or ctx is None:
        return
    try:
        fragment_id = ThreadState.get().fragment_id
    except RuntimeError:  # outside a script run's thread: nothing to record
        return
    if fragment_id:
        _WATCHER.refreshing(ctx.session_id, fragment_id)
