"""Cached results follow the stored data version, never the process's memory of an id
(AppTest, SQLite and PostgreSQL).

SQLite gives a new import the id of a deleted one when that was the newest: a workspace's
last import, deleted with its workspace, hands its id to the next import anywhere. Pages cache
the data and what is computed from it (ui.state.DataKey), so a key of the id alone showed the
deleted workspace's data in the other one. On PostgreSQL ids are never reused; the test runs
there too and must pass the same way.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core.data import demo
from core.data.store import save_dataset
from core.db.engine import unit_of_work
from core.model.dataset import Dataset
from core.workspace.workspaces import create_workspace, delete_workspace


def _demo(accounts: int) -> Dataset:
    return Dataset(**demo.generate(accounts=accounts, seed=3))


def _accounts_shown(app: AppTest, page: str) -> str:
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return {m.label: m.value for m in app.metric}["Accounts"]


def test_an_import_that_takes_a_deleted_import_id_shows_its_own_data(
    app: AppTest, factory: sessionmaker[Session], backend: str
):
    with unit_of_work(factory) as s:
        gone = create_workspace(s, "Deleted later").id
        first = save_dataset(s, gone, _demo(40), source="demo").id
    app.session_state["workspace_id"] = gone
    assert _accounts_shown(app, "pages/data.py") == "40"
    assert _accounts_shown(app, "pages/home.py") == "40"
    app.switch_page("pages/at_risk.py").run()  # caches the scores of the 40 too
    assert not app.exception, app.exception

    with unit_of_work(factory) as s:
        delete_workspace(s, gone)
        kept = create_workspace(s, "Kept").id
        second = save_dataset(s, kept, _demo(60), source="demo").id
    if backend == "sqlite":
        assert second == first  # the case this test is about
    app.session_state["workspace_id"] = kept
    assert _accounts_shown(app, "pages/data.py") == "60"
    assert _accounts_shown(app, "pages/home.py") == "60"
    app.switch_page("pages/at_risk.py").run()
    assert not app.exception, app.exception
    box = app.selectbox(key="ar_account")
    shown = {o.split(" · ")[0] for o in box.options}
    assert shown <= set(_demo(60).accounts.get_column("account_id").to_list())
