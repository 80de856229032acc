"""Starting points for a workshop: three map shapes, filled with working content to adapt.

The content is ours, written from the domain facts in docs/metrics.md: milestones carry the event
that proves them (matching the demo data's event names), touchpoints have owners and SLAs,
and every template already has signals and rescue plays, so a room starts by editing, not by
staring at an empty grid. Everything is tagged "assumed": nothing here is observed yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from core.journey.errors import JourneyError
from core.journey.shapes import (
    MapDocument,
    MilestoneRow,
    RiskRow,
    SignalRow,
    StageRow,
    TouchpointRow,
)


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    description: str
    data: MapDocument


class _Parts(TypedDict, total=False):
    stages: list[StageRow]
    milestones: list[MilestoneRow]
    touchpoints: list[TouchpointRow]
    signals: list[SignalRow]
    risks: list[RiskRow]


def _stage(name: str, days: tuple[int, int], goal: str, exit_criteria: str) -> StageRow:
    return {
        "name": name,
        "day_start": days[0],
        "day_end": days[1],
        "goal": goal,
        "exit_criteria": exit_criteria,
        "evidence": "assumed",
    }


def _milestone(
    stage: str, name: str, role: str, day: int, event: str, *, fv: bool = False, act: bool = False
) -> MilestoneRow:
    return {
        "name": name,
        "stage": stage,
        "role": role,
        "target_day": day,
        "event": event,
        "is_first_value": fv,
        "is_activation": act,
        "evidence": "assumed",
    }


def _touch(
    stage: str,
    name: str,
    channel: str,
    role: str,
    owner: str,
    sla: float | None,
    emotion: int,
    pain: str = "",
    text: str = "",
) -> TouchpointRow:
    return {
        "name": name,
        "stage": stage,
        "role": role,
        "channel": channel,
        "owner_team": owner,
        "sla_hours": sla,
        "emotion": emotion,
        "pain_point": pain,
        "content": text,
        "evidence": "assumed",
    }


def _signal(
    stage: str,
    name: str,
    kind: str,
    event: str,
    window: int | None,
    condition: str,
    play: str,
    role: str = "",
) -> SignalRow:
    return {
        "name": name,
        "stage": stage,
        "role": role,
        "kind": kind,
        "event": event,
        "window_days": window,
        "condition": condition,
        "play": play,
        "evidence": "assumed",
    }


def _risk(
    stage: str,
    name: str,
    signal: str,
    trigger: str,
    intervention: str,
    owner: str,
    escalation: str,
    role: str = "",
) -> RiskRow:
    return {
        "name": name,
        "stage": stage,
        "role": role,
        "signal": signal,
        "trigger": trigger,
        "intervention": intervention,
        "owner": owner,
        "escalation": escalation,
        "evidence": "assumed",
    }


def _doc(name: str, template: str, parts: _Parts) -> MapDocument:
    return {
        "schema": "waypoint.journey-map",
        "schema_version": 1,
        "map": {
            "name": name,
            "variant": "happy path",
            "state": "current",
            "segment": None,
            "template": template,
        },
        "stages": parts.get("stages", []),
        "milestones": parts.get("milestones", []),
        "touchpoints": parts.get("touchpoints", []),
        "signals": parts.get("signals", []),
        "risks": parts.get("risks", []),
        "opportunities": [],
    }


def _six_stage() -> MapDocument:
    c, k, s, f, a, ss = "Contract", "Kickoff", "Setup", "First Value", "Adoption", "Steady State"
    return _doc(
        "Six-stage onboarding",
        "six_stage",
        {
            "stages": [
                _stage(
                    c,
                    (0, 3),
                    "Carry what sales learned into onboarding without loss.",
                    "Handoff notes reviewed by the CSM; success criteria written down.",
                ),
                _stage(
                    k,
                    (1, 14),
                    "Agree what success looks like and who does what.",
                    "Kickoff held with the sponsor; success plan shared and accepted.",
                ),
                _stage(
                    s,
                    (7, 45),
                    "Get the product connected to the customer's systems.",
                    "An integration is live and real data has been imported.",
                ),
                _stage(
                    f,
                    (21, 60),
                    "Deliver the first outcome the customer bought us for.",
                    "A first workflow runs in production for a real team.",
                ),
                _stage(
                    a,
                    (45, 90),
                    "Spread use beyond the first team and the first workflow.",
                    "Most licensed seats active; a second workflow live.",
                ),
                _stage(
                    ss,
                    (90, 120),
                    "Hand over to the ongoing success rhythm.",
                    "First business review held; renewal owner named.",
                ),
            ],
            "milestones": [
                _milestone(k, "Kickoff completed", "champion", 10, "kickoff_completed"),
                _milestone(
                    s, "First integration connected", "admin", 21, "integration_connected", act=True
                ),
                _milestone(s, "Customer data imported", "admin", 30, "data_imported"),
                _milestone(f, "Users trained", "end_user", 40, "users_trained"),
                _milestone(
                    f,
                    "First workflow live",
                    "champion",
                    45,
                    "first_workflow_live",
                    fv=True,
                    act=True,
                ),
                _milestone(ss, "First business review held", "exec_sponsor", 100, "qbr_completed"),
            ],
            "touchpoints": [
                _touch(
                    c,
                    "Sales-to-CS handoff",
                    "meeting",
                    "champion",
                    "Sales + CS",
                    48,
                    0,
                    "Customer repeats their goals to a new person.",
                    "Account brief with goals, stakeholders and promised dates.",
                ),
                _touch(
                    c,
                    "Welcome email",
                    "email",
                    "champion",
                    "CS Ops",
                    24,
                    1,
                    "",
                    "Who your CSM is, what happens next, the kickoff invite.",
                ),
                _touch(
                    k,
                    "Kickoff call",
                    "call",
                    "exec_sponsor",
                    "CSM",
                    72,
                    1,
                    "",
                    "Success plan, roles, timeline and first milestone date.",
                ),
                _touch(
                    s,
                    "Technical setup session",
                    "training",
                    "admin",
                    "Implementation",
                    48,
                    -1,
                    "Access to the customer's systems takes weeks.",
                    "Guided integration setup with a solutions engineer.",
                ),
                _touch(
                    s,
                    "Setup help desk",
                    "ticket",
                    "admin",
                    "Support",
                    8,
                    -1,
                    "Tickets bounce between teams.",
                    "Priority queue for onboarding accounts.",
                ),
                _touch(
                    f,
                    "Role-based training",
                    "training",
                    "end_user",
                    "Enablement",
                    72,
                    1,
                    "",
                    "Short sessions per role built around the first workflow.",
                ),
                _touch(
                    f,
                    "First-value check-in",
                    "call",
                    "champion",
                    "CSM",
                    24,
                    2,
                    "",
                    "Confirm the outcome, capture the win in the customer's words.",
                ),
                _touch(
                    a,
                    "Office hours",
                    "office_hours",
                    "end_user",
                    "Enablement",
                    168,
                    1,
                    "",
                    "Weekly open session for questions and tips.",
                ),
                _touch(
                    a,
                    "In-app invite prompt",
                    "in_app",
                    "admin",
                    "Product",
                    None,
                    0,
                    "",
                    "Nudge to invite teammates when only one person is active.",
                ),
                _touch(
                    ss,
                    "Business review",
                    "meeting",
                    "exec_sponsor",
                    "CSM",
                    168,
                    1,
                    "",
                    "Outcomes against the success plan; next goals.",
                ),
                _touch(
                    ss,
                    "Community invitation",
                    "community",
                    "end_user",
                    "Marketing",
                    None,
                    1,
                    "",
                    "Peer groups and best-practice library.",
                ),
            ],
            "signals": [
                _signal(
                    s,
                    "No project after sign-in",
                    "inactivity",
                    "integration_connected",
                    7,
                    "Account created but nothing connected within 7 days.",
                    "Email with a short how-to, then an in-app prompt to connect.",
                ),
                _signal(
                    a,
                    "Single-player use",
                    "stakeholder_engagement",
                    "user_invited",
                    30,
                    "Only one active user 30 days after start.",
                    "In-app invite prompt; CSM asks the champion who else should join.",
                ),
                _signal(
                    a,
                    "Went quiet after week one",
                    "inactivity",
                    "login",
                    14,
                    "Active on days 1-7, then no activity on days 8-14.",
                    "CSM outreach within two working days.",
                ),
                _signal(
                    ss,
                    "Feature limit reached",
                    "feature_adoption",
                    "feature_limit_hit",
                    30,
                    "Users hit a plan limit.",
                    "Expansion conversation with the AE.",
                ),
            ],
            "risks": [
                _risk(
                    f,
                    "First value overdue",
                    "no_first_value",
                    "No first workflow live by the first-value target day.",
                    "Rescue session to ship one small workflow within a week.",
                    "CSM",
                    "Health below 50 at day 30: CS lead joins; below 30: our exec calls theirs.",
                ),
                _risk(
                    k,
                    "Sponsor disengaged",
                    "sponsor_disengaged",
                    "No sponsor activity since kickoff.",
                    "Short outcome update to the sponsor with one decision to make.",
                    "CSM",
                    "CS director reaches out to the sponsor.",
                    "exec_sponsor",
                ),
                _risk(
                    s,
                    "Support is the main channel",
                    "ticket_primary",
                    "Half or more of the account's touches are tickets.",
                    "Switch to a scheduled working session; fix the root cause.",
                    "Implementation",
                    "Support lead reviews the open tickets with the CSM.",
                ),
            ],
        },
    )


def _five_phase() -> MapDocument:
    kp, ti, ue = "Kickoff & Planning", "Technical Implementation", "User Enablement"
    va, tr = "Value Achievement", "Transition to Ongoing Success"
    return _doc(
        "Enterprise lifecycle (120 days)",
        "five_phase",
        {
            "stages": [
                _stage(
                    kp,
                    (1, 14),
                    "Align stakeholders on outcomes, scope and plan.",
                    "Signed-off project plan with named owners on both sides.",
                ),
                _stage(
                    ti,
                    (15, 45),
                    "Integrate, configure and migrate data.",
                    "Integrations pass acceptance tests; data migrated and verified.",
                ),
                _stage(
                    ue,
                    (30, 60),
                    "Train every role on the workflows they will own.",
                    "Each role has completed its training path.",
                ),
                _stage(
                    va,
                    (45, 90),
                    "Reach and prove the outcomes in the success plan.",
                    "Agreed value metric reached and confirmed by the sponsor.",
                ),
                _stage(
                    tr,
                    (90, 120),
                    "Move from project mode to the steady success rhythm.",
                    "Executive business review held; account plan handed over.",
                ),
            ],
            "milestones": [
                _milestone(
                    kp, "Kickoff and plan signed off", "exec_sponsor", 14, "kickoff_completed"
                ),
                _milestone(ti, "Integrations live", "admin", 35, "integration_connected", act=True),
                _milestone(ti, "Data migration verified", "admin", 45, "data_imported"),
                _milestone(ue, "Role training complete", "end_user", 60, "users_trained"),
                _milestone(
                    va,
                    "First production workflow",
                    "champion",
                    60,
                    "first_workflow_live",
                    fv=True,
                    act=True,
                ),
                _milestone(tr, "Executive business review", "exec_sponsor", 110, "qbr_completed"),
            ],
            "touchpoints": [
                _touch(
                    kp,
                    "Executive alignment meeting",
                    "meeting",
                    "exec_sponsor",
                    "CS leadership",
                    120,
                    1,
                    "",
                    "Outcomes, governance, escalation path.",
                ),
                _touch(
                    kp,
                    "Project plan workshop",
                    "meeting",
                    "champion",
                    "Implementation",
                    72,
                    0,
                    "Too many stakeholders, unclear decision maker.",
                    "Milestones, owners and dates for the first 120 days.",
                ),
                _touch(
                    ti,
                    "Weekly implementation stand-up",
                    "call",
                    "admin",
                    "Implementation",
                    24,
                    0,
                    "Customer IT has competing priorities.",
                    "Blockers and next steps.",
                ),
                _touch(
                    ti,
                    "Integration documentation",
                    "documentation",
                    "admin",
                    "Product",
                    None,
                    -1,
                    "Docs assume a standard setup.",
                    "Guides per connector.",
                ),
                _touch(
                    ue,
                    "Role-based training path",
                    "training",
                    "end_user",
                    "Enablement",
                    72,
                    1,
                    "",
                    "Admin, champion and end-user tracks.",
                ),
                _touch(
                    ue,
                    "Train-the-trainer session",
                    "webinar",
                    "champion",
                    "Enablement",
                    120,
                    1,
                    "",
                    "Lets the champion onboard later teams.",
                ),
                _touch(
                    va,
                    "Value review",
                    "meeting",
                    "champion",
                    "CSM",
                    72,
                    2,
                    "",
                    "Measured outcomes against the success plan.",
                ),
                _touch(
                    tr,
                    "Executive business review",
                    "meeting",
                    "exec_sponsor",
                    "CSM",
                    168,
                    1,
                    "",
                    "Results, roadmap, next-year goals.",
                ),
            ],
            "signals": [
                _signal(
                    ti,
                    "Integration stalled",
                    "usage_event",
                    "integration_connected",
                    21,
                    "No integration connected three weeks into implementation.",
                    "Escalate to the solutions architect; joint working session.",
                ),
                _signal(
                    ue,
                    "Training not started",
                    "feature_adoption",
                    "users_trained",
                    14,
                    "Less than half of the invited users started training.",
                    "Champion sends a reminder drafted by Enablement.",
                ),
                _signal(
                    va,
                    "Negative ticket tone",
                    "ticket_sentiment",
                    "",
                    30,
                    "Two or more negative-sentiment tickets in 30 days.",
                    "CSM call to address the pattern, not the tickets.",
                ),
            ],
            "risks": [
                _risk(
                    va,
                    "Value not reached by day 90",
                    "no_first_value",
                    "No production workflow by day 90.",
                    "Recovery plan with a reduced first scope.",
                    "CSM",
                    "VP CS and the customer's sponsor review the plan.",
                ),
                _risk(
                    tr,
                    "Sponsor changed roles",
                    "sponsor_disengaged",
                    "The executive sponsor leaves or stops attending.",
                    "Identify and brief a new sponsor within two weeks.",
                    "CSM",
                    "Our executive sponsor contacts the customer's leadership.",
                    "exec_sponsor",
                ),
            ],
        },
    )


def _product_led() -> MapDocument:
    d1, d3, d7 = "Day 1: Sign-up", "Day 3: Connect", "Day 7: Invite"
    d14, d30 = "Day 14: First value", "Day 30: Habit"
    return _doc(
        "Product-led activation",
        "product_led",
        {
            "stages": [
                _stage(
                    d1,
                    (0, 1),
                    "A first session that ends with something done.",
                    "The new admin has signed in and finished the setup checklist.",
                ),
                _stage(
                    d3, (1, 3), "Connect a data source without help.", "One integration connected."
                ),
                _stage(d7, (3, 7), "Bring the team in.", "At least two teammates invited."),
                _stage(
                    d14, (7, 14), "Run the first real workflow.", "A workflow has run on real data."
                ),
                _stage(
                    d30,
                    (14, 30),
                    "Make it a weekly habit.",
                    "Active in at least three of the last four weeks.",
                ),
            ],
            "milestones": [
                _milestone(d1, "First sign-in", "admin", 1, "login", act=True),
                _milestone(
                    d3, "Integration connected", "admin", 3, "integration_connected", act=True
                ),
                _milestone(d7, "Teammates invited", "admin", 7, "user_invited", act=True),
                _milestone(
                    d14,
                    "First workflow live",
                    "champion",
                    14,
                    "first_workflow_live",
                    fv=True,
                    act=True,
                ),
                _milestone(d30, "Weekly automation running", "end_user", 30, "automation_run"),
            ],
            "touchpoints": [
                _touch(
                    d1,
                    "Welcome checklist",
                    "in_app",
                    "admin",
                    "Product",
                    None,
                    1,
                    "",
                    "Five steps to a working setup.",
                ),
                _touch(
                    d1,
                    "Welcome email",
                    "email",
                    "admin",
                    "Growth",
                    1,
                    0,
                    "",
                    "One link back to the checklist.",
                ),
                _touch(
                    d3,
                    "Connect prompt",
                    "in_app",
                    "admin",
                    "Product",
                    None,
                    -1,
                    "Connector list is long and unclear.",
                    "Suggest the likeliest source.",
                ),
                _touch(
                    d7,
                    "Invite nudge",
                    "in_app",
                    "admin",
                    "Product",
                    None,
                    0,
                    "",
                    "Show what teammates would see.",
                ),
                _touch(
                    d14,
                    "Template gallery",
                    "documentation",
                    "champion",
                    "PMM",
                    None,
                    1,
                    "",
                    "Ready-made workflows by role.",
                ),
                _touch(
                    d14,
                    "Live chat",
                    "chat",
                    "end_user",
                    "Support",
                    1,
                    1,
                    "",
                    "Quick answers while building.",
                ),
                _touch(
                    d30,
                    "Tips digest",
                    "email",
                    "end_user",
                    "Growth",
                    None,
                    0,
                    "",
                    "Weekly tips based on what the team uses.",
                ),
                _touch(
                    d30,
                    "Community forum",
                    "community",
                    "end_user",
                    "Community",
                    None,
                    1,
                    "",
                    "Questions answered by peers and staff.",
                ),
            ],
            "signals": [
                _signal(
                    d1,
                    "No project after 24 hours",
                    "inactivity",
                    "integration_connected",
                    1,
                    "Account created but nothing set up within a day.",
                    "Email with a two-minute how-to.",
                ),
                _signal(
                    d7,
                    "Tasks never assigned",
                    "usage_event",
                    "user_invited",
                    7,
                    "Work created but never shared with a teammate.",
                    "In-app prompt to invite a colleague.",
                ),
                _signal(
                    d30,
                    "Absent in week two",
                    "inactivity",
                    "login",
                    7,
                    "Active on days 1-7, no activity on days 8-14.",
                    "Personal email from the onboarding team.",
                ),
            ],
            "risks": [
                _risk(
                    d14,
                    "No first workflow by day 14",
                    "no_first_value",
                    "No workflow has run by day 14.",
                    "Offer a 20-minute guided session.",
                    "Onboarding team",
                    "Sales assist for accounts above the paid threshold.",
                ),
                _risk(
                    d30,
                    "Single user after 30 days",
                    "single_user",
                    "Only one active user after 30 days.",
                    "Show the admin which teammates would benefit; one-click invite.",
                    "Growth",
                    "CSM outreach for paid accounts.",
                ),
            ],
        },
    )


TEMPLATES: dict[str, Template] = {
    "six_stage": Template(
        "six_stage",
        "Six-stage path",
        "Contract → Kickoff → Setup → First Value → Adoption → Steady State.",
        _six_stage(),
    ),
    "five_phase": Template(
        "five_phase",
        "Day-based lifecycle (enterprise)",
        "Five overlapping phases from kickoff (days 1-14) to transition (days 90-120).",
        _five_phase(),
    ),
    "product_led": Template(
        "product_led",
        "Product-led activation",
        "Activation milestones on days 1, 3, 7, 14 and 30, mostly in-app.",
        _product_led(),
    ),
    "blank": Template(
        "blank",
        "Blank map",
        "Start from nothing and build the stages with the room.",
        _doc("New map", "blank", {}),
    ),
}


def template(key: str) -> Template:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise JourneyError(f"There is no template called “{key}”.") from None
