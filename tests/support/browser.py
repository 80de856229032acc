"""Browser-test support: a real Streamlit server and Debian's Chromium through Playwright.

Starts `streamlit run app.py` on a free port against its own SQLite file, and drives Debian's
Chromium through Playwright (never a downloaded browser). Under CI a missing Chromium fails
the run rather than skipping it.

Waiting: Streamlit keeps the previous run's elements on screen (marked `data-stale`) until a
rerun replaces them, and an action's rerun starts a moment after the click. So a test waits
for what it checks (a heading's text, a changed value, a new row) rather than for the app to
look idle, and reads a value only from an element the current run has drawn (`drawn`,
`metric_value`, `keyed`), once the action's visible effect shows that run has started.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Generous on purpose (ms): a first page on a fresh server builds the demo data, and the lane
# must pass on a machine whose cores are busy with other work. A wait ends as soon as what it
# waits for shows, so a long timeout only costs time when a test fails.
TIMEOUT = 120_000


def free_port() -> int:
    """A port nothing on loopback listens on now (for a server a test starts)."""
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


def start_server(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    secrets: str | None = None,
    address: str | None = "127.0.0.1",
    args: Sequence[str] = (),
    **extra_env: str,
) -> Iterator[str]:
    """Run this repository's app.py (with its .streamlit/config.toml) on a free port and its
    own SQLite file until the generator is closed; yields the loopback URL to open.

    `secrets`: the text of a secrets.toml for this server alone (e.g. an `[auth]` section,
    tests/support/oidc.py), given through Streamlit's `secrets.files` option so that no
    .streamlit/secrets.toml in the work tree or home folder is read (`""` for none at all);
    without it Streamlit looks in its usual places.
    `address`: what the server listens on (`0.0.0.0` to check local mode's refusal; None for
    the one .streamlit/config.toml sets); the URL yielded is loopback whatever it is.
    `args`: more `streamlit run` options.
    `extra_env`: environment variables (DATABASE_URL to use another database).
    """
    port = free_port()
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
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
    ]
    if address is not None:
        cmd.append(f"--server.address={address}")
    if secrets is not None:
        secrets_file = tmp_path_factory.mktemp("secrets") / "secrets.toml"
        secrets_file.write_text(secrets, encoding="utf-8")
        cmd.append(f"--secrets.files={secrets_file}")
    cmd += list(args)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server, and kill it if it has not stopped in time.

    Streamlit's graceful stop took 3 to 12 s with the cores busy, and once more than the 20 s
    this used to allow, which failed a passing test in teardown; how the server stops is not
    what these tests check.
    """
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server process a test started (see `_stop`)."""
    _stop(proc)


def launch_browser() -> Iterator[Browser]:
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


def new_context(browser: Browser) -> BrowserContext:
    """A browser context (one person's screen) whose clicks and waits allow TIMEOUT."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT)
    return context


def new_page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser)
    page = context.new_page()
    yield page
    context.close()


def main_heading(page: Page) -> Locator:
    """The page's title (its first h1 in the main area)."""
    return page.get_by_test_id("stMainBlockContainer").locator("h1").first


def open_page(page: Page, url: str, title: str) -> None:
    """Go to a page and wait until its title and app.py's workspace switcher are drawn."""
    page.goto(url)
    expect(main_heading(page)).to_have_text(title)
    wait_for_app_shell(page)


def drawn(page: Page, element: Locator) -> Locator:
    """The element container holding `element`, once the current script run has drawn it.

    Between a rerun's start and its end, elements the run has not reached yet are the previous
    run's (data-stale="true"). Right after an action the rerun may not have started, so first
    wait for a visible effect of the action; after that, this gives the new run's element only.
    """
    fresh = page.locator('[data-testid="stElementContainer"][data-stale="false"]')
    return fresh.filter(has=element)


def keyed(page: Page, key: str) -> Locator:
    """The widget with this key, as drawn by the current run (see `drawn`); Streamlit puts
    the key's class on the element container itself."""
    return page.locator(f'.st-key-{key}[data-stale="false"]')


def metric_value(page: Page, label: str) -> Locator:
    """The value of the first metric whose label holds `label`, as the current run drew it."""
    metric = page.get_by_test_id("stMetric").filter(has_text=label)
    return drawn(page, metric).first.get_by_test_id("stMetricValue")


def wait_for_app_shell(page: Page, timeout: float = TIMEOUT) -> None:
    """Wait for what only app.py draws: the sidebar's workspace switcher."""
    sidebar = page.get_by_test_id("stSidebar")
    switcher = sidebar.get_by_test_id("stSelectbox").filter(has_text="Workspace")
    switcher.wait_for(timeout=timeout)


def wait_for_run_to_end(page: Page) -> None:
    """Wait until the script run on screen has ended.

    Only for checks about the whole page ("no error anywhere"), which can only hold for a run
    that has ended; call it after a specific wait has shown that the run you mean has started
    (right after a click the previous run's "not running" state is still on screen). Checked
    on every animation frame: a page with a live-refresh fragment (the journey page) is "not
    running" only between two fragment runs.
    """
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const state = app && app.getAttribute('data-test-script-state');
            return state === 'notRunning' || state === 'compilationError';
        }""",
        polling="raf",
        timeout=TIMEOUT,
    )


def expect_no_errors(page: Page) -> None:
    """Once the current run has ended, no exception, error box or "Page not found" is shown."""
    wait_for_run_to_end(page)
    assert_no_errors(page)


def assert_no_errors(page: Page) -> None:
    """No exception, error box or "Page not found" on screen now (see `expect_no_errors`)."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.first.inner_text()
    lost = page.get_by_role("dialog").filter(has_text="Page not found")
    assert lost.count() == 0, "the page showed 'Page not found'"
