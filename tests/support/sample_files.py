"""A small, valid set of the four tables as CSV text, shared by validator and storage tests."""

from __future__ import annotations

from core.data.readers import SourceFile

SEGMENTS = ["Enterprise", "Mid-Market", "SMB"]
ACCOUNTS = (
    "account_id,account_name,segment,contract_value,start_date,licensed_seats,csm,churn_date\n"
    "A1,Acme,Enterprise,150000,2026-01-05,120,Kim,\n"
    "A2,,,30000,2026-02-01,,Lee,2026-05-01\n"
    "A3,Tiny,smb,5000,2026-03-01,5,,\n"
)
USERS = "user_id,account_id,role,team\nU1,A1,Exec Sponsor,IT\nU2,A1,,Sales\nU3,A2,admin,\n"
EVENTS = (
    "account_id,user_id,event,timestamp\n"
    "A1,U1,kickoff_completed,2026-01-05T23:30:00-05:00\n"
    "A2,,login,2026-02-03\n"
    "A3,U9,first_workflow_live,2026-03-02T10:00:00Z\n"
)
TOUCHES = "account_id,channel,timestamp,csat,touchpoint\nA1,In-App,2026-01-06T10:00:00Z,4.5,Tour\n"


def csv(name: str, table: str, text: str) -> SourceFile:
    return SourceFile(name, table, text.encode())


def good_sources() -> list[SourceFile]:
    return [
        csv("accounts.csv", "accounts", ACCOUNTS),
        csv("users.csv", "users", USERS),
        csv("events.csv", "events", EVENTS),
        csv("touches.csv", "touches", TOUCHES),
    ]
