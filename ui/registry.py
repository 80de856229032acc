"""The pages of the app, in menu order: app.py builds the navigation from this list and Home
shows a card for each, so a new page is added in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.access.roles import Role

MEMBERS = frozenset({Role.OWNER, Role.EDITOR, Role.VIEWER, Role.SYSTEM})


@dataclass(frozen=True)
class PageEntry:
    path: str
    title: str
    icon: str
    url_path: str
    summary: str
    roles: frozenset[Role] = field(default=MEMBERS)
    """Who sees the page in the navigation (core refuses the rest whatever they type)."""


PAGES: tuple[PageEntry, ...] = (
    PageEntry(
        "pages/home.py",
        "Home",
        ":material/home:",
        "home",
        "What this workspace holds and what to do next.",
    ),
    PageEntry(
        "pages/scorecards.py",
        "Scorecards",
        ":material/monitoring:",
        "scorecards",
        "Per segment: are customers reaching value fast enough, where they drop off, and how "
        "much revenue is at risk and why.",
    ),
    PageEntry(
        "pages/at_risk.py",
        "At-risk accounts",
        ":material/warning:",
        "at_risk",
        "Every morning: who is at risk, which signals fired, the play to run and who owns it.",
    ),
    PageEntry(
        "pages/journey.py",
        "Journey maps",
        ":material/route:",
        "journey",
        "Build a segment's onboarding journey live with the room: stages, milestones, "
        "touchpoints, signals and rescue plays, with history and undo.",
    ),
    PageEntry(
        "pages/assessment.py",
        "Maturity assessment",
        ":material/checklist:",
        "assessment",
        "Rate your onboarding operation on the six-capability matrix, see where the team "
        "disagrees, and get the next steps.",
    ),
    PageEntry(
        "pages/data.py",
        "Data",
        ":material/database:",
        "data",
        "Import your accounts, users, events and touches; set the analysis date and segment "
        "targets.",
        frozenset({Role.OWNER, Role.SYSTEM}),
    ),
    PageEntry(
        "pages/members.py",
        "Members",
        ":material/group:",
        "members",
        "Who can see and change this workspace: add people by e-mail as owner, editor or viewer.",
    ),
)

GUEST_PAGES = {
    Role.PARTICIPANT: "pages/journey.py",
    Role.GUEST_VIEWER: "pages/journey.py",
    Role.RESPONDENT: "pages/assessment.py",
}


def pages_for(role: Role) -> tuple[PageEntry, ...]:
    """The pages a member's role shows in the navigation, in menu order."""
    return tuple(p for p in PAGES if role in p.roles)


def guest_page(role: Role) -> PageEntry:
    """The one page a guest link opens."""
    return next(p for p in PAGES if p.path == GUEST_PAGES[role])
