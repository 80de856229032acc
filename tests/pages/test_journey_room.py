"""The room on the journey page (issue 16, item 3), through AppTest on SQLite and PostgreSQL:
who is in the room, the facilitator's timer counting down large on every screen and saying
when time is up, the stage being shown as a banner, the lock said only to who may edit, and
the notes as cards grouped by stage with their dots, every typed word inert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core import journey as jm
from core.access import links
from core.db.engine import unit_of_work
from core.db.models import JourneyMap
from core.journey import presence, workshop
from core.journey.store import now
from tests.support.apptest import (
    act_as,
    add_member,
    open_in_empty_workspace,
    workspace_id_named,
)

WORKSPACE = "Room tests"
PAGE = "pages/journey.py"
HOST = jm.Actor("Host")
HOSTILE = "<img src=x onerror=window.__xss=1>"


@pytest.fixture
def map_id(app: AppTest, factory: sessionmaker[Session]) -> int:
    """The one map of an empty workspace the AppTest session looks at."""
    workspace_id = open_in_empty_workspace(app, factory, WORKSPACE)
    with unit_of_work(factory) as s:
        return jm.create_map(s, workspace_id, "six_stage", HOST, name="Room map").id


def _as_owner(app: AppTest, map_id: int) -> AppTest:
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.selectbox(key="journey_map_id").value == map_id
    return app


def _guest(app: AppTest, factory, map_id: int, kind: str, name: str = "") -> AppTest:
    with unit_of_work(factory) as s:
        token = links.create_link(s, workspace_id_named(factory, WORKSPACE), kind, map_id=map_id)
    for key in list(app.query_params):
        del app.query_params[key]
    app.query_params["link"] = token.token
    app.run()
    if kind == "participant":
        box = next(t for t in app.text_input if t.label.startswith("Your name"))
        box.input(name)
        next(b for b in app.button if b.label == "Join").click().run()
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    return app


def _captions(app: AppTest) -> list[str]:
    return [c.value for c in app.caption]


def _room(app: AppTest) -> str:
    (line,) = [c for c in _captions(app) if c.startswith("In the room: ")]
    return line


def _countdowns(app: AppTest) -> list[str]:
    """The page of each countdown component drawn (components.html sends it as srcdoc)."""
    return [el.proto.srcdoc for el in app.get("iframe")]


def _stage(factory, map_id: int, name: str) -> int:
    with unit_of_work(factory) as s:
        return next(x["id"] for x in jm.load(s, map_id).stages if x["name"] == name)


def test_the_facilitator_is_in_the_room_and_starts_a_big_timer(app, factory, map_id):
    _as_owner(app, map_id)
    assert _room(app) == "In the room: Local owner (facilitator)"
    assert any("Open for edits" in c for c in _captions(app))
    assert _countdowns(app) == []  # no timer yet
    app.number_input(key="workshop_minutes").set_value(1)
    app.button(key="workshop_timer_start").click().run()
    assert not app.exception
    (page,) = _countdowns(app)
    assert "01:00" in page or "00:5" in page  # the digits it starts from
    assert "performance.now() + " in page  # counted down in the browser, not by reruns
    assert "Time is up" in page  # what it turns into at zero
    assert any(c == "Timer: 01:00, set by the facilitator" for c in _captions(app))


def test_every_screen_says_time_is_up_once_the_timer_ran_out(app, factory, map_id):
    with unit_of_work(factory) as s:
        workshop.start_timer(s, map_id, 1, HOST)
        s.execute(
            update(JourneyMap)
            .where(JourneyMap.id == map_id)
            .values(timer_started_at=now() - timedelta(minutes=2))
        )
    _guest(app, factory, map_id, "participant", "Pat")
    assert _countdowns(app) == []
    assert [m.value for m in app.markdown if m.value == "Time is up"] == ["Time is up"]


def test_the_stage_shown_is_a_banner_on_a_participants_screen(app, factory, map_id):
    setup = _stage(factory, map_id, "Setup")
    with unit_of_work(factory) as s:
        workshop.present_stage(s, map_id, setup, HOST)
    _guest(app, factory, map_id, "participant", "Pat")
    assert "▶ Showing stage: Setup" in _captions(app)


def test_the_lock_is_said_only_to_who_may_edit(app, factory, map_id, monkeypatch):
    with unit_of_work(factory) as s:
        workshop.set_locked(s, map_id, HOST, locked=True)
    _guest(app, factory, map_id, "participant", "Pat")
    assert any("Locked by the facilitator" in c for c in _captions(app))
    _guest(app, factory, map_id, "viewer")
    lock_words = ("Open for edits", "Locked")
    assert not [c for c in _captions(app) if any(w in c for w in lock_words)]
    with unit_of_work(factory) as s:
        workshop.set_locked(s, map_id, HOST, locked=False)
    app.run()
    assert not [c for c in _captions(app) if any(w in c for w in lock_words)]
    assert "Revision" in " ".join(_captions(app))


def test_a_member_viewer_reads_no_lock_words(app, factory, map_id, monkeypatch):
    add_member(factory, workspace_id_named(factory, WORKSPACE), "vera@example.com", "viewer")
    act_as(monkeypatch, "vera@example.com", "Vera")
    _as_owner(app, map_id)
    assert not [c for c in _captions(app) if "Open for edits" in c or "Locked" in c]
    assert "Vera (viewer)" in _room(app)


def test_a_hostile_name_stays_text_in_the_room_and_on_the_note(app, factory, map_id):
    _guest(app, factory, map_id, "participant", HOSTILE)
    room = _room(app)
    assert "<img" not in room  # angle brackets as entities: shown, never parsed
    assert "&lt;img src=x onerror=window" in room
    app.text_area(key="note_text").input(f"Hello {HOSTILE}")
    app.button(key="note_submit").click().run()
    assert not app.exception
    assert f"Hello {HOSTILE}" in [t.value for t in app.text]  # st.text: never markup
    (by,) = [c for c in _captions(app) if c.startswith("by ")]
    assert "<img" not in by
    assert "&lt;img" in by


def test_notes_are_cards_grouped_by_stage_with_their_dots(app, factory, map_id):
    kickoff, setup = _stage(factory, map_id, "Kickoff"), _stage(factory, map_id, "Setup")
    with unit_of_work(factory) as s:
        pain = workshop.add_note(s, map_id, setup, "pain", "Setup takes a week", HOST)
        workshop.add_note(s, map_id, kickoff, "idea", "Agenda in advance", HOST)
        workshop.add_note(s, map_id, None, "question", "Who owns billing?", HOST)
    _as_owner(app, map_id)
    headings = [m.value for m in app.markdown if m.value.startswith("#### ")]
    assert headings == ["#### Kickoff (1)", "#### Setup (1)", "#### No stage (1)"]  # map order
    assert {"Setup takes a week", "Agenda in advance", "Who owns billing?"} <= {
        t.value for t in app.text
    }
    assert any(m.value == "**Pain point** · 0 dots" for m in app.markdown)
    app.button(key=f"vote_{pain}").click().run()
    assert not app.exception
    assert app.button(key=f"vote_{pain}").label == "● 1"
    assert any(m.value == "**Pain point** · 1 dot" for m in app.markdown)
    # The legend names each colour's kind in words.
    legend = next(h.proto.body for h in app.get("html") if "wp-note-legend" in h.proto.body)
    for words in ("Pain point", "Idea", "Question"):
        assert words in legend


def test_the_facilitator_deletes_and_converts_notes_from_their_cards(app, factory, map_id):
    with unit_of_work(factory) as s:
        gone = workshop.add_note(s, map_id, None, "idea", "Remove me", HOST)
        kept = workshop.add_note(s, map_id, None, "pain", "Make me a risk", HOST)
    _as_owner(app, map_id)
    app.button(key=f"note_delete_{gone}").click().run()
    assert not app.exception
    app.selectbox(key=f"conv_{kept}").set_value("risk")
    app.button(key=f"convert_{kept}").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        (note,) = workshop.list_notes(s, map_id)
        risks = [r["name"] for r in jm.load(s, map_id).of("risk")]
    assert note.id == kept
    assert note.converted_to.startswith("risk:")
    assert "Make me a risk" in risks
    assert f"convert_{kept}" not in [b.key for b in app.button]


def test_people_who_left_drop_off_the_room_list(app, factory, map_id):
    _as_owner(app, map_id)
    with unit_of_work(factory) as s:  # a participant who looked a minute ago and left
        made = links.create_link(
            s, workspace_id_named(factory, WORKSPACE), "participant", map_id=map_id
        )
    with unit_of_work(factory) as s:
        link, _ = links.open_link(s, made.token)
        guest, _ = links.join(s, link, "Sam")
    from core.access.guard import bind

    with unit_of_work(factory) as s:
        bind(s, links.guest_access(link, guest))
        presence.heartbeat(s, map_id, at=now() - timedelta(minutes=1))
    app.run()
    assert _room(app) == "In the room: Local owner (facilitator)"
    with unit_of_work(factory) as s:
        bind(s, links.guest_access(link, guest))
        presence.heartbeat(s, map_id)
    app.run()
    assert _room(app) == "In the room: Local owner (facilitator), Sam"
