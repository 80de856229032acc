"""The import use case: check uploaded files against the contract, then store them.

Tables the user did not upload keep their current contents, and are checked together with
the new files, so replacing only the events still verifies every event's account exists. A
problem in such a table names it in words and its stored row (core/data/validate.py,
display_name), never the internal file it is checked under.

The check runs with no database transaction open (`import_apart`): validating a large upload
takes seconds to minutes, and a transaction held that long keeps a pooled connection, meets
PostgreSQL's idle-in-transaction limit and, on SQLite, a read snapshot that another session's
write can move past, so the store then fails as "busy". Only storing opens a unit of work.

Importing needs IMPORT_DATA (owners): the `_apart` paths ask in a short transaction of their
own before the files are checked, so nobody else waits minutes for a refusal, and storing asks
again (core.data.store) in the transaction that writes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.common.progress import ProgressFn
from core.data.fast_check import RowsToCheck, checked_tables, row_level_check
from core.data.presets.base import Preset
from core.data.presets.merge import combine
from core.data.presets.result import PresetResult
from core.data.presets.service import Outcome, source_label
from core.data.readers import SourceFile
from core.data.store import DatasetInfo, save_dataset
from core.data.validate import stored_file
from core.model.dataset import CountedTables, Dataset

OpenTransaction = Callable[[], AbstractContextManager[Session]]
"""Opens one unit of work (ui.state.transaction, or unit_of_work over a session factory)."""


def may_import(open_transaction: OpenTransaction, workspace_id: int) -> None:
    """Refuse (PermissionDenied) before any checking starts unless the acting person may
    import into this workspace."""
    with open_transaction() as session:
        require(session, Action.IMPORT_DATA, workspace_id)


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


def check_files(
    sources: Sequence[SourceFile],
    segments: Collection[str],
    on_progress: ProgressFn | None = None,
) -> CountedTables:
    """The validation half of an import; needs no database. Raises ValidationFailed.

    Clean files pass the fast check's aggregate pass (core.data.fast_check) and come back
    as scans of the files, normalised, which the store reads in slices; only when the pass
    cannot vouch for them does the row-level check run (in memory), and its report lists
    every problem with file, row, column and value."""
    report = on_progress or (lambda _f, _m: None)
    checked = checked_tables(sources, segments, lambda f, m: report(0.3 * f, m))
    if isinstance(checked, RowsToCheck):
        # raises ValidationFailed, reading of large bad files only their bad rows
        return row_level_check(sources, segments, checked, lambda f, m: report(0.3 + 0.3 * f, m))
    if any(isinstance(s.data, Path) for s in sources):
        # A file on disk could change between its check and the store's read of it: what
        # is stored must be what was checked, so it is read now. Uploads are bytes.
        return checked.in_memory()
    return checked


def store_files(
    session: Session,
    workspace_id: int,
    sources: Sequence[SourceFile],
    dataset: CountedTables,
    on_progress: ProgressFn | None = None,
) -> DatasetInfo:
    """The storing half: the checked tables become the workspace's active version."""
    report = on_progress or (lambda _f, _m: None)
    return save_dataset(
        session,
        workspace_id,
        dataset,
        source=describe(sources),
        on_progress=lambda f, m: report(0.6 + 0.4 * f, m),
    )


def import_files(
    session: Session,
    workspace_id: int,
    sources: Sequence[SourceFile],
    segments: Collection[str],
    on_progress: ProgressFn | None = None,
) -> DatasetInfo:
    """Validate and store in the caller's transaction; raises ValidationFailed (nothing
    stored) when any problem exists. Pages use `import_apart`, which holds no transaction
    while it validates."""
    require(session, Action.IMPORT_DATA, workspace_id)
    dataset = check_files(sources, segments, on_progress)
    return store_files(session, workspace_id, sources, dataset, on_progress)


def import_apart(
    open_transaction: OpenTransaction,
    workspace_id: int,
    sources: Sequence[SourceFile],
    segments: Collection[str],
    on_progress: ProgressFn | None = None,
) -> DatasetInfo:
    """Validate with no transaction open, then open one only to store (the caller reads the
    plan's `segments` in a short transaction of its own).

    Switching the active version still happens under the workspace's lock inside the
    storing transaction (core.data.store), so two imports at once still end as one active
    version. Raises ValidationFailed (nothing stored) when any problem exists.
    """
    may_import(open_transaction, workspace_id)
    dataset = check_files(sources, segments, on_progress)
    with open_transaction() as session:
        return store_files(session, workspace_id, sources, dataset, on_progress)


def import_preset_apart(
    open_transaction: OpenTransaction,
    workspace_id: int,
    preset: Preset,
    result: PresetResult,
    current: Dataset | None,
    segments: Collection[str],
    on_progress: ProgressFn | None = None,
) -> Outcome:
    """A converted vendor export, merged into the current data and checked with no
    transaction open, then stored as the new active version in a transaction of its own."""
    may_import(open_transaction, workspace_id)
    report = on_progress or (lambda _f, _m: None)
    dataset, summary = combine(current, result, segments, lambda f, m: report(0.5 * f, m))
    with open_transaction() as session:
        info = save_dataset(
            session,
            workspace_id,
            dataset,
            source=source_label(preset, result),
            on_progress=lambda f, m: report(0.5 + 0.5 * f, m),
        )
    return Outcome(info, summary, result.notes)
