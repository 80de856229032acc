"""The onboarding capability matrix: six capabilities, their owners, KPIs and a five-level scale.

The capability names, owners and primary KPIs follow the seed facts (docs/metrics.md). The level
descriptions and next steps are our own wording: each says what you would see in the team at
that level, so a respondent can pick a level by recognising their week rather than by choosing
an adjective.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5)
LEVEL_NAMES: dict[int, str] = {
    1: "Ad hoc",
    2: "Repeatable",
    3: "Defined",
    4: "Managed",
    5: "Operationalized",
}


@dataclass(frozen=True)
class Capability:
    """One row of the matrix. `levels[i]` describes level i+1; `next_steps[i]` leads from it."""

    key: str
    name: str
    owner: str
    kpi: str
    kpi_label: str
    from_state: str
    to_state: str
    levels: tuple[str, str, str, str, str]
    next_steps: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]

    def describe(self, level: int) -> str:
        return self.levels[level - 1]

    def steps_from(self, level: int) -> tuple[str, ...]:
        """What to do to move from `level` to the next one; empty at the top."""
        return self.next_steps[level - 1] if 1 <= level < 5 else ()


MILESTONES = Capability(
    key="milestones",
    name="Milestones & exit criteria",
    owner="CS leadership",
    kpi="ttv_median_days",
    kpi_label="Time to first value (median days)",
    from_state="Onboarding measured by time elapsed",
    to_state="Milestones tied to customer outcomes and observable events",
    levels=(
        "Progress is reported as days since kickoff. Nobody can say which customer outcome "
        "closes a stage, and 'done' means the project plan ran out.",
        "There is a standard stage list (kickoff, setup, first value...), but a stage closes "
        "when the CSM says so and each CSM defines first value their own way.",
        "Every stage has a written exit criterion and each segment has an agreed first-value "
        "milestone; checking them still means asking the customer.",
        "Most exit criteria are product events or thresholds read from data, and time to first "
        "value is reported per segment every month.",
        "Every milestone names the customer outcome and the event that proves it; stages move "
        "on data alone, and a missed first-value date opens a follow-up by itself.",
    ),
    next_steps=(
        (
            "Agree one stage list for the main segment (e.g. Contract, Kickoff, Setup, First "
            "Value, Adoption, Steady State).",
            "Write down what first value means for each segment in one sentence.",
        ),
        (
            "Give every stage an exit criterion a third person could check.",
            "Mark one milestone per segment as first value and set its due day.",
        ),
        (
            "Attach a product event to each milestone (e.g. first_workflow_live) so it can be "
            "read from data.",
            "Report median time to first value per segment in the monthly review.",
        ),
        (
            "Let stage changes follow the events and drop the manual status field.",
            "Open a follow-up automatically when first value is overdue.",
        ),
    ),
)

TOUCHPOINTS = Capability(
    key="touchpoints",
    name="Touchpoints & SLAs",
    owner="CS Ops / RevOps",
    kpi="completion_rate",
    kpi_label="Onboarding completion rate",
    from_state="Inconsistent hand-offs",
    to_state="Documented plays with owners, SLAs and escalation paths",
    levels=(
        "Hand-offs from sales to onboarding to support happen in a chat message or not at "
        "all; customers repeat their goals to every new person.",
        "A kickoff deck and a hand-off checklist exist and some of the team use them; nobody "
        "tracks how fast customers get an answer.",
        "Every touchpoint on the happy path is written down with its channel and owning team; "
        "response-time promises exist on paper.",
        "Each touchpoint, including the main variants, has an owner and an SLA; breaches are "
        "counted and looked at.",
        "Plays are documented with owner, SLA and escalation path; a breach escalates by "
        "itself and completion rates look alike across CSMs.",
    ),
    next_steps=(
        (
            "Write a hand-off checklist from sales to onboarding (goals, sponsor, deadline).",
            "List the touchpoints a customer meets in the first 30 days.",
        ),
        (
            "Put every happy-path touchpoint on the journey map with channel and owning team.",
            "Agree response-time promises for tickets, calls and office hours.",
        ),
        (
            "Give every touchpoint an owner and an SLA in hours, variants included.",
            "Count SLA breaches each month and review the worst three.",
        ),
        (
            "Add an escalation path to every play and let breaches escalate automatically.",
            "Compare completion rate per CSM and close the gaps with the play, not the person.",
        ),
    ),
)

SIGNALS = Capability(
    key="signals",
    name="Signals & reporting",
    owner="Product analytics",
    kpi="activation_rate",
    kpi_label="Activation rate",
    from_state="Status updates by anecdote",
    to_state="Lifecycle and event taxonomy with dashboards for progression and velocity",
    levels=(
        "Status comes from what the CSM remembers in the weekly meeting; no product events "
        "are tracked for onboarding.",
        "Some events are tracked, named differently by each team, and an account spreadsheet "
        "is updated by hand.",
        "A shared event taxonomy covers the key milestones and a dashboard shows which "
        "accounts reached which step.",
        "Lifecycle stages and events feed dashboards of progression and velocity per segment; "
        "activation rate is reported on a fixed schedule.",
        "The dashboards are the only source in reviews; inactivity, single-user and "
        "sponsor-silence signals are computed daily and feed the health score.",
    ),
    next_steps=(
        (
            "Pick the five to eight product events that mark onboarding progress.",
            "Replace the weekly anecdote round with a shared account list.",
        ),
        (
            "Publish one event taxonomy (names and properties) and rename the outliers.",
            "Build a dashboard of who reached which milestone.",
        ),
        (
            "Add velocity (days between milestones) and activation rate per segment.",
            "Put the dashboard on a fixed reporting schedule.",
        ),
        (
            "Compute the early-churn signals daily and feed them into the health score.",
            "Run the review from the dashboard only; retire the side spreadsheets.",
        ),
    ),
)

AUTOMATION = Capability(
    key="automation",
    name="Automation & orchestration",
    owner="Ops / Marketing Ops",
    kpi="milestone_velocity_days",
    kpi_label="Milestone velocity (median days to the last milestone)",
    from_state="Manual reminders",
    to_state="Trigger-based milestone and rescue workflows",
    levels=(
        "Reminders and follow-ups are sent by hand from personal calendars and inboxes.",
        "A few fixed-date sequences run (welcome, day 7), whatever the customer has done.",
        "Some emails and in-app prompts fire on product events (e.g. no integration after a "
        "week); rescue work is still started by hand.",
        "Milestone and stall triggers start plays with tasks for named owners; most known "
        "drop-off points have a rescue play.",
        "Every milestone and every risk point has a trigger-based workflow, and plays are "
        "tuned on how fast they move accounts to the next milestone.",
    ),
    next_steps=(
        (
            "Move the common reminders into one shared sequence tool.",
            "List the three moments where customers stall most often.",
        ),
        (
            "Turn the fixed-date emails into event triggers (e.g. account created but no "
            "project after 24 h).",
            "Write a rescue play for the biggest drop-off step of the funnel.",
        ),
        (
            "Give every risk point on the map a trigger and a rescue play with an owner.",
            "Create tasks for owners automatically when a stall trigger fires.",
        ),
        (
            "Measure each play on days saved to the next milestone and retire the weak ones.",
            "Cover every milestone with a trigger, not only the risky ones.",
        ),
    ),
)

ENABLEMENT = Capability(
    key="enablement",
    name="Enablement content",
    owner="Enablement / PMM",
    kpi="adoption_depth",
    kpi_label="Adoption depth",
    from_state="Feature-first docs",
    to_state="Milestone-based, role-specific guidance",
    levels=(
        "Customers get the product documentation, organised by feature, and one generic "
        "training session.",
        "A getting-started guide exists, the same for every role.",
        "Guides follow the onboarding stages, and admins and end users get different material.",
        "Each milestone has a checklist, templates and a walkthrough per role (admin, "
        "champion, end user, sponsor), linked from the touchpoints that use them.",
        "Guidance appears in the product at the step the user is on; the use of each piece is "
        "measured against adoption depth and updated.",
    ),
    next_steps=(
        (
            "Write a getting-started guide around the first-value milestone.",
            "Record which questions new customers ask most in the first two weeks.",
        ),
        (
            "Split the guide by role: admin/implementer, champion, end user, sponsor.",
            "Order the material by onboarding stage instead of by feature.",
        ),
        (
            "Give each milestone a checklist, a template and a short walkthrough per role.",
            "Link the content from the touchpoints on the journey map.",
        ),
        (
            "Show the next step's guidance in the product, at the step the user is on.",
            "Track which pieces are used by accounts with deep adoption and rewrite the rest.",
        ),
    ),
)

IMPROVEMENT = Capability(
    key="improvement",
    name="Continuous improvement",
    owner="Revenue council",
    kpi="early_retention_90d",
    kpi_label="Early retention (90 days)",
    from_state="No feedback loop",
    to_state="Monthly review and iterative improvements",
    levels=(
        "Onboarding changes only after an escalation or a lost customer; there is no regular "
        "review.",
        "Lessons come up in occasional retrospectives; the actions are not followed up.",
        "A monthly onboarding review looks at time to value and drop-offs, and its decisions "
        "are written down.",
        "The review owns a backlog of improvements with owners and dates, and the journey map "
        "is updated after each change.",
        "Improvements ship on a fixed cadence, each is measured on early retention and time "
        "to value, and this assessment is repeated every quarter.",
    ),
    next_steps=(
        (
            "Book a monthly onboarding review with CS, product and sales.",
            "Collect feedback at kickoff and at first value with a two-question survey.",
        ),
        (
            "Review time to first value and the biggest drop-off at every session.",
            "Write each decision down with an owner.",
        ),
        (
            "Keep an improvement backlog with owners and dates.",
            "Update the journey map after each change and note what changed.",
        ),
        (
            "Ship improvements on a fixed cadence and measure each on early retention.",
            "Repeat this assessment every quarter and compare the trend.",
        ),
    ),
)

CAPABILITIES: tuple[Capability, ...] = (
    MILESTONES,
    TOUCHPOINTS,
    SIGNALS,
    AUTOMATION,
    ENABLEMENT,
    IMPROVEMENT,
)
CAPABILITY_KEYS: tuple[str, ...] = tuple(c.key for c in CAPABILITIES)
_BY_KEY = {c.key: c for c in CAPABILITIES}


def capability(key: str) -> Capability:
    """The capability with this key; KeyError for an unknown one."""
    return _BY_KEY[key]


def level_label(level: int) -> str:
    return f"{level} · {LEVEL_NAMES[level]}"
