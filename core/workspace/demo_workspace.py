"""First start: a fresh database gets a demo workspace so nothing the user sees is empty."""

from __future__ import annotations

import io
import os

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.data.readers import SourceFile
from core.data.store import save_dataset
from core.data.validate import load_sources
from core.db.engine import unit_of_work
from core.db.models import Workspace
from core.model.dataset import Dataset
from core.model.plan import default_segments
from core.workspace.workspaces import create_workspace

DEMO_NAME = "Demo workspace"
DEMO_DESCRIPTION = (
    "A made-up software company's customers: {accounts:,} accounts across Enterprise, "
    "Mid-Market and SMB, with their onboarding events, users and touches. Explore freely; "
    "Data → Import reloads it."
)


def demo_accounts() -> int:
    """Size of the demo; tests shrink it through WAYPOINT_DEMO_ACCOUNTS to stay quick."""
    return int(os.environ.get("WAYPOINT_DEMO_ACCOUNTS", "2000"))


def demo_dataset(accounts: int | None = None, seed: int = 7) -> Dataset:
    """The generated tables, passed through the same validation as any upload.

    The generator leaves some segments empty on purpose; validation derives them from the
    contract value exactly as it would for a customer's file.
    """
    from core.data import demo  # numpy only loads when a demo is actually made

    frames = demo.generate(accounts=accounts or demo_accounts(), seed=seed)
    sources = [SourceFile(f"demo {t}.parquet", t, _parquet(f)) for t, f in frames.items()]
    return load_sources(sources, list(default_segments()))


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def ensure_demo_workspace(factory: sessionmaker[Session]) -> None:
    """Create the demo workspace with data when the database holds no workspace at all."""
    with unit_of_work(factory) as session:
        if session.scalars(select(Workspace.id)).first() is not None:
            return
        description = DEMO_DESCRIPTION.format(accounts=demo_accounts())
        ws = create_workspace(session, DEMO_NAME, description, is_demo=True)
        save_dataset(session, ws.id, demo_dataset(), source="Demo data (generated)")
