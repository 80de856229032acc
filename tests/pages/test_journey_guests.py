"""Workshop guests through AppTest, on SQLite and PostgreSQL: a participant link asks a name,
then shows its one map and nothing else (no navigation, no workspace menu, no other map
whatever the address says); revoked, expired and locked links are refused with the reason; a
wrong passcode counts down and locks the link; the facilitator makes, sees and revokes links
in the Workshop tab, and the link is shown once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core import journey as jm
from core.access import links
from core.db.engine import unit_of_work
from core.db.models import GuestLink
from core.journey import workshop
from core.workspace.workspaces import create_workspace

PAGE = "pages/journey.py"
HOST = jm.Actor("Host")
SECRET = "Secret pricing stage"  # on the other map only: a guest must never see it


@dataclass(frozen=True)
class Maps:
    workspace_id: int
    shared: int
    other: int


@pytest.fixture
def maps(factory: sessionmaker[Session]) -> Maps:
    """A workspace with the map a link shares and another map nobody shared."""
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Guests workspace").id
        shared = jm.create_map(s, ws, "six_stage", HOST, name="Shared journey").id
        other = jm.create_map(s, ws, "blank", HOST, name="Board-only journey").id
        jm.add_element(s, other, "stage", {"name": SECRET}, HOST)
    return Maps(ws, shared, other)


def _link(
    factory: sessionmaker[Session], maps: Maps, kind: str = "participant", **kwargs: object
) -> links.NewLink:
    with unit_of_work(factory) as s:
        return links.create_link(s, maps.workspace_id, kind, map_id=maps.shared, **kwargs)  # type: ignore[arg-type]


def _open(app: AppTest, token: str, **params: str) -> AppTest:
    """A fresh visit: only what the address carries."""
    for key in list(app.query_params):
        del app.query_params[key]
    app.query_params["link"] = token
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    return app


def _join(app: AppTest, name: str, passcode: str | None = None) -> AppTest:
    _input(app, "Your name").input(name)
    if passcode is not None:
        _input(app, "Passcode").input(passcode)
    next(b for b in app.button if b.label == "Join").click().run()
    assert not app.exception
    return app


def _input(app: AppTest, label: str):  # noqa: ANN202 - AppTest's TextInput
    """The join form's inputs have no keys: find them by label."""
    return next(t for t in app.text_input if t.label.startswith(label))


def _titles(app: AppTest) -> list[str]:
    return [t.value for t in app.title]


def _errors(app: AppTest) -> str:
    return " ".join(e.value for e in app.error)


def _graph_labels(app: AppTest) -> list[str]:
    for el in app.get("component_instance"):
        data = json.loads(el.proto.json_args)
        if "data" in data:
            return [n["label"] for n in json.loads(data["data"])["nodes"]]
    raise AssertionError("no graph component on the page")


def _everything_shown(app: AppTest) -> str:
    """All text the run drew (markdown, captions, titles, code, inputs' labels)."""
    parts = [str(getattr(el, "value", "")) for el in app.main] + _graph_labels(app)
    return " ".join(parts)


def _no_navigation(app: AppTest) -> None:
    """Nothing in the sidebar (no workspace switcher, no account box) and no map picker."""
    assert not list(app.sidebar.selectbox)
    assert not list(app.sidebar.button)
    assert not [s for s in app.selectbox if s.key == "journey_map_id"]


def test_participant_joins_and_sees_only_the_shared_map(app, factory, maps):
    made = _link(factory, maps)
    _open(app, made.token)
    assert _titles(app) == ["Join"]
    _no_navigation(app)
    _join(app, "Ana Guest")
    assert _titles(app) == ["Journey map · workshop"]
    assert [s.value for s in app.subheader][0] == "Shared journey"
    assert app.query_params["me"]  # a reload brings back the same person
    assert any("You joined as **Ana Guest**" in c.value for c in app.caption)
    _no_navigation(app)
    assert SECRET not in _everything_shown(app)
    assert not [t for t in app.text_input if t.key == "journey_who"]  # no typed name

    app.text_area(key="note_text").input("Kickoff runs long")
    app.button(key="note_submit").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        (note,) = workshop.list_notes(s, maps.shared)
    assert (note.text, note.author) == ("Kickoff runs long", "Ana Guest")


def test_another_map_or_page_in_the_address_shows_nothing_else(app, factory, maps):
    made = _link(factory, maps)
    _join(_open(app, made.token), "Ben")
    me = app.query_params["me"]
    _open(app, made.token, me=me, map=str(maps.other), view="x")
    assert _titles(app) == ["Journey map · workshop"]
    assert [s.value for s in app.subheader][0] == "Shared journey"
    assert SECRET not in _everything_shown(app)
    _no_navigation(app)
    # Another page asked for: the guest's navigation holds the journey page only.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/data.py")


def test_a_guests_dot_survives_a_reload_and_counts_once(app, factory, maps):
    with unit_of_work(factory) as s:
        note = workshop.add_note(s, maps.shared, None, "idea", "Templates", HOST)
    made = _link(factory, maps)
    _join(_open(app, made.token), "Cleo")
    me = app.query_params["me"]
    app.button(key=f"vote_{note}").click().run()
    assert not app.exception
    assert app.button(key=f"vote_{note}").label == "● 1"
    _open(app, made.token, me=me)  # a reload: same link, same personal key
    assert _titles(app) == ["Journey map · workshop"]
    assert app.button(key=f"vote_{note}").label == "● 1"
    app.button(key=f"vote_{note}").click().run()  # takes it back, never adds a second
    assert app.button(key=f"vote_{note}").label == "○ 0"


def test_read_only_link_shows_the_map_without_notes_or_editing(app, factory, maps):
    made = _link(factory, maps, "viewer")
    _open(app, made.token)
    assert _titles(app) == ["Journey map (read only)"]
    _no_navigation(app)
    assert not [b for b in app.button if b.key in ("add_submit", "note_submit")]
    assert SECRET not in _everything_shown(app)


def test_revoked_link_is_refused_also_for_who_joined(app, factory, maps):
    made = _link(factory, maps)
    _join(_open(app, made.token), "Dana")
    me = app.query_params["me"]
    with unit_of_work(factory) as s:
        links.revoke_link(s, maps.workspace_id, made.info.id)
    for params in ({"me": me}, {}):
        _open(app, made.token, **params)
        assert _titles(app) == ["This link does not open"]
        assert "revoked" in _errors(app)
        _no_navigation(app)
        assert not app.get("component_instance")


def test_expired_link_is_refused(app, factory, maps):
    made = _link(factory, maps, days=1)
    with unit_of_work(factory) as s:
        s.execute(
            update(GuestLink)
            .where(GuestLink.id == made.info.id)
            .values(expires_at=links.now() - timedelta(minutes=1))
        )
    _open(app, made.token)
    assert _titles(app) == ["This link does not open"]
    assert "expired" in _errors(app)


def test_unknown_and_old_style_links_are_refused(app, factory, maps):
    _open(app, "not-a-real-token")
    assert _titles(app) == ["This link does not open"]
    assert "does not open anything" in _errors(app)
    _open(app, "x" * 500)
    assert _titles(app) == ["This link does not open"]
    assert "not valid" in _errors(app)


def test_wrong_passcode_counts_down_and_locks_after_five(app, factory, maps):
    made = _link(factory, maps, passcode="river-42")
    _open(app, made.token)
    assert _titles(app) == ["This link needs its passcode"]
    for left in (4, 3, 2, 1):
        _join(app, "Eve", "wrong")
        assert f"Wrong passcode: {left} {'try' if left == 1 else 'tries'} left." in _errors(app)
        assert _titles(app) == ["This link needs its passcode"]
    _join(app, "Eve", "wrong")
    assert _titles(app) == ["This link does not open"]
    assert "locked" in _errors(app)
    _open(app, made.token)  # the right passcode no longer helps
    assert _titles(app) == ["This link does not open"]
    assert "locked" in _errors(app)
    with unit_of_work(factory) as s:
        assert links.live_links(s, maps.workspace_id, map_id=maps.shared) == []


def test_right_passcode_joins(app, factory, maps):
    made = _link(factory, maps, passcode="river-42")
    _join(_open(app, made.token), "Finn", "river-42")
    assert _titles(app) == ["Journey map · workshop"]
    assert app.query_params["me"]


# ------------------------------------------------------------------ the facilitator's panel


def _facilitator(app: AppTest, maps: Maps) -> AppTest:
    app.session_state["workspace_id"] = maps.workspace_id
    app.switch_page(PAGE).run()
    assert not app.exception
    app.selectbox(key="journey_map_id").set_value(maps.shared).run()
    assert not app.exception
    return app


def test_facilitator_makes_a_link_sees_it_once_and_revokes_it(app, factory, maps):
    _facilitator(app, maps)
    assert any("No live links" in c.value for c in app.caption)
    app.selectbox(key="workshop_link_kind").set_value("participant")
    app.number_input(key="workshop_link_days").set_value(3)
    app.text_input(key="workshop_link_passcode").input("owl")
    app.text_input(key="workshop_link_label").input("Board room")
    app.button(key="workshop_link_create").click().run()
    assert not app.exception
    assert not app.error
    (shown,) = [c.value for c in app.code if "/journey?link=" in c.value]
    token = shown.split("link=")[1]
    assert len(token) == 32  # 192 random bits
    with unit_of_work(factory) as s:
        (listed,) = links.live_links(s, maps.workspace_id, map_id=maps.shared)
        link, _ = links.open_link(s, token, passcode="owl")
        stored = s.get(GuestLink, listed.id)
        assert stored is not None
        assert token not in (stored.token_hash, stored.passcode_hash)  # only its hash is kept
    assert link.id == listed.id
    assert (listed.kind, listed.label, listed.has_passcode) == ("participant", "Board room", True)
    assert abs(listed.expires_at - listed.created_at - timedelta(days=3)) < timedelta(minutes=1)
    assert app.text_input(key="workshop_link_passcode").value == ""  # cleared once stored
    caption = " ".join(c.value for c in app.caption)
    assert "passcode: yes" in caption
    assert "wrong tries: 0 of 5" in caption

    app.button(key="workshop_new_link_hide").click().run()
    assert not [c for c in app.code if "/journey?link=" in c.value]  # never shown again

    app.button(key=f"workshop_revoke_{listed.id}").click().run()
    assert not app.exception
    app.button(key="workshop_revoke_confirm").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        assert links.live_links(s, maps.workspace_id, map_id=maps.shared) == []
        with pytest.raises(links.LinkRefused, match="revoked"):
            links.open_link(s, token, passcode="owl")
    assert any("No live links" in c.value for c in app.caption)


def test_facilitator_read_only_link_is_valid_14_days_by_default(app, factory, maps):
    _facilitator(app, maps)
    app.selectbox(key="workshop_link_kind").set_value("viewer")
    app.button(key="workshop_link_create").click().run()
    assert not app.exception
    (shown,) = [c.value for c in app.code if "/journey?link=" in c.value]
    with unit_of_work(factory) as s:
        (listed,) = links.live_links(s, maps.workspace_id, map_id=maps.shared)
        link, _ = links.open_link(s, shown.split("link=")[1])
    assert link.kind == "viewer"
    assert not listed.has_passcode
    valid = listed.expires_at - listed.created_at
    assert abs(valid - timedelta(days=links.DEFAULT_DAYS)) < timedelta(minutes=1)
    assert "passcode: no" in " ".join(c.value for c in app.caption)
