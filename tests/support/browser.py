"""Browser-test support: a real Streamlit server and Debian's Chromium through Playwright.

Starts `streamlit run app.py` on a free port against its own SQLite file, and drives Debian's
Chromium through Playwright (never a downloaded browser). Under CI a missing Chromium fails
the run rather than skipping it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


def start_server(tmp_path_factory: pytest.TempPathFactory, **extra_env: str) -> Iterator[str]:
    port = _free_port()
    db = tmp_path_factory.mktemp("browser") / "app.db"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "WAYPOINT_DEMO_ACCOUNTS": "300",
        **extra_env,
    }
    log = (tmp_path_factory.mktemp("logs") / "streamlit.log").open("wb")
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
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def launch_browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("Chromium is not installed; CI must run the browser tests")
        pytest.skip("Chromium is not installed (./dev.sh test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def new_page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def wait_idle(page: object, timeout: float = 60_000) -> None:
    """Wait until the script has finished: the app is drawn and the 'running' widget is gone."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') !== 'running'
                && !document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]')
                && document.querySelector('[data-testid="stMainBlockContainer"] h1');
        }""",
        timeout=timeout,
    )
    page.wait_for_timeout(300)  # type: ignore[attr-defined]


def wait_for_app_shell(page: object, timeout: float = 60_000) -> None:
    """Wait for what only app.py draws: the sidebar's workspace switcher."""
    sidebar = page.get_by_test_id("stSidebar")  # type: ignore[attr-defined]
    switcher = sidebar.get_by_test_id("stSelectbox").filter(has_text="Workspace")
    switcher.wait_for(timeout=timeout)


def assert_no_errors(page: object) -> None:
    exceptions = page.locator('[data-testid="stException"]')  # type: ignore[attr-defined]
    assert exceptions.count() == 0, exceptions.first.inner_text()
    errors = page.locator('[data-testid="stAlertContentError"]')  # type: ignore[attr-defined]
    assert errors.count() == 0, errors.first.inner_text()
    lost = page.get_by_role("dialog").filter(has_text="Page not found")  # type: ignore[attr-defined]
    assert lost.count() == 0, "the page showed 'Page not found'"
