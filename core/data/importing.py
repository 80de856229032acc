"""The import use case: check uploaded files against the contract, then store them.

Tables the user did not upload keep their current contents, and are checked together with
the new files, so replacing only the events still verifies every event's account exists. A
problem in such a table names it in words and its stored row (core/data/validate.py,
display_name), never the internal file it is checked under.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence

from sqlalchemy.orm import Session

from core.common.progress import ProgressFn
from core.data.readers import SourceFile
from core.data.store import DatasetInfo, save_dataset
from core.data.validate import load_sources, stored_file
from core.model.dataset import Dataset


def _current_table(table: str, dataset: Dataset) -> SourceFile:
    buffer = io.BytesIO()
    getattr(dataset, table).write_parquet(buffer)
    return SourceFile(stored_file(table), table, buffer.getvalue())


def with_current_tables(sources: Sequence[SourceFile], current: Dataset | None) -> list[SourceFile]:
    """Add the loaded version of every table the upload leaves out."""
    uploaded = {s.table for s in sources}
    kept = (
        []
        if current is None or current.is_empty
        else [_current_table(t, current) for t in current.frames() if t not in uploaded]
    )
    return [*sources, *kept]


def describe(sources: Sequence[SourceFile]) -> str:
    """What a data version came from, as its history shows it: the files chosen, then the
    tables kept from before by name (never their internal file names)."""
    chosen = [s.name for s in sources if s.name != stored_file(s.table)]
    kept = [s.table for s in sources if s.name == stored_file(s.table)]
    return ", ".join(chosen) + (f"; kept from before: {', '.join(kept)}" if kept else "")


def import_files(
    session: Session,
    workspace_id: int,
    sources: Sequence[SourceFile],
    segments: Collection[str],
    on_progress: ProgressFn | None = None,
) -> DatasetInfo:
    """Validate and store; raises ValidationFailed (nothing stored) when any problem exists."""
    report = on_progress or (lambda _f, _m: None)
    dataset = load_sources(sources, segments, lambda f, m: report(0.6 * f, m))
    return save_dataset(
        session,
        workspace_id,
        dataset,
        source=describe(sources),
        on_progress=lambda f, m: report(0.6 + 0.4 * f, m),
    )
