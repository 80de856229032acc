"""Benchmark: a workshop on the journey page, one facilitator and fifteen participants (issue 16,
item 2).

    .venv/bin/python benchmarks/workshop.py                        # 5 minutes on SQLite
    .venv/bin/python benchmarks/workshop.py --database postgresql  # its own database, dropped
    .venv/bin/python benchmarks/workshop.py --minutes 1 --participants 3   # a quick look

What runs: the real server (`streamlit run app.py`, one process, as deployed) on one database
(a throw-away SQLite file, or a PostgreSQL database this script creates on
WAYPOINT_BENCH_PG_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test, and drops
at the end), and one headless Debian Chromium (/usr/bin/chromium, through Playwright's async
API) with one browser context per person: the room's real screens, each running the page's
own live refresh. The facilitator (the local owner) makes a map from the six-stage template
and a participant link on the Workshop tab; each participant opens the link in a context of
their own and joins under a name. Then, for --minutes, every person repeats, with a pause of
--think seconds on average between actions: add a touchpoint (40 %), rename one of their
own elements through its form (25 %), write a note on the Workshop tab (20 %), or put a dot
on a note there (15 %), then back to the Map tab.

Printed at the end:
- action latency per kind (p50 / p95 / max): from the click to the person's own screen
  showing the effect (the new name in the graph, the note on the tab) with the page's run
  finished;
- the time until an add or a rename is sent to a screen and to the last screen (p50 / p95 /
  max), from the server's log: from the start of the edit's run until each screen's session
  had finished a full run drawing that revision (the page is then on the wire); and the
  time until it arrived in each screen's graph frame (the frame's first render holding the
  name, kept in the page so a graph drawn anew does not forget it);
- edits lost: every add and rename made must be in the map's rows in the database at the
  end (each one that is not is printed by name, with what its screen sent and logged
  around its click) and in every screen's graph once the room is quiet (must be 0);
- clicks the page never sent: each screen's websocket frames are read, and an Add or Save
  click after which no frame carried that button's trigger for 10 s is pressed again (the
  typed text is still in the box, and a person sees nothing happen); counted apart, since
  such a click never reached the server;
- the server's own time per action kind (p50 / p95 / max), wall clock and the script
  thread's CPU time (which the load of other work does not inflate), measured inside the
  server: the server process is this script in --serve mode, which times every pass of
  Streamlit's run loop (a rerun that interrupts a run, like a click during a live refresh,
  is run in the same loop) and names it by the widget that triggered it (add_submit, an
  element form's save, create_submit); at the end the facilitator makes three more maps
  from the template for the "create" figure;
- the live refresh's fragment runs (p50 / p95) and the load average (`uptime`) before,
  during and after: the machine's two cores are shared, and the browsers run on them too;
- of the live refreshes that brought an edit to a screen, how many the server's watcher
  woke (ui/journey/push.py; the server logs each wake) and how many the screen's own timer
  ran.

Sixteen Chromium contexts on two cores load the machine more than the server does, so the
latencies a person sees include waiting for the browsers; the server's own figures and the
time until an edit is sent to every screen do not. Chromium runs in the idle scheduling
class (`--browsers idle`, the default), so the server does not queue behind the renderers;
in a real room each screen draws on a computer of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the app's packages (core) for the final read
CHROMIUM = "/usr/bin/chromium"
PG_ADMIN = os.environ.get(
    "WAYPOINT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MAP_NAME = "Workshop benchmark"
REVISION_KEY = "journey_rev"  # ui.journey.live: the map revision this screen last drew
TIMEOUT_MS = 180_000

# In every frame (the graph's iframe included): when each node's name first arrived. Kept in
# the page's own window (the graph's frame is same-origin): Streamlit makes a new frame when
# the graph is drawn anew (a tab switch), which would forget the names it had already shown.
RECORD_SEEN = """
window.addEventListener('message', (event) => {
  const d = event.data;
  if (d && d.type === 'streamlit:render' && d.args && typeof d.args.data === 'string') {
    let store = window;
    try { store = window.top; store.__seen = store.__seen || {}; } catch (e) { store = window; }
    store.__seen = store.__seen || {};
    const graph = JSON.parse(d.args.data);
    window.__labels = graph.nodes.map(n => String(n.label).split('\\n')[0]);
    const now = Date.now();
    for (const name of window.__labels) {
      if (!(name in store.__seen)) store.__seen[name] = now;
    }
  }
});
"""
RUN_STARTED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'running';
}"""
RUN_ENDED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  return state === 'notRunning';
}"""


# --- the server, timing its own script runs -------------------------------------------------


def serve(port: int, log_path: str) -> None:
    """Run the app's server in this process with every script run timed into `log_path`
    (JSON lines: session, start, end, thread CPU, the keys of the widgets that triggered it,
    whether it was a fragment run, whether it ran to its end, and the map revision the page
    drew). Streamlit runs a rerun that interrupts a run (a click arriving during a screen's
    live refresh) in the same loop, so each pass of that loop is timed on its own: it starts
    where the loop sets up its event loop and ends where the run is finished off."""
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext
    from streamlit.runtime.state.safe_session_state import SafeSessionState
    from streamlit.web import cli

    log = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - the process's life
    runner = script_runner.ScriptRunner
    passes: dict[int, dict[str, Any]] = {}  # script thread -> the pass it is running
    original_start = runner._install_event_loop
    original_rerun = SafeSessionState.on_script_will_rerun
    original_finish = runner._on_script_finished

    def started(self: Any) -> None:
        passes[threading.get_ident()] = {"start": time.time(), "cpu": time.thread_time()}
        original_start(self)

    def will_rerun(self: Any, latest_widget_states: Any, *args: Any, **kwargs: Any) -> None:
        current = passes.get(threading.get_ident())
        if current is not None:
            current["triggers"] = _triggers(latest_widget_states)
        original_rerun(self, latest_widget_states, *args, **kwargs)

    def finished(self: Any, ctx: ScriptRunContext, event: Any, *rest: Any) -> None:
        original_finish(self, ctx, event, *rest)
        premature = bool(rest and rest[0])
        current = passes.pop(threading.get_ident(), None)
        if current is None:
            return
        with suppress(Exception):
            current["rev"] = self._session_state[REVISION_KEY]
        line = {
            "session": self._session_id,
            "start": current["start"],
            "end": time.time(),
            "cpu": time.thread_time() - current["cpu"],
            "triggers": current.get("triggers", []),
            "fragment": bool(ctx.fragment_ids_this_run),
            "complete": "STOPPED_FOR_RERUN" not in str(event) and not premature,
            "rev": current.get("rev"),
        }
        log.write(json.dumps(line) + "\n")

    from ui.journey import push

    original_deliver = push.Watcher._deliver

    def deliver(self: Any, session_id: str, msg: Any, screen: Any, revision: int) -> bool:
        at = time.time()  # before: the refresh it asks for may start before this returns
        woken = original_deliver(self, session_id, msg, screen, revision)
        if woken:
            log.write(json.dumps({"woken": session_id, "at": at, "rev": revision}) + "\n")
        return woken

    push.Watcher._deliver = deliver  # type: ignore[method-assign]
    runner._install_event_loop = started  # type: ignore[method-assign]
    SafeSessionState.on_script_will_rerun = will_rerun  # type: ignore[method-assign,assignment]
    runner._on_script_finished = finished  # type: ignore[method-assign,assignment]
    sys.argv = [
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
    ]
    cli.main()


def _triggers(states: Any) -> list[str]:
    """The user keys of the widgets whose trigger (a button, a form's submit) set this run."""
    if states is None:
        return []
    found = []
    for widget in states.widgets:
        if widget.WhichOneof("value") == "trigger_value" and widget.trigger_value:
            found.append(widget.id.split("-", 2)[-1] if widget.id.startswith("$$ID") else "?")
    return found


def chromium_for(browsers: str) -> str:
    """Chromium under the idle scheduling class (a wrapper script, `chrt --idle 0`), so that
    the sixteen screens drawing on the server's two cores take only what the server leaves:
    in a real room each screen draws on a computer of its own. (A nice level does not hold:
    Chromium sets its processes' own.) With "normal" it runs as it is."""
    if browsers != "idle":
        return CHROMIUM
    wrapper = Path(tempfile.mkdtemp()) / "chromium"
    wrapper.write_text(f'#!/bin/sh\nexec chrt --idle 0 {CHROMIUM} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return str(wrapper)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A throw-away database URL: a SQLite file, or a PostgreSQL database made and dropped."""
    if kind == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp()) / 'workshop.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"waypoint_workshop_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def server(url: str, log_path: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "WAYPOINT_DEMO_ACCOUNTS": "150"}
    out = open(Path(log_path).with_suffix(".out"), "wb")  # noqa: SIM115 - closed below
    cmd = [sys.executable, __file__, "--serve", str(port), "--run-log", log_path]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {out.name}")
            with suppress(OSError):
                with urllib.request.urlopen(f"{address}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            time.sleep(0.3)
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()


# --- the room ----------------------------------------------------------------------------------


@dataclass
class Person:
    name: str
    page: Any
    facilitator: bool = False
    mine: list[str] = field(default_factory=list)  # names of this person's elements now
    counter: int = 0


@dataclass
class Record:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    made: dict[str, float] = field(default_factory=dict)  # element name -> click time
    gone: set[str] = field(default_factory=set)  # names renamed away
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pressed_again: int = 0  # clicks the page never sent to the server (the text stayed)


def _heading(page: Any) -> Any:
    return page.get_by_test_id("stMainBlockContainer").locator("h1").first


async def _run_ended(page: Any) -> None:
    await page.wait_for_function(RUN_ENDED, polling="raf", timeout=TIMEOUT_MS)


async def _click_run(page: Any, target: Any) -> float:
    """Click, wait until the run it starts has ended; the click's time."""
    clicked = time.time()
    await target.click()
    with suppress(Exception):  # a quick run may end before the first look
        await page.wait_for_function(RUN_STARTED, polling="raf", timeout=5_000)
    await _run_ended(page)
    return clicked


async def _labels(page: Any) -> list[str]:
    for frame in page.frames:
        if "agraph" in frame.url:
            with suppress(Exception):
                found = await frame.evaluate("() => window.__labels || null")
                if found is not None:
                    return [str(x) for x in found]
    return []


async def _wait_label(page: Any, name: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await _labels(page)
        if name in found:
            return
        if not found:  # headless Chromium loads the graph's iframe once the page is painted
            with suppress(Exception):
                await page.screenshot()
        await asyncio.sleep(0.25)
    raise TimeoutError(f"{name!r} never showed")


async def _holds(box: Any, text: str, timeout: float = 120) -> None:
    """Wait until a text box holds `text`: a run that replaces a form (another element
    chosen) must not take what is typed next."""
    deadline = time.monotonic() + timeout
    while await box.input_value() != text:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the box never held {text!r}")
        await asyncio.sleep(0.2)


async def _choose(page: Any, key: str, text: str) -> None:
    box = page.locator(f".st-key-{key} input[role='combobox']")
    if await box.input_value() == text:
        return
    await box.click()
    await box.press("Control+a")
    await box.type(text)
    await page.get_by_role("option").filter(has_text=text).first.click(timeout=30_000)


TRAFFIC: dict[int, list[tuple[float, str]]] = defaultdict(list)
"""Per page (by id): what it sent to the server that names a trigger of an edit, when, and
the browser's console errors and warnings: for a lost edit, whether its click left the
browser at all."""


def _listen(page: Any) -> None:
    log = TRAFFIC[id(page)]

    def sent(payload: Any) -> None:
        data = payload if isinstance(payload, bytes) else str(payload).encode()
        for key in (b"add_submit", b"_save"):
            if key in data:
                log.append((time.time(), f"sent {key.decode()}"))

    page.on(
        "websocket",
        lambda ws: (
            ws.on("framesent", sent),
            ws.on("close", lambda _: log.append((time.time(), "websocket closed"))),
        ),
    )
    page.on(
        "console",
        lambda m: (
            log.append((time.time(), f"console {m.type}: {m.text[:200]}"))
            if m.type in ("error", "warning")
            else None
        ),
    )


async def open_screen(browser: Any, url: str) -> Any:
    """A screen of its own: a browser context."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    await context.add_init_script(RECORD_SEEN)
    page = await context.new_page()
    _listen(page)
    await page.goto(url)
    await _heading(page).wait_for()
    return page


async def set_up(browser: Any, address: str, participants: int) -> list[Person]:
    """The facilitator's new map and link, then each participant joined through it."""
    host = await open_screen(browser, f"{address}/journey")
    await host.get_by_role("button", name="New, duplicate, rename, delete").click()
    await host.locator(".st-key-create_name input").fill(MAP_NAME)
    await host.locator(".st-key-create_submit button").click()
    picker = host.locator(".st-key-journey_map_id input[role='combobox']")
    deadline = time.monotonic() + 120
    while not (await picker.input_value()).startswith(MAP_NAME):
        if time.monotonic() > deadline:
            raise TimeoutError("the new map never opened")
        await asyncio.sleep(0.2)
    await host.keyboard.press("Escape")
    await _wait_label(host, "Kickoff", timeout=600)
    await host.get_by_role("tab", name="Workshop").click()
    await host.locator(".st-key-workshop_link_create button").click()
    code = host.locator(".st-key-workshop_new_link_box").get_by_test_id("stCode")
    await code.wait_for()
    link = ((await code.text_content()) or "").strip()
    await host.get_by_role("tab", name="Map").click()
    room = [Person("Facilitator", host, facilitator=True)]

    async def join(number: int) -> Person:
        name = f"P{number:02d}"
        page = await open_screen(browser, link)
        await page.get_by_label("Your name (shown with your notes and changes)").fill(name)
        await page.get_by_role("button", name="Join").click()
        await _wait_label(page, "Kickoff", timeout=600)
        return Person(name, page)

    for number in range(1, participants + 1):  # one at a time: the cores are shared
        room.append(await join(number))
    return room


async def _press(page: Any, button: Any, trigger: str, record: Record) -> float:
    """Click an edit's button; when the page has not sent that click to the server 10 s
    later (its websocket carried no such trigger), press again, as a person would on seeing
    the text still in the box and nothing happening. Such a click never reached the server,
    so it cannot have been stored: counted apart from lost edits. The first click's time."""
    first = time.time()
    for _ in range(3):
        clicked = time.time()
        await button.click()
        deadline = time.time() + 10
        while time.time() < deadline:
            if any(at >= clicked and what == f"sent {trigger}" for at, what in TRAFFIC[id(page)]):
                return first
            await asyncio.sleep(0.1)
        record.pressed_again += 1
    return first


async def add(person: Person, record: Record) -> None:
    page = person.page
    person.counter += 1
    name = f"{person.name} tp {person.counter:03d}"
    await _choose(page, "add_kind", "Touchpoint")
    await page.locator(".st-key-add_name input").fill(name)
    await _holds(page.locator(".st-key-add_name input"), name)
    clicked = await _press(page, page.locator(".st-key-add_submit button"), "add_submit", record)
    record.made[name] = clicked
    await _wait_label(page, name)
    await _run_ended(page)
    record.latencies["add"].append(time.time() - clicked)
    person.mine.append(name)


async def rename(person: Person, record: Record) -> None:
    if not person.mine:
        await add(person, record)
        return
    page = person.page
    old = random.choice(person.mine)
    person.counter += 1
    new = f"{person.name} tp {person.counter:03d}"
    await _choose(page, "journey_pick", old)
    form = page.get_by_test_id("stForm").filter(has_text="Edit touchpoint")
    name_box = form.get_by_label("Name", exact=True)
    await _holds(name_box, old)  # the chosen element's form, not the one it replaces
    await name_box.fill(new)
    await _holds(name_box, new)
    clicked = await _press(page, form.get_by_role("button", name="Save changes"), "_save", record)
    record.made[new] = clicked
    await _wait_label(page, new)
    await _run_ended(page)
    record.latencies["save"].append(time.time() - clicked)
    person.mine[person.mine.index(old)] = new
    record.gone.add(old)


async def note(person: Person, record: Record) -> None:
    page = person.page
    person.counter += 1
    text = f"{person.name} note {person.counter}"
    await page.get_by_role("tab", name="Workshop").click()
    await page.locator(".st-key-note_text textarea").fill(text)
    clicked = time.time()
    await page.locator(".st-key-note_submit button").click()
    await page.get_by_text(text).first.wait_for()
    await _run_ended(page)
    record.latencies["note"].append(time.time() - clicked)
    await page.get_by_role("tab", name="Map").click()


async def vote(person: Person, record: Record) -> None:
    page = person.page
    await page.get_by_role("tab", name="Workshop").click()
    buttons = page.locator("[class*='st-key-vote_'] button")
    if await buttons.count() == 0:
        await page.get_by_role("tab", name="Map").click()
        await note(person, record)
        return
    clicked = await _click_run(page, buttons.nth(random.randrange(await buttons.count())))
    record.latencies["vote"].append(time.time() - clicked)
    await page.get_by_role("tab", name="Map").click()


ACTIONS = ((add, 40), (rename, 25), (note, 20), (vote, 15))


async def work(person: Person, record: Record, until: float, think: float) -> None:
    kinds = [a for a, _ in ACTIONS]
    weights = [w for _, w in ACTIONS]
    await asyncio.sleep(random.uniform(0, think))
    while time.time() < until:
        action = random.choices(kinds, weights)[0]
        try:
            await action(person, record)
        except Exception as exc:  # noqa: BLE001 - counted, the person carries on
            record.failures[f"{action.__name__}: {type(exc).__name__}"] += 1
            with suppress(Exception):
                await person.page.keyboard.press("Escape")
                await person.page.get_by_role("tab", name="Map").click()
        await asyncio.sleep(random.expovariate(1 / think))


# --- figures -----------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _line(label: str, values: list[float]) -> str:
    if not values:
        return f"  {label:<28} none"
    return (
        f"  {label:<28} n={len(values):<4} p50 {statistics.median(values):6.2f} s  "
        f"p95 {_pct(values, 0.95):6.2f} s  max {max(values):6.2f} s"
    )


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def logged_runs(log_path: str, since: float) -> list[dict[str, Any]]:
    """The server's script runs that started at `since` or later, as it logged them."""
    lines = Path(log_path).read_text(encoding="utf-8").splitlines()
    return [run for run in map(json.loads, lines) if "start" in run and run["start"] >= since]


def logged_wakes(log_path: str, since: float) -> list[dict[str, Any]]:
    """The times the server's watcher (ui/journey/push.py) woke a screen's live refresh."""
    lines = Path(log_path).read_text(encoding="utf-8").splitlines()
    return [w for w in map(json.loads, lines) if "woken" in w and w["at"] >= since]


def server_times(runs: list[dict[str, Any]], *, cpu: bool = False) -> dict[str, list[float]]:
    """Script-run seconds per action kind: wall time, or with `cpu` the script thread's own
    CPU time (which other work on the cores does not inflate)."""
    kinds: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        took = run.get("cpu", 0.0) if cpu else run["end"] - run["start"]
        kinds[_kind(run)].append(took)
    return kinds


def _kind(run: dict[str, Any]) -> str:
    """What a logged script run was for, by the widget that triggered it."""
    if run["fragment"]:
        return "live refresh (fragment)"
    keys = run["triggers"]
    if "add_submit" in keys:
        return "add"
    if any(k.startswith("ef_") and k.endswith("_save") for k in keys):
        return "save"
    if "create_submit" in keys:
        return "create map from template"
    if "note_submit" in keys:
        return "note"
    if any(k.startswith("vote_") for k in keys):
        return "vote"
    return "other run (tab, poll rerun)"


def stored_names(url: str) -> set[str]:
    from sqlalchemy import create_engine, select

    from core.db.models import JourneyMap, Touchpoint

    engine = create_engine(url)
    query = (
        select(Touchpoint.name)
        .join(JourneyMap, JourneyMap.id == Touchpoint.map_id)
        .where(JourneyMap.name == MAP_NAME)
    )
    with engine.connect() as conn:
        names = {str(n) for n in conn.execute(query).scalars()}
    engine.dispose()
    return names


async def room_run(args: argparse.Namespace, address: str, url: str, log_path: str) -> None:
    from playwright.async_api import async_playwright

    random.seed(args.seed)
    print(f"server {address}, database {args.database}; runs logged in {log_path}", flush=True)
    print(_uptime(), flush=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=chromium_for(args.browsers),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        people = await set_up(browser, address, args.participants)
        print(f"{len(people)} screens open; {_uptime()}", flush=True)
        record = Record()
        started = time.time()
        until = started + args.minutes * 60
        during: list[str] = []

        async def watch_load() -> None:
            while time.time() < until:
                await asyncio.sleep(60)
                during.append(_uptime())

        await asyncio.gather(
            *(work(person, record, until, args.think) for person in people), watch_load()
        )
        print(f"load ended after {time.time() - started:.0f} s; {_uptime()}", flush=True)
        await asyncio.sleep(10)  # the room goes quiet: every screen's refresh catches up
        final = {n for n in record.made if n not in record.gone}
        stored = stored_names(url)
        lost_db = len(final - stored)  # clicked, never stored (the person saw it fail)
        for name in sorted(final - stored):
            print(f"clicked, never stored: {name!r}, clicked at {record.made[name]:.1f}")
            owner = next(p for p in people if name.startswith(p.name + " "))
            for at, what in TRAFFIC[id(owner.page)]:
                if abs(at - record.made[name]) < 30:
                    print(f"    {at - record.made[name]:+7.2f} s  {what}")
        sent = sum(what.startswith("sent ") for log in TRAFFIC.values() for _, what in log)
        print(f"add or save triggers the screens sent (their websocket frames): {sent}")
        final &= stored  # what every screen must show in the end
        lost_screens = 0
        seen_after: list[float] = []
        for person in people:
            deadline = time.monotonic() + 60
            while not final <= set(await _labels(person.page)) and time.monotonic() < deadline:
                await asyncio.sleep(1)
            missing = final - set(await _labels(person.page))
            lost_screens += len(missing)
            seen: dict[str, int] = {}
            for frame in person.page.frames:
                with suppress(Exception):
                    seen.update(await frame.evaluate("() => window.__seen || {}"))
            for name, clicked in record.made.items():
                if name in seen:
                    seen_after.append(seen[name] / 1000 - clicked)
        host = people[0].page
        for number in range(3):
            await host.get_by_role("button", name="New, duplicate, rename, delete").click()
            await host.locator(".st-key-create_name input").fill(f"Extra map {number}")
            await host.locator(".st-key-create_submit button").click()
            await _wait_label(host, "Kickoff")
            await _run_ended(host)
            await host.keyboard.press("Escape")
        await browser.close()
    runs = logged_runs(log_path, started)  # the three maps made above are the only creates
    times, cpu = server_times(runs), server_times(runs, cpu=True)
    on_screens = (sent_to_all(runs), seen_after, poll_and_server(runs))
    report(args, people, record, on_screens, (lost_db, lost_screens), (times, cpu), during)
    woken, first = woken_first(runs, logged_wakes(log_path, started))
    print(
        f"Refreshes that brought an add or rename to a screen: {first}, of which the server's "
        f"watcher woke {woken} (the rest: the browser's own timer)"
    )


def _drawn(runs: list[dict[str, Any]]) -> dict[str, list[tuple[float, int]]]:
    """Per session: when each of its full runs that ran to its end finished, and the map
    revision it drew."""
    drawn: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for run in runs:
        if run["complete"] and not run["fragment"] and run.get("rev") is not None:
            drawn[run["session"]].append((run["end"], run["rev"]))
    return drawn


def _edits(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The runs that stored an add or a save, with the revision they drew."""
    return [
        r
        for r in runs
        if r["complete"] and r.get("rev") is not None and _kind(r) in ("add", "save")
    ]


def sent_to_all(runs: list[dict[str, Any]]) -> tuple[list[float], list[float], int]:
    """Per add or save: seconds from the start of its run in the server until every screen's
    session had finished a full run drawing that revision or a later one (its page then on
    the wire to the browser), from the server's own log; and how many never reached some
    screen (a name renamed again at once, or the load's last seconds)."""
    drawn = _drawn(runs)
    found: list[float] = []
    each: list[float] = []
    missed = 0
    for edit in _edits(runs):
        last = 0.0
        for session_runs in drawn.values():
            ends = [end for end, rev in session_runs if end >= edit["start"] and rev >= edit["rev"]]
            if not ends:
                missed += 1
                break
            each.append(min(ends) - edit["start"])
            last = max(last, min(ends))
        else:
            found.append(last - edit["start"])
    return found, each, missed


def _refreshes_that_drew(
    runs: list[dict[str, Any]],
) -> list[tuple[dict[str, Any], str, float, float]]:
    """Per add or save and other screen: the live refresh that brought the edit to that
    screen (the screen's last refresh that started after the edit's run did and before the
    full run that drew the edit) and that full run's end. The server's watcher can wake a
    screen before the edit's own run has finished drawing, so the refresh may start before
    that run's end."""
    refreshes: dict[str, list[float]] = defaultdict(list)
    full: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for run in runs:
        if run["fragment"]:
            refreshes[run["session"]].append(run["start"])
        elif run["complete"] and run.get("rev") is not None:
            full[run["session"]].append((run["start"], run["end"], run["rev"]))
    found = []
    for edit in _edits(runs):
        for session, session_runs in full.items():
            if session == edit["session"]:
                continue
            drew = [
                (a, b) for a, b, rev in session_runs if b >= edit["start"] and rev >= edit["rev"]
            ]
            if not drew:
                continue
            drew_start, drew_end = min(drew, key=lambda r: r[1])
            asked = [at for at in refreshes[session] if edit["start"] <= at <= drew_start]
            if asked:
                found.append((edit, session, asked[-1], drew_end))
    return found


def poll_and_server(runs: list[dict[str, Any]]) -> tuple[list[float], list[float]]:
    """Per add or save and other screen, the two parts of "sent to a screen": the wait from
    the end of the edit's run until the refresh that brought it to that screen began (0 when
    the server's watcher woke the screen before the edit's run had ended), and the server's
    part, from that refresh's start until the screen's session had finished a full run
    drawing the edit."""
    waits: list[float] = []
    server: list[float] = []
    for edit, _, asked, drawn in _refreshes_that_drew(runs):
        waits.append(max(0.0, asked - edit["end"]))
        server.append(drawn - asked)
    return waits, server


def woken_first(runs: list[dict[str, Any]], wakes: list[dict[str, Any]]) -> tuple[int, int]:
    """How many of the refreshes that brought an edit to a screen the server's watcher asked
    for (a wake of that session between the edit's start and the refresh's start), of how
    many; the rest were the browser's own timer."""
    woken_at: dict[str, list[float]] = defaultdict(list)
    for wake in wakes:
        woken_at[wake["woken"]].append(wake["at"])
    found = _refreshes_that_drew(runs)
    woken = sum(
        any(edit["start"] <= at <= asked for at in woken_at[session])
        for edit, session, asked, _ in found
    )
    return woken, len(found)


def report(
    args: argparse.Namespace,
    people: list[Person],
    record: Record,
    seen: tuple[tuple[list[float], list[float], int], list[float], tuple[list[float], list[float]]],
    lost: tuple[int, int],
    server: tuple[dict[str, list[float]], dict[str, list[float]]],
    during: list[str],
) -> None:
    lost_db, lost_screens = lost
    times, cpu = server
    print()
    print(
        f"Workshop: 1 facilitator + {len(people) - 1} participants, {args.minutes:g} min, "
        f"{args.database}, think {args.think:g} s, browsers {args.browsers}"
    )
    print("Action latency (click -> own screen shows it, run finished):")
    for kind in ("add", "save", "note", "vote"):
        print(_line(kind, record.latencies.get(kind, [])))
    (sent, each, missed), drawn, (waits, server_part) = seen
    print("Add or rename on every screen:")
    print(_line("sent to a screen", each))
    print(_line("sent to the last screen", sent))
    print(
        "  (in the server: from the edit's run until every screen's session had drawn it; "
        f"{missed} never on every screen)"
    )
    print(_line("  of which: until its refresh", waits))
    print(_line("  then the server's part", server_part))
    print("  (from the edit's run to the screen's live refresh that found it, woken by the")
    print("   server or run by the browser's timer, then from that refresh to the page sent)")
    print(_line("drawn in a screen's graph", drawn))
    print("  (per screen, from the click until the name arrived in its graph's frame: on one")
    print("   machine this includes Chromium drawing every screen on the server's cores)")
    print(f"Edits made (adds + renames): {len(record.made)}")
    print(
        f"Clicks the page never sent to the server (no trigger on its websocket in 10 s; "
        f"the text stayed in the box and the person pressed again): {record.pressed_again}"
    )
    print(
        f"Edits lost: {lost_db} clicked but never stored (each also counted under failed "
        f"actions), {lost_screens} stored but missing on a screen at the end"
    )
    kinds = (
        "add",
        "save",
        "create map from template",
        "note",
        "vote",
        "live refresh (fragment)",
        "other run (tab, poll rerun)",
    )
    print("Server time per script run (measured in the server, wall clock):")
    for kind in kinds:
        print(_line(kind, times.get(kind, [])))
    print("Server CPU per script run (the script thread's own CPU time):")
    for kind in kinds:
        print(_line(kind, cpu.get(kind, [])))
    if record.failures:
        print("Actions that failed (the person carried on):", dict(record.failures))
    print("Load during the run:")
    for line in during:
        print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--participants", type=int, default=15)
    parser.add_argument("--think", type=float, default=8.0, help="mean pause between actions")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--browsers",
        choices=["idle", "normal"],
        default="idle",
        help="Chromium's scheduling class: idle (the server first) or as it is",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run-log", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.run_log)
        return
    log_path = str(Path(tempfile.mkdtemp()) / "runs.jsonl")
    Path(log_path).touch()
    with database(args.database) as url, server(url, log_path) as address:
        asyncio.run(room_run(args, address, url, log_path))


if __name__ == "__main__":
    main()
