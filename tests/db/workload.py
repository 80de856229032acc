"""Concurrent editors on one journey map, and CSMs on one account: the workload of issue 11,
shared by tests/db/test_concurrency_stress.py (a few seconds) and benchmarks/concurrency.py
(a minute), with the checker that counts lost edits.

Each editor is a thread with sessions of its own (one unit of work per action, as the page
makes). It keeps a view of the map loaded some actions ago, as an open screen does, and acts
from it: form edits with the version the form was opened at, bulk saves as differences from
the table it loaded, adds, deletes, undo (naming the change its button showed), restore (with
the revision it looked at), sticky notes and dots.

An action refused with DatabaseUnavailable ("the database is busy", after waiting for a
connection or a lock longer than core/db/engine.py allows) stored nothing and told the person
so: it is counted apart, as busy. Any other exception is an error, and the tests fail on it.

An edit is LOST when any of these holds after the run (checked from the threads' logs and the
map's history):

A. two stored writes of one element (form edits, bulk rows, deletes) started from the same
   version: the second overwrote or deleted the first without its author seeing it;
B. an element was removed by a bulk save or a restore whose author's view did not hold it, or
   a restore changed an element's values its author saw differently: an addition or edit by
   someone else was discarded unseen;
C. an undo took back a change other than the one its author's Undo button showed;
D. a stored change is not in the history, or the map's revision did not move exactly once per
   stored change (history lines plus note and dot changes);
E. an element's stored version is that of the last logged write to it, yet a field that write
   stored holds another value: a write that did not move the version overwrote it.

With `legacy=True` the editors use only the calls the journey page made before issue 11
(whole tables saved against what is stored at save time, toggle_vote, undo and restore_snapshot without what the
person saw): the same checks then count what that path loses.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core import journey as j
from core.access.guard import bind
from core.access.identity import SYSTEM
from core.at_risk import risk_states
from core.common.errors import UserError
from core.db.engine import DatabaseUnavailable, unit_of_work
from core.db.models import JourneyMap, MapChange
from core.journey import workshop

EDIT_FIELDS = {
    "stage": "goal",
    "milestone": "event",
    "touchpoint": "owner_team",
    "signal": "play",
    "risk": "owner",
    "opportunity": "owner",
}
TABLE_KINDS = ("milestone", "touchpoint", "risk", "opportunity")
REMOVABLE = ("touchpoint", "risk", "opportunity")
ACTIONS = {  # action -> weight
    "edit": 33,
    "bulk": 15,
    "add": 14,
    "delete": 8,
    "undo": 7,
    "restore": 2,
    "note": 11,
    "vote": 10,
}
HISTORY_ACTIONS = ("edit", "bulk", "add", "delete", "undo", "restore")


@dataclass(frozen=True)
class Write:
    """One stored write of an element by an editor, logged by that editor."""

    kind: str
    id: int
    base: int
    version: int | None  # the version it produced; None for a delete (or unknown)
    field: str = ""
    value: object = None


@dataclass
class EditorLog:
    """What one editor did and saw; merged into Figures at the end."""

    who: str
    done: Counter[str] = field(default_factory=Counter)  # stored actions by kind
    refused: Counter[str] = field(default_factory=Counter)  # conflict notices by exception
    errors: list[str] = field(default_factory=list)  # anything but a UserError: a bug
    writes: list[Write] = field(default_factory=list)
    bulk_views: list[frozenset[int]] = field(default_factory=list)  # per stored bulk, in order
    restore_views: list[j.MapContent] = field(default_factory=list)  # per stored restore
    undo_mismatch: int = 0  # undos that took back another change than the one shown
    workshop_writes: int = 0
    busy: int = 0  # "the database is busy": nothing saved, and the person is told so


@dataclass
class Figures:
    backend: str
    seconds: float
    editors: int
    writes: int = 0
    conflicts: int = 0
    lost: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    done: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    busy: int = 0

    @property
    def edits_lost(self) -> int:
        return sum(self.lost.values())

    def line(self) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.done.items()))
        refused = ", ".join(f"{k} {v}" for k, v in sorted(self.refused.items()))
        lost = ", ".join(f"{k} {v}" for k, v in sorted(self.lost.items()) if v) or "none"
        return (
            f"{self.backend}: {self.editors} editors, {self.seconds:.0f} s: writes {self.writes:,} "
            f"({kinds}), conflicts reported {self.conflicts:,} ({refused}), edits lost "
            f"{self.edits_lost} ({lost}), refused as busy {self.busy}, errors {len(self.errors)}"
        )


# ------------------------------------------------------------------ one editor


class Editor:
    def __init__(
        self,
        factory: sessionmaker[Session],
        map_id: int,
        snapshot_id: int,
        number: int,
        *,
        legacy: bool,
        seed: int,
    ) -> None:
        self.factory = factory
        self.map_id = map_id
        self.snapshot_id = snapshot_id
        self.actor = j.Actor(f"Editor {number:02d}")
        self.token = f"voter-{number}"
        self.log = EditorLog(self.actor.label)
        self.legacy = legacy
        self.rng = random.Random(seed)
        self.view: j.MapContent | None = None
        self.counter = 0

    def unique(self) -> str:
        self.counter += 1
        return f"{self.actor.label} #{self.counter}"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work as this editor: a person of their own (dots count per person)."""
        with unit_of_work(self.factory) as s:
            bind(s, replace(SYSTEM, person=self.token))
            yield s

    def refresh(self) -> j.MapContent:
        with self.session() as s:
            self.view = j.load(s, self.map_id)
        return self.view

    def run(self, deadline: float, start: threading.Barrier) -> None:
        start.wait()
        actions, weights = list(ACTIONS), list(ACTIONS.values())
        while time.monotonic() < deadline:
            action = self.rng.choices(actions, weights)[0]
            try:
                if self.view is None or self.rng.random() < 0.3:
                    self.refresh()
                getattr(self, action)()
            except DatabaseUnavailable:  # waited too long for a connection or a lock
                self.log.busy += 1
                self.view = None
            except UserError as exc:
                self.log.refused[f"{action}: {type(exc).__name__}"] += 1
                self.view = None  # look again, as a person does after a notice
            except Exception as exc:  # noqa: BLE001 - counted: the test fails on any
                self.log.errors.append(f"{action}: {type(exc).__name__}: {exc}"[:300])
                self.view = None

    # -------------------------------------------------------------- actions

    def _pick(self, kinds: tuple[str, ...]) -> tuple[str, j.Element] | None:
        assert self.view is not None
        found = [(k, e) for k in kinds for e in self.view.of(k)]
        return self.rng.choice(found) if found else None

    def edit(self) -> None:
        picked = self._pick(tuple(EDIT_FIELDS))
        if picked is None:
            return
        kind, element = picked
        name, value = EDIT_FIELDS[kind], self.unique()
        with self.session() as s:
            after = j.edit_element(
                s, self.map_id, kind, element["id"], {name: value}, element["version"], self.actor
            )
        self.log.writes.append(
            Write(kind, element["id"], element["version"], after["version"], name, value)
        )
        self.log.done["edit"] += 1

    def bulk(self) -> None:
        assert self.view is not None
        kind = self.rng.choice(TABLE_KINDS)
        loaded = [dict(e) for e in self.view.of(kind)]
        edited = [dict(e) for e in loaded]
        name = EDIT_FIELDS[kind]
        changed = self.rng.sample(range(len(edited)), min(len(edited), self.rng.randint(1, 2)))
        for index in changed:
            edited[index][name] = self.unique()
        if kind in REMOVABLE and edited and self.rng.random() < 0.5:
            edited.pop(self.rng.randrange(len(edited)))
        if self.rng.random() < 0.5:
            edited.append(self._new_values(kind))
        if self.legacy:
            self._bulk_legacy(kind, edited, loaded)
            return
        edit = j.table_edit(kind, loaded, edited)
        with self.session() as s:
            saved = j.save_table(s, self.map_id, kind, edit, self.actor)
        if not saved.count:
            return
        bases = {c.id: c.version for c in edit.changed}
        for row in saved.changed:
            self.log.writes.append(
                Write(kind, row["id"], bases[row["id"]], row["version"], name, row.get(name))
            )
        for gone in edit.deleted:
            if gone.id in saved.deleted:
                self.log.writes.append(Write(kind, gone.id, gone.version, None))
        self.log.bulk_views.append(frozenset(e["id"] for e in loaded))
        self.log.done["bulk"] += 1

    def _bulk_legacy(self, kind: str, edited: list[dict[str, Any]], loaded: list[Any]) -> None:
        """The replacement the page made before issue 11: the edited table against the table
        stored at save time, so a row missing from it is deleted however it got there."""
        with self.session() as s:
            stored = j.load(s, self.map_id).of(kind)
            count = j.save_kind(s, self.map_id, kind, edited, self.actor, loaded=stored)
        if not count:
            return
        by_id = {e["id"]: e for e in loaded}
        for row in edited:
            base = by_id.get(row.get("id"))
            if base is not None and row != base:
                self.log.writes.append(Write(kind, row["id"], base["version"], None))
        self.log.bulk_views.append(frozenset(by_id))
        self.log.done["bulk"] += 1

    def _new_values(self, kind: str) -> dict[str, Any]:
        assert self.view is not None
        label = j.spec(kind).label_field
        values: dict[str, Any] = {label: self.unique()}
        if j.spec(kind).has_stage:
            stages = self.view.stages
            values["stage_id"] = self.rng.choice(stages)["id"] if stages else None
        return values

    def add(self) -> None:
        kind = self.rng.choice(REMOVABLE)
        with self.session() as s:
            j.add_element(s, self.map_id, kind, self._new_values(kind), self.actor)
        self.log.done["add"] += 1

    def delete(self) -> None:
        picked = self._pick(REMOVABLE)
        if picked is None:
            return
        kind, element = picked
        with self.session() as s:
            j.delete_element(s, self.map_id, kind, element["id"], self.actor, element["version"])
        self.log.writes.append(Write(kind, element["id"], element["version"], None))
        self.log.done["delete"] += 1

    def undo(self) -> None:
        with self.session() as s:
            shown = j.next_undo(s, self.map_id)
        if shown is None:
            return
        with self.session() as s:
            if self.legacy:
                undone = j.undo(s, self.map_id, self.actor)
            else:
                undone = j.undo(s, self.map_id, self.actor, expected_change_id=shown.id)
        if undone.id != shown.id:
            self.log.undo_mismatch += 1
        self.log.done["undo"] += 1

    def restore(self) -> None:
        view = self.refresh() if self.rng.random() < 0.5 else self.view
        assert view is not None
        with self.session() as s:
            if self.legacy:
                j.restore_snapshot(s, self.map_id, self.snapshot_id, self.actor)
            else:
                j.restore_snapshot(
                    s, self.map_id, self.snapshot_id, self.actor, base_revision=view.info.version
                )
        self.log.restore_views.append(view)
        self.log.done["restore"] += 1

    def note(self) -> None:
        assert self.view is not None
        stages = self.view.stages
        stage = self.rng.choice(stages)["id"] if stages and self.rng.random() < 0.7 else None
        with self.session() as s:
            workshop.add_note(s, self.map_id, stage, "idea", self.unique(), self.actor)
        self.log.workshop_writes += 1
        self.log.done["note"] += 1

    def vote(self) -> None:
        with self.session() as s:
            notes = workshop.list_notes(s, self.map_id)
        if not notes:
            return
        note = self.rng.choice(notes)
        with self.session() as s:
            if self.legacy:
                workshop.toggle_vote(s, self.map_id, note.id)
                changed = True
            else:
                changed = workshop.set_vote(s, self.map_id, note.id, on=not note.mine)
        if changed:
            self.log.workshop_writes += 1
            self.log.done["vote"] += 1


# ------------------------------------------------------------------ the run


def _revision(factory: sessionmaker[Session], map_id: int) -> int:
    with unit_of_work(factory) as s:
        return s.scalars(select(JourneyMap.version).where(JourneyMap.id == map_id)).one()


def _history(factory: sessionmaker[Session], map_id: int, after_id: int) -> list[MapChange]:
    with unit_of_work(factory) as s:
        query = (
            select(MapChange)
            .where(MapChange.map_id == map_id, MapChange.id > after_id)
            .order_by(MapChange.id)
        )
        return list(s.scalars(query))


def run_editors(
    factory: sessionmaker[Session],
    map_id: int,
    seconds: float,
    *,
    editors: int = 20,
    legacy: bool = False,
    backend: str = "",
    seed: int = 11,
) -> Figures:
    """Run the editors on the map for `seconds`, then count writes, conflicts and lost edits."""
    with unit_of_work(factory) as s:
        snapshot = j.take_snapshot(s, map_id, "Before the run", j.Actor("Setup"))
        last = s.scalar(select(func.max(MapChange.id)).where(MapChange.map_id == map_id)) or 0
    first_revision = _revision(factory, map_id)
    crew = [
        Editor(factory, map_id, snapshot.id, n, legacy=legacy, seed=seed * 1000 + n)
        for n in range(1, editors + 1)
    ]
    start = threading.Barrier(editors)
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=e.run, args=(deadline, start)) for e in crew]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    logs = [e.log for e in crew]
    history = _history(factory, map_id, last)
    with unit_of_work(factory) as s:
        final = j.load(s, map_id)
    figures = Figures(backend, seconds, editors)
    for log in logs:
        figures.done.update(log.done)
        figures.refused.update(log.refused)
        figures.conflicts += sum(log.refused.values())
        figures.busy += log.busy
        figures.errors += log.errors
    figures.writes = sum(figures.done.values())
    revision_moved = _revision(factory, map_id) - first_revision
    figures.lost = {
        "A same base": same_base(logs),
        "B unseen removal": unseen_removals(logs, history),
        "C undo of another change": sum(log.undo_mismatch for log in logs),
        "D history/revision": history_gaps(logs, history, revision_moved),
        "E overwritten value": overwritten_values(logs, final),
    }
    return figures


# ------------------------------------------------------------------ the checks


def same_base(logs: list[EditorLog]) -> int:
    """A: stored writes of one element that started from the same version."""
    bases = Counter((w.kind, w.id, w.base) for log in logs for w in log.writes)
    return sum(n - 1 for n in bases.values() if n > 1)


def _ids(rows: object) -> set[int]:
    return {r["id"] for r in rows} if isinstance(rows, list) else set()


def unseen_removals(logs: list[EditorLog], history: list[MapChange]) -> int:
    """B: removals (and restored values) by bulk saves and restores their authors never saw."""
    by_author: dict[tuple[str, str], list[MapChange]] = defaultdict(list)
    for change in history:
        by_author[(change.who, change.action)].append(change)
    lost = 0
    for log in logs:
        for change, seen in zip(by_author[(log.who, "bulk")], log.bulk_views, strict=False):
            removed = _ids((change.before or {}).get("rows")) - _ids(
                (change.after or {}).get("rows")
            )
            lost += len(removed - seen)
        for change, view in zip(by_author[(log.who, "restore")], log.restore_views, strict=False):
            lost += _restore_unseen(change, view)
    return lost


def _restore_unseen(change: MapChange, view: j.MapContent) -> int:
    before = (change.before or {}).get("elements", {})
    after = (change.after or {}).get("elements", {})
    lost = 0
    for kind, rows in before.items():
        kept = {e["id"]: e for e in after.get(kind, [])}
        for element in rows:
            seen = view.find(kind, element["id"])
            fields = j.spec(kind).field_names
            same = seen is not None and all(seen.get(f) == element.get(f) for f in fields)
            overwritten = element["id"] not in kept or any(
                kept[element["id"]].get(f) != element.get(f) for f in fields
            )
            lost += overwritten and not same
    return lost


def history_gaps(logs: list[EditorLog], history: list[MapChange], revision_moved: int) -> int:
    """D: stored actions missing from the history, and revision moves that do not add up."""
    recorded = Counter((c.who, c.action) for c in history)
    gaps = sum(
        abs(log.done[action] - recorded[(log.who, action)])
        for log in logs
        for action in HISTORY_ACTIONS
    )
    expected = len(history) + sum(log.workshop_writes for log in logs)
    return gaps + abs(revision_moved - expected)


def overwritten_values(logs: list[EditorLog], final: j.MapContent) -> int:
    """E: the last logged write of an element is its stored version, but not its value."""
    last: dict[tuple[str, int], Write] = {}
    for log in logs:
        for w in log.writes:
            key = (w.kind, w.id)
            if w.version is not None and (key not in last or w.version > (last[key].version or 0)):
                last[key] = w
    lost = 0
    for (kind, element_id), w in last.items():
        element = final.find(kind, element_id)
        if element is not None and element["version"] == w.version:
            lost += j.field_values(element).get(w.field) != w.value
    return lost


# ------------------------------------------------------------------ CSMs on one account


@dataclass
class RiskFigures:
    backend: str
    seconds: float
    csms: int
    saves: int = 0
    conflicts: int = 0
    lost: int = 0
    busy: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.backend}: {self.csms} CSMs on one account, {self.seconds:.0f} s: saves "
            f"{self.saves:,}, conflicts reported {self.conflicts:,}, saves that overwrote a call "
            f"their author had not seen {self.lost}, refused as busy {self.busy}, "
            f"errors {len(self.errors)}"
        )


def run_csms(
    factory: sessionmaker[Session],
    workspace_id: int,
    seconds: float,
    *,
    csms: int = 20,
    backend: str = "",
    account: str = "ACC-00001",
) -> RiskFigures:
    """Each CSM reads the account's call and saves a note of their own on top of it.

    A save is lost-making when it overwrote a call its author had not read: successful saves
    must form one chain (each one's base is the version the previous one produced), and the
    stored call must be the last save's.
    """
    saves: list[tuple[int | None, int, str]] = []  # (base, version produced, note)
    lock = threading.Lock()
    figures = RiskFigures(backend, seconds, csms)
    start = threading.Barrier(csms)
    deadline = time.monotonic() + seconds

    def csm(number: int) -> None:
        start.wait()
        count = 0
        while time.monotonic() < deadline:
            count += 1
            note = f"CSM {number} call {count}"
            try:
                with unit_of_work(factory) as s:
                    seen = risk_states.get_risk_state(s, workspace_id, account)
                base = seen.version if seen else None
                with unit_of_work(factory) as s:
                    stored = risk_states.set_risk_state(
                        s,
                        workspace_id,
                        account,
                        "plan_in_place",
                        note,
                        f"CSM {number}",
                        base_version=base,
                    )
                with lock:
                    saves.append((base, stored.version, note))
            except risk_states.RiskStateConflict:
                with lock:
                    figures.conflicts += 1
            except DatabaseUnavailable:
                with lock:
                    figures.busy += 1
            except Exception as exc:  # noqa: BLE001 - counted: the test fails on any
                with lock:
                    figures.errors.append(f"{type(exc).__name__}: {exc}"[:300])

    _run_threads([lambda n=n: csm(n) for n in range(1, csms + 1)])
    figures.saves = len(saves)
    chain = sorted(saves, key=lambda s: s[1])
    expected_base: int | None = None
    for base, version, _ in chain:
        figures.lost += base != expected_base
        expected_base = version
    with unit_of_work(factory) as s:
        stored = risk_states.get_risk_state(s, workspace_id, account)
    if chain and (stored is None or stored.note != chain[-1][2]):
        figures.lost += 1
    return figures


def _run_threads(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
