"""Benchmark: how many people one app server serves at once (issue 17, item 6).

    .venv/bin/python benchmarks/sessions.py                          # demo of 2,000 accounts
    .venv/bin/python benchmarks/sessions.py --accounts 10000 --sessions 1 10 25 50
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python benchmarks/sessions.py

Starts the real server (`streamlit run app.py`, one process, as deployed) on a throw-away
SQLite file (or DATABASE_URL) whose demo workspace has --accounts accounts, and opens
sessions the way a browser tab does: a websocket to /_stcore/stream, speaking Streamlit's own
protobuf messages, without a browser (a browser on the same two cores would measure itself).
Each session opens the page, then asks for a rerun every --think seconds (a person clicking
on a page whose results are cached), for --seconds. A run counts from the rerun request to
the server's "script finished"; a run whose output holds an exception counts as an error.

Printed per number of sessions, for the time after every session has opened its page: runs
done, runs per second, median and 95th-percentile run time, errors, the server's CPU seconds
per run and in cores (user + system, which other work on the machine does not inflate the way
it inflates run times), its resident memory (VmRSS) at the end, and the load average, since
the machine's two cores are shared. `--think 0` asks for the next run as soon as one ends
(the server's throughput when saturated).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
DONE = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, accounts: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WAYPOINT_DEMO_ACCOUNTS": str(accounts)}
    env.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.mkdtemp()) / 'sessions.db'}")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
    ]
    log = Path(tempfile.mkdtemp()) / "server.log"
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"the server did not start; see {log}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Live:
    """The live fragment a page asked the browser to rerun on a timer (the journey page's
    revision poll), as the server announced it."""

    fragment_id = ""
    interval = 0.0


async def run_page(
    ws: websockets.ClientConnection,
    page: str,
    seen: set[bytes] | None = None,
    live: Live | None = None,
) -> tuple[float, bool]:
    """Ask for one run of `page` (of its live fragment when `live` names one); returns its
    time and whether it drew an exception. Every byte string in `seen` that the run's output
    holds is removed from it; `live` learns the page's timed fragment."""
    msg = BackMsg()
    msg.rerun_script.page_name = page
    msg.rerun_script.query_string = ""
    if live and live.fragment_id:
        msg.rerun_script.fragment_id = live.fragment_id
        msg.rerun_script.is_auto_rerun = True
    started = time.perf_counter()
    await ws.send(msg.SerializeToString())
    failed = False
    while True:
        data = await ws.recv()
        assert isinstance(data, bytes)
        if seen:
            seen -= {needle for needle in seen if needle in data}
        reply = ForwardMsg()
        reply.ParseFromString(data)
        kind = reply.WhichOneof("type")
        if kind == "auto_rerun" and live is not None:
            live.fragment_id = reply.auto_rerun.fragment_id
            live.interval = reply.auto_rerun.interval
        if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
            failed |= reply.delta.new_element.WhichOneof("type") == "exception"
        if kind == "script_finished" and reply.script_finished in DONE:
            return time.perf_counter() - started, failed


async def session(
    url: str, page: str, think: float, steady: Steady, times: list[float], errors: list[int]
) -> None:
    """One tab: open the page, wait until every tab is open, then click every `think`
    seconds until the step ends; with think < 0, click nothing and only follow the page's live
    fragment at the interval the server asked for."""
    live = Live() if think < 0 else None
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as ws:
        _, failed = await run_page(ws, page, live=live)  # opening the page
        errors.append(int(failed))
        if live is not None and not live.fragment_id:
            raise RuntimeError(f"page {page!r} has no live fragment to follow")
        await steady.opened()
        while time.monotonic() < steady.end:
            took, failed = await run_page(ws, page, live=live)
            times.append(took)
            errors.append(int(failed))
            await asyncio.sleep(live.interval if live else think)


class Steady:
    """The measured part of a step: from the moment every session has opened its page (the
    opening runs are not what is measured) until `seconds` later."""

    def __init__(self, sessions: int, seconds: float, pid: int) -> None:
        self.waiting, self.seconds, self.pid = sessions, seconds, pid
        self.go = asyncio.Event()
        self.start = self.end = 0.0
        self.cpu = 0.0

    async def opened(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.start = time.monotonic()
            self.end = self.start + self.seconds
            self.cpu = cpu_s(self.pid)
            self.go.set()
        await self.go.wait()


async def check_page(url: str, page: str, title: str) -> None:
    """One run of the page draws its title (the page asked for is the page measured)."""
    seen = {title.encode()}
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as ws:
        _, failed = await run_page(ws, page, seen)
    if seen or failed:
        raise RuntimeError(f"page {page!r} did not draw {title!r} without errors")


async def measure(
    url: str, page: str, sessions: int, seconds: float, think: float, pid: int
) -> dict:
    times: list[float] = []
    errors: list[int] = []
    steady = Steady(sessions, seconds, pid)
    await asyncio.gather(
        *(session(url, page, think, steady, times, errors) for _ in range(sessions))
    )
    elapsed = max(time.monotonic() - steady.start, 1e-9)
    cpu = cpu_s(pid) - steady.cpu
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else float("nan")
    return {
        "runs": len(times),
        "per_s": len(times) / elapsed,
        "median": statistics.median(times) if times else float("nan"),
        "p95": p95,
        "errors": sum(errors),
        "cpu_per_run": cpu / max(len(times), 1),
        "cpu_share": cpu / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--page", default="at_risk", help="the page's URL path")
    parser.add_argument("--title", default="At-risk accounts", help="the page's title")
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 25, 50])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="seconds between a session's clicks; -1: no clicks, only the page's live "
        "fragment at its own interval (the journey page: --page journey --title 'Journey maps')",
    )
    args = parser.parse_args()

    port = free_port()
    server = start_server(port, args.accounts)
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    try:
        warm = asyncio.run(measure(url, args.page, 1, 0, 0, server.pid))  # demo, caches
        asyncio.run(check_page(url, args.page, args.title))
        print(f"warm-up: {warm['errors']} errors; server {rss_mb(server.pid):,.0f} MB")
        pace = "its live fragment only" if args.think < 0 else f"one rerun every {args.think:g} s"
        print(
            f"page {args.page}, {args.accounts:,} accounts, {pace} per session, "
            f"{args.seconds:g} s per step"
        )
        for n in args.sessions:
            r = asyncio.run(measure(url, args.page, n, args.seconds, args.think, server.pid))
            load = os.getloadavg()[0]
            print(
                f"{n:>4} sessions: {r['runs']:>5} runs, {r['per_s']:6.1f}/s, median "
                f"{r['median']:.2f} s, p95 {r['p95']:.2f} s, {r['errors']} errors, server CPU "
                f"{r['cpu_per_run']:.3f} s per run ({r['cpu_share']:.2f} cores), server "
                f"{rss_mb(server.pid):,.0f} MB, load {load:.1f}"
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
