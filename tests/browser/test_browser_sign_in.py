"""Sign-in end to end (issue 12): `st.login` against a real OpenID Connect provider on
loopback (tests/support/oidc.py), in headless Chromium, one browser context per person.

Alice and Bob are administrators (`[waypoint] admins`); each signs in through the provider's
form and creates a workspace. Bob sees only his own, and typing the addresses of Alice's
pages and workspace by hand shows him nothing of hers. Once Alice adds him as a viewer on the
Members page, Bob sees her workspace after a reload, read-only; signing out brings back the
sign-in screen.

The first-start demo workspace is the local owner's, and is handed to the first administrator
listed (Alice) when sign-in is configured; Bob, the second, does not get it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Error, Page, expect

from tests.support.browser import (
    main_heading,
    new_context,
    start_server,
    wait_for_run_to_end,
)
from tests.support.oidc import auth_secrets, start_provider

ALICE, BOB = "alice@example.com", "bob@example.com"
PEOPLE = {ALICE: "Alice", BOB: "Bob"}
ALICE_CO, BOB_CO = "Alice Co", "Bob Co"
ALICE_MAP = "Alice Co launch journey"
DEMO = "Demo workspace"

# Everything a person can read on the screen: the text, what the inputs hold (a selectbox
# shows its choice in an input), and the tab's title.
SCREEN_TEXT = """() => [
    document.title,
    document.body.innerText,
    ...Array.from(document.querySelectorAll('input, textarea'), e => e.value),
].join('\\n')"""


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sign-in-db") / "app.db"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_provider(tmp_path_factory, PEOPLE)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_path: Path, provider: str) -> Iterator[str]:
    yield from start_server(
        tmp_path_factory,
        secrets=auth_secrets(provider, admins=[ALICE, BOB]),
        DATABASE_URL=f"sqlite:///{db_path}",
    )


def _sign_in(browser: Browser, server: str, email: str) -> tuple[BrowserContext, Page]:
    """A new screen on which `email` signs in through the provider's form."""
    context = new_context(browser)
    page = context.new_page()
    page.goto(server)
    _expect_sign_in_screen(page)
    page.get_by_role("button", name="Sign in").click()
    # The provider's authorization form: who signs in is the subject typed here.
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize", exact=True).click()
    expect(_sidebar(page)).to_contain_text(_signed_in_as(email))
    return context, page


def _address(email: str) -> str:
    """A pattern for an e-mail address as the app shows it (made inert: a word joiner may
    follow the @)."""
    user, domain = email.split("@")
    return rf"{re.escape(user)}@\W?{re.escape(domain)}"


def _signed_in_as(email: str) -> re.Pattern[str]:
    """The sidebar's account line."""
    return re.compile(rf"Signed in as {PEOPLE[email]} \({_address(email)}\)")


def _expect_sign_in_screen(page: Page) -> None:
    expect(main_heading(page)).to_have_text("Waypoint")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    wait_for_run_to_end(page)
    expect(_switcher(page)).to_have_count(0)  # no workspace, nothing of anyone's
    assert "Signed in as" not in page.evaluate(SCREEN_TEXT)


def _sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def _switcher(page: Page):
    return page.locator(".st-key-workspace_select input[role='combobox']")


def _create_workspace(page: Page, name: str) -> None:
    """Create a workspace in the sidebar: an administrator with none sees the form open, one
    with a workspace finds it under "Manage workspaces"."""
    field = _sidebar(page).get_by_label("New workspace name")
    manage = _sidebar(page).get_by_text("Manage workspaces")
    expect(field.or_(manage).first).to_be_visible()
    if not field.is_visible():
        manage.click()
    field.fill(name)
    _sidebar(page).get_by_role("button", name="Create workspace").click()
    expect(_switcher(page)).to_have_value(name)


def _switcher_options(page: Page) -> list[str]:
    """The workspaces the switcher offers."""
    wait_for_run_to_end(page)
    box = _switcher(page)
    box.click()
    options = page.get_by_role("listbox").get_by_role("option")
    options.first.wait_for()
    names = options.all_inner_texts()
    box.press("Escape")
    return sorted(n.strip() for n in names)


def _choose_workspace(page: Page, name: str) -> None:
    box = _switcher(page)
    for _ in range(5):
        try:
            box.click()
            page.get_by_role("option", name=name, exact=True).click(timeout=5_000)
        except Error:
            box.press("Escape")
            continue
        if box.input_value() == name:
            break
    expect(box).to_have_value(name)


def _go(page: Page, title: str, heading: str | None = None) -> None:
    """Open a page through the navigation (keeps the tab's workspace choice)."""
    _sidebar(page).get_by_test_id("stSidebarNavLink").filter(has_text=title).click()
    expect(main_heading(page)).to_have_text(heading or title)


def _nav_titles(page: Page) -> list[str]:
    links = _sidebar(page).get_by_test_id("stSidebarNavLink")
    links.first.wait_for()
    return links.all_inner_texts()


def _seed_alice_map(db_path: Path) -> tuple[int, int]:
    """A journey map in Alice Co (made as the system, as a script would): ids of the
    workspace and the map, for Bob to type into addresses."""
    from core import journey as jm
    from core.access.guard import system_factory
    from core.db.engine import make_engine, unit_of_work
    from core.workspace.workspaces import list_workspaces

    engine = make_engine(f"sqlite:///{db_path}")
    try:
        with unit_of_work(system_factory(engine)) as s:
            ws = next(w for w in list_workspaces(s) if w.name == ALICE_CO)
            info = jm.create_map(s, ws.id, "six_stage", jm.Actor("Alice"), name=ALICE_MAP)
            return ws.id, info.id
    finally:
        engine.dispose()


def _member_role(db_path: Path, workspace: str, person: str) -> str | None:
    from sqlalchemy import select

    from core.db.engine import make_engine
    from core.db.models import Member, Workspace

    engine = make_engine(f"sqlite:///{db_path}")
    try:
        with engine.connect() as conn:
            return conn.scalar(
                select(Member.role)
                .join(Workspace, Workspace.id == Member.workspace_id)
                .where(Workspace.name == workspace, Member.person == person)
            )
    finally:
        engine.dispose()


def _shows_nothing_of_alice(page: Page, url: str) -> None:
    page.goto(url)
    expect(_sidebar(page)).to_contain_text(_signed_in_as(BOB))
    expect(_switcher(page)).to_have_value(BOB_CO)
    main_heading(page).wait_for()
    wait_for_run_to_end(page)
    text = page.evaluate(SCREEN_TEXT)
    assert ALICE_CO not in text, f"{url} showed Bob something of Alice Co"
    assert "Alice" not in text, f"{url} showed Bob Alice's name"


def test_two_people_sign_in_see_their_own_workspaces_and_share_one(
    server: str, browser: Browser, db_path: Path
) -> None:
    alice_context, alice = _sign_in(browser, server, ALICE)
    _create_workspace(alice, ALICE_CO)
    # The first-start demo was the local owner's; sign-in hands it to the first administrator.
    assert _switcher_options(alice) == [ALICE_CO, DEMO]
    alice_ws, alice_map = _seed_alice_map(db_path)

    bob_context, bob = _sign_in(browser, server, BOB)
    _create_workspace(bob, BOB_CO)
    assert _switcher_options(bob) == [BOB_CO]  # neither Alice's nor the demo

    # Bob types the addresses of Alice's workspace, map and pages by hand.
    for path in (
        f"/journey?map={alice_map}",
        f"/journey?map={alice_map}&workspace={alice_ws}",
        f"/?workspace={alice_ws}",
        f"/home?workspace_id={alice_ws}",
        "/scorecards",
        f"/scorecards?workspace={alice_ws}",
        "/at_risk",
        "/assessment",
        f"/members?workspace={alice_ws}",
        f"/data?workspace={alice_ws}",
    ):
        _shows_nothing_of_alice(bob, f"{server}{path}")
    assert _switcher_options(bob) == [BOB_CO]

    # Alice adds Bob to Alice Co as a viewer.
    expect(_switcher(alice)).to_have_value(ALICE_CO)
    _go(alice, "Members")
    expect(alice.get_by_test_id("stMain")).to_contain_text(f"Who can open {ALICE_CO}")
    alice.get_by_label("E-mail address").fill(BOB)
    role = alice.locator(".st-key-member_role input[role='combobox']")
    role.click()
    alice.get_by_role("option", name="viewer", exact=True).click()
    expect(role).to_have_value("viewer")
    alice.get_by_role("button", name="Add", exact=True).click()
    # Stored: the form's run clears the address once the member is added (a toast says so
    # too, but it is gone after a few seconds, which a busy machine can outlast).
    expect(alice.get_by_label("E-mail address")).to_have_value("")
    assert _member_role(db_path, ALICE_CO, BOB) == "viewer"
    wait_for_run_to_end(alice)
    change = alice.locator(".st-key-change_person input[role='combobox']")
    change.click()
    expect(alice.get_by_role("option", name=re.compile(_address(BOB)))).to_have_count(1)
    change.press("Escape")

    # After a reload Bob has Alice Co too, read-only: no Data page, no renaming, no adding.
    bob.goto(server)  # a new page load: his memberships are read afresh
    expect(_sidebar(bob)).to_contain_text(_signed_in_as(BOB))
    assert _switcher_options(bob) == [ALICE_CO, BOB_CO]
    _choose_workspace(bob, ALICE_CO)
    expect(main_heading(bob)).to_have_text(ALICE_CO)
    titles = _nav_titles(bob)
    assert not any(t.endswith("Data") for t in titles), titles
    assert any(t.endswith("Members") for t in titles), titles
    _sidebar(bob).get_by_text("Manage workspaces").click()
    expect(_sidebar(bob).get_by_label("New workspace name")).to_be_visible()  # an admin still
    expect(_sidebar(bob).get_by_label("Rename to")).to_have_count(0)  # but not Alice Co's owner
    _go(bob, "Members")
    expect(
        bob.get_by_text("Only the workspace's owners can add or change members.")
    ).to_be_visible()
    expect(bob.get_by_label("E-mail address")).to_have_count(0)
    _go(bob, "Journey maps", "Journey maps (read only)")
    wait_for_run_to_end(bob)
    assert ALICE_MAP in bob.evaluate(SCREEN_TEXT)  # now he sees her map

    # Signing out (from Home: a viewer's journey page opens in presenter mode, no sidebar)
    # ends the session at the provider and comes back to the sign-in screen.
    bob.goto(server)
    _sidebar(bob).get_by_role("button", name="Sign out").click()
    bob.get_by_role("button", name="End session").click()
    _expect_sign_in_screen(bob)
    bob.goto(f"{server}/scorecards")
    _expect_sign_in_screen(bob)
    assert ALICE_CO not in bob.evaluate(SCREEN_TEXT)

    # Alice, in her own browser, is still signed in.
    alice.reload()
    expect(_sidebar(alice)).to_contain_text(_signed_in_as(ALICE))
    bob_context.close()
    alice_context.close()
