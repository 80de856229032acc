"""The Maturity assessment page through AppTest, on SQLite and PostgreSQL: the facilitator
opens a round and shares it through respondent links (shown once, revocable), a respondent
joins through a link and reaches that round only, a viewer reads results with no controls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core import assessment as A
from core.access import links
from core.access.links import hash_token
from core.db.engine import unit_of_work
from core.db.models import GuestLink, Respondent
from tests.support.apptest import act_as, add_member, open_in_empty_workspace, workspace_id_named

PAGE = "pages/assessment.py"


WORKSPACE = "Assessment tests"


@pytest.fixture
def app(app: AppTest, factory: sessionmaker[Session]) -> AppTest:
    """conftest's whole-app AppTest looking at an empty workspace (the demo workspace comes
    with two revealed rounds); each test opens the page itself."""
    open_in_empty_workspace(app, factory, WORKSPACE)
    return app


def _ws_id(factory: sessionmaker[Session]) -> int:
    return workspace_id_named(factory, WORKSPACE)


def _open_round(app: AppTest, name: str = "2026 Q3") -> None:
    app.text_input(key="assess_round_name").input(name)
    app.button(key="assess_open").click().run()
    assert not app.exception


def _round(factory: sessionmaker[Session]) -> A.RoundInfo:
    with unit_of_work(factory) as s:
        return A.list_rounds(s, _ws_id(factory))[-1]


def _answer(factory, round_id: int, name: str, levels: dict[str, tuple[int, int]]) -> None:
    with unit_of_work(factory) as s:
        me = A.join_round(s, round_id, name)
        answers = {k: A.AnswerInput(c, t, "seen") for k, (c, t) in levels.items()}
        A.save_answers(s, me.token, answers, base_version=1)  # a respondent who just joined


def _link(factory: sessionmaker[Session], round_id: int, **kwargs: int) -> str:
    """A respondent link's token, as the facilitator would send it."""
    with unit_of_work(factory) as s:
        return links.create_link(
            s, _ws_id(factory), "respondent", round_id=round_id, **kwargs
        ).token


def _visit(app: AppTest, token: str, **params: str) -> AppTest:
    """A fresh visit through a link: only what the address carries."""
    for key in list(app.query_params):
        del app.query_params[key]
    app.query_params["round"] = token
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    return app


def _shown_links(app: AppTest) -> list[str]:
    return [c.value for c in app.code if "?round=" in c.value]


def _frame(app: AppTest, column: str):  # noqa: ANN202
    """The first table on the page that has this column (dataframes carry no key here)."""
    return next(d.value for d in app.dataframe if column in d.value.columns)


def test_empty_state_says_what_to_do(app: AppTest):
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.title[0].value == "Maturity assessment"
    assert any("No assessment round yet" in i.value for i in app.info)


def test_a_refused_round_name_stays_typed_and_a_stored_one_is_cleared(app, factory):
    app.switch_page(PAGE).run()
    _open_round(app, "Spring review")
    assert app.text_input(key="assess_round_name").value == ""
    _open_round(app, "Spring review")
    assert "already exists" in app.error[0].value
    assert app.text_input(key="assess_round_name").value == "Spring review"


def test_facilitator_opens_a_round_and_sees_progress_without_levels(app, factory):
    app.switch_page(PAGE).run()
    _open_round(app)
    info = _round(factory)
    assert info.name == "2026 Q3"
    assert not _shown_links(app)  # a round has no link of its own: links are made
    assert any("Nobody has joined yet" in i.value for i in app.info)
    _answer(factory, info.id, "Ana", {"milestones": (2, 4), "signals": (3, 3)})
    app.button(key="assess_refresh").click().run()
    progress = _frame(app, "Answered")
    assert progress["Respondent"].to_list() == ["Ana"]
    assert progress["Answered"].to_list() == ["2 of 6"]
    assert any("hidden until the facilitator reveals" in i.value for i in app.info)
    _open_round(app, " 2026 q3 ")
    assert "already exists" in app.error[0].value


def test_reveal_shows_results_flags_and_downloads(app, factory):
    app.switch_page(PAGE).run()
    _open_round(app)
    info = _round(factory)
    app.button(key="assess_reveal").click().run()
    assert "Nobody has answered yet" in app.error[0].value
    _answer(factory, info.id, "Ana", {"milestones": (1, 3), "signals": (3, 4)})
    _answer(factory, info.id, "Ben", {"milestones": (4, 5), "signals": (3, 3)})
    app.button(key="assess_reveal").click().run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Disagreements"] == "1"
    assert metrics["Respondents"] == "2"
    assert metrics["Maturity index"] == "44 / 100"  # medians 2.5 and 3 -> 2.75 -> 43.75
    table = _frame(app, "Agreement")
    row = table[table["Capability"] == "Milestones & exit criteria"].iloc[0]
    assert row["Agreement"] == "⚠ disagree"
    assert row["Spread"] == "1–4"
    assert any("⚠ Disagreement on Milestones & exit criteria" in w.value for w in app.warning)
    evidence = _frame(app, "Verdict")
    assert "Verdict" in evidence.columns
    assert any("No journey map" in i.value for i in app.info)
    labels = {b.label for b in app.get("download_button")}
    assert {"Answers (CSV)", "Report (Markdown)", "Heatmap (PNG)", "Trend (PNG)"} <= labels
    app.button(key="assess_close").click().run()
    assert _round(factory).state == "closed, revealed"
    app.button(key="assess_reopen").click().run()
    assert _round(factory).state == "open, revealed"


def test_respondent_joins_through_the_link_and_changes_answers(app, factory):
    with unit_of_work(factory) as s:
        info = A.open_round(s, _ws_id(factory), "2026 Q4")
    _visit(app, _link(factory, info.id))
    assert any("Join with your name" in m.value for m in app.markdown)
    app.text_input(key="assess_join_name").input("Ana <img src=x>")
    app.button(key="assess_join").click().run()
    assert not app.exception
    me = app.query_params["me"]
    with unit_of_work(factory) as s:
        (stored,) = s.scalars(select(Respondent.token).where(Respondent.round_id == info.id))
    assert stored == hash_token(me)  # only the hash of the key in the address is kept
    assert any("Ana &lt;img src=x&gt;" in m.value for m in app.markdown)
    assert any("1 · Ad hoc" in m.value for m in app.markdown)
    app.radio(key="assess_cur_milestones").set_value(2)
    app.button(key="assess_save").click().run()
    assert "pick a target level too" in app.error[0].value
    app.radio(key="assess_tgt_milestones").set_value(4)
    app.text_area(key="assess_ev_milestones").input("stages close when the CSM says so")
    app.button(key="assess_save").click().run()
    assert not app.exception
    assert any("Saved 1 answers" in s.value for s in app.success)
    with unit_of_work(factory) as s:
        (person,) = [p for p in A.progress(s, info.id)]
    assert (person.name, person.answered) == ("Ana <img src=x>", 1)
    app.radio(key="assess_cur_milestones").set_value(3)
    app.button(key="assess_save").click().run()
    with unit_of_work(factory) as s:
        A.reveal_round(s, info.id)
        (row,) = A.revealed_answers(s, info.id)
    assert (row.current, row.target, row.evidence) == (3, 4, "stages close when the CSM says so")


def test_closed_round_refuses_changes_and_bad_links_say_so(app, factory):
    with unit_of_work(factory) as s:
        info = A.open_round(s, _ws_id(factory), "Closed one")
        A.close_round(s, info.id)
    _visit(app, _link(factory, info.id))
    assert any("This round is closed" in w.value for w in app.warning)
    _visit(app, "not-a-token")
    assert "does not open anything" in app.error[0].value
    assert not app.text_input  # no join form, no round


def test_a_round_name_with_directives_shows_as_text(app, factory):
    with unit_of_work(factory) as s:
        info = A.open_round(s, _ws_id(factory), ":red[Q3] :material/home:")
    _visit(app, _link(factory, info.id))
    assert app.subheader[0].value == r"Round: \:red\[Q3\] \:material/home:"


# ------------------------------------------------------------------ respondent links


def test_facilitator_creates_a_link_sees_it_once_and_revokes_it(app, factory):
    app.switch_page(PAGE).run()
    _open_round(app)
    info = _round(factory)
    assert any("No live link" in c.value for c in app.caption)
    assert app.number_input(key="assess_link_days").value == 14
    app.number_input(key="assess_link_days").set_value(3)
    app.text_input(key="assess_link_label").input("CS leads")
    app.button(key="assess_link_create").click().run()
    assert not app.exception
    assert not app.error
    (shown,) = _shown_links(app)
    assert "/assessment?round=" in shown
    token = shown.split("round=")[1]
    assert len(token) == 32  # 192 random bits
    with unit_of_work(factory) as s:
        (listed,) = links.live_links(s, info.workspace_id, round_id=info.id)
        opened, _ = links.open_link(s, token)
        stored = s.get(GuestLink, listed.id)
        assert stored is not None
        assert stored.token_hash == hash_token(token)  # only its hash is kept
    assert (opened.id, opened.kind, opened.round_id) == (listed.id, "respondent", info.id)
    assert listed.label == "CS leads"
    assert abs(listed.expires_at - listed.created_at - timedelta(days=3)) < timedelta(minutes=1)
    assert app.text_input(key="assess_link_label").value == ""  # cleared once stored

    app.button(key="assess_refresh").click().run()
    assert _shown_links(app) == [shown]  # kept until hidden
    app.button(key="assess_new_link_hide").click().run()
    assert not _shown_links(app)  # never shown again

    app.button(key=f"assess_revoke_{listed.id}").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        assert len(links.live_links(s, info.workspace_id, round_id=info.id)) == 1  # asked first
    app.button(key="assess_revoke_confirm").click().run()
    assert not app.exception
    with unit_of_work(factory) as s:
        assert links.live_links(s, info.workspace_id, round_id=info.id) == []
    assert any("No live link" in c.value for c in app.caption)
    _visit(app, token)
    assert "revoked" in app.error[0].value
    assert not app.text_input


def test_a_respondent_reaches_only_the_round_of_their_link(app, factory):
    ws = _ws_id(factory)
    with unit_of_work(factory) as s:
        mine = A.open_round(s, ws, "Spring round")
        other = A.open_round(s, ws, "Secret autumn round")
    _answer(factory, mine.id, "Ana", {"milestones": (1, 3), "signals": (3, 4)})
    _answer(factory, other.id, "Bea", {"milestones": (5, 5)})
    with unit_of_work(factory) as s:
        bea = A.join_round(s, other.id, "Bea two").token
        A.reveal_round(s, mine.id)
        A.reveal_round(s, other.id)
    token = _link(factory, mine.id)

    _visit(app, token)
    assert app.subheader[0].value == "Round: Spring round"
    for key in ("assess_round_pick", "assess_round_name", "assess_reveal", "assess_link_create"):
        assert key not in [w.key for w in [*app.selectbox, *app.text_input, *app.button]]
    assert not [b for b in app.button if b.key and b.key.startswith("assess_revoke_")]
    assert not app.sidebar.selectbox  # no workspace switcher, no menu
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Respondents"] == "1"
    headers = [h.value for h in app.subheader]
    assert "Evidence cross-check" not in headers  # the workspace's maps and data: not theirs
    assert "Trend across rounds" not in headers  # nor the other rounds
    assert "Evidence" not in _frame(app, "Agreement").columns
    page = " ".join(str(e.value) for e in [*app.markdown, *app.subheader, *app.caption])
    assert "Secret autumn round" not in page
    assert "Bea" not in page

    _visit(app, token, me=bea)  # a personal key of the other round is refused
    assert "opens one thing only" in app.error[0].value
    assert any("Join with your name" in m.value for m in app.markdown)
    with unit_of_work(factory) as s:
        assert A.my_answers(s, bea) == {}


def test_a_viewer_sees_rounds_and_results_but_no_controls(app, factory, monkeypatch):
    ws = _ws_id(factory)
    with unit_of_work(factory) as s:
        info = A.open_round(s, ws, "2026 Q3")
    _answer(factory, info.id, "Ana", {"milestones": (1, 3), "signals": (3, 4)})
    with unit_of_work(factory) as s:
        A.reveal_round(s, info.id)
        links.create_link(s, ws, "respondent", round_id=info.id)
    add_member(factory, ws, "vera@example.com", "viewer")
    act_as(monkeypatch, "vera@example.com", "Vera")
    app.switch_page(PAGE).run()
    assert not app.exception
    assert not app.error
    assert app.selectbox(key="assess_round_pick").value == info.id
    assert _frame(app, "Answered")["Respondent"].to_list() == ["Ana"]
    assert {m.label: m.value for m in app.metric}["Respondents"] == "1"
    assert "Evidence cross-check" in [h.value for h in app.subheader]
    keys = {w.key for w in [*app.button, *app.text_input, *app.number_input]}
    for key in (
        "assess_round_name",
        "assess_open",
        "assess_reveal",
        "assess_close",
        "assess_delete",
        "assess_link_create",
        "assess_link_days",
    ):
        assert key not in keys
    assert not [k for k in keys if k and k.startswith("assess_revoke_")]
    assert not _shown_links(app)


def test_a_member_who_opens_a_round_link_answers_as_themselves(app, factory, monkeypatch):
    """With sign-in configured, an editor of the workspace opening a respondent link is not
    made a guest: they keep their menu and answer the round under their own access."""
    ws = _ws_id(factory)
    with unit_of_work(factory) as s:
        info = A.open_round(s, ws, "Team round")
    token = _link(factory, info.id)
    add_member(factory, ws, "eddie@example.com", "editor")
    act_as(monkeypatch, "eddie@example.com", "Eddie")
    monkeypatch.setattr("ui.identity.auth_configured", lambda: True)
    _visit(app, token)
    app.switch_page(PAGE).run()  # a member's menu: the address names the assessment page
    assert not app.exception
    assert not app.error
    assert app.subheader[0].value == "Round: Team round"
    assert app.sidebar.selectbox  # a member's workspace switcher: not a guest's bare page
    app.text_input(key="assess_join_name").input("Eddie")
    app.button(key="assess_join").click().run()
    assert not app.exception
    assert any("Answering as **Eddie**" in m.value for m in app.markdown)
    with unit_of_work(factory) as s:
        assert [p.name for p in A.progress(s, info.id)] == ["Eddie"]
