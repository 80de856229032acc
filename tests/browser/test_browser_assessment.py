"""The assessment flow in headless Chromium: a facilitator opens a round, two people answer
on their own screens (two browser contexts), the facilitator reveals, everyone sees the
results and the disagreement flag."""

from __future__ import annotations

from tests.support.browser import (
    ARTIFACTS,
    assert_no_errors,
    wait_idle,
)

TIMEOUT = 60_000


def _context_page(browser: object) -> tuple[object, object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    return context, context.new_page()


def _text(page: object, text: str) -> object:
    found = page.get_by_text(text).first  # type: ignore[attr-defined]
    found.wait_for(timeout=TIMEOUT)
    return found


def _pick(page: object, key: str, label: str) -> None:
    page.locator(f".st-key-{key}").get_by_text(label, exact=True).click()  # type: ignore[attr-defined]


def _respond(browser: object, link: str, name: str, levels: dict[str, tuple[str, str]]) -> object:
    context, page = _context_page(browser)
    page.goto(link)  # type: ignore[attr-defined]
    wait_idle(page)
    page.get_by_label("Your name").fill(name)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Join").click()  # type: ignore[attr-defined]
    _text(page, f"Answering as {name}")
    for key, (current, target) in levels.items():
        _pick(page, f"assess_cur_{key}", current)
        _pick(page, f"assess_tgt_{key}", target)
    page.locator(".st-key-assess_ev_milestones textarea").fill(f"{name}: what I see")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Save answers").click()  # type: ignore[attr-defined]
    _text(page, f"Saved {len(levels)} answers")
    assert_no_errors(page)
    return context


def test_two_respondents_reveal_and_disagreement(server: str, browser: object):
    facilitator_ctx, host = _context_page(browser)
    host.goto(f"{server}/assessment")  # type: ignore[attr-defined]
    wait_idle(host)
    host.get_by_label("Round name").fill("2026 Q3")  # type: ignore[attr-defined]
    host.get_by_role("button", name="Open round").click()  # type: ignore[attr-defined]
    code = host.locator('[data-testid="stCode"]', has_text="?round=").first  # type: ignore[attr-defined]
    code.wait_for(timeout=TIMEOUT)
    link = code.inner_text().strip()
    assert link.startswith(f"{server}/assessment?round=")
    # The page ran inside app.py (menu and workspace switcher), even on a fresh server.
    assert host.get_by_text("Workspace", exact=True).first.is_visible()  # type: ignore[attr-defined]

    ana = _respond(
        browser,
        link,
        "Ana",
        {"milestones": ("1 · Ad hoc", "3 · Defined"), "signals": ("3 · Defined", "4 · Managed")},
    )
    ben = _respond(
        browser,
        link,
        "Ben",
        {
            "milestones": ("4 · Managed", "5 · Operationalized"),
            "signals": ("3 · Defined", "3 · Defined"),
        },
    )

    host.get_by_role("button", name="Refresh").click()  # type: ignore[attr-defined]
    _text(host, "2 joined")
    host.get_by_role("button", name="Reveal results").click()  # type: ignore[attr-defined]
    _text(host, "is now open, revealed")
    host.get_by_role("tab", name="Results").click()  # type: ignore[attr-defined]
    warning = _text(host, "⚠ Disagreement on Milestones & exit criteria")
    assert "Signals" not in warning.inner_text()  # type: ignore[attr-defined]
    metric = host.locator('[data-testid="stMetric"]', has_text="Disagreements").first  # type: ignore[attr-defined]
    assert metric.locator('[data-testid="stMetricValue"]').inner_text() == "1"
    host.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=TIMEOUT)  # type: ignore[attr-defined]
    assert_no_errors(host)
    ARTIFACTS.mkdir(exist_ok=True)
    host.screenshot(path=str(ARTIFACTS / "assessment-results.png"), full_page=True)  # type: ignore[attr-defined]

    # A respondent sees the revealed results on their own screen too.
    page = ana.pages[0]  # type: ignore[attr-defined]
    page.reload()
    wait_idle(page)
    _text(page, "⚠ Disagreement on Milestones & exit criteria")
    assert_no_errors(page)
    page.screenshot(path=str(ARTIFACTS / "assessment-respondent.png"), full_page=True)
    for context in (ana, ben, facilitator_ctx):
        context.close()  # type: ignore[attr-defined]
