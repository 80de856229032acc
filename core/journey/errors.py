"""Domain errors of the journey editor; each message is a sentence a facilitator can act on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.common.errors import UserError
from core.journey import words


def field_words(name: str, what: str = "", kind: str | None = None) -> str:
    """A field in words ("SLA (hours)" for sla_hours), for messages a room reads: the element
    kind is `kind`, else the one `what` names ("Touchpoint “Welcome call”" is a touchpoint).
    kinds.py imports this module, so its labels are looked up when a message is written."""
    from core.journey.kinds import KINDS, field_label

    if kind is None:
        kind = next(
            (k for k, s in KINDS.items() if what == s.label or what.startswith(f"{s.label} ")),
            None,
        )
    if kind is None:  # a kind no message named: the first kind with that field, else words
        kind = next((k for k, s in KINDS.items() if name in s.field_names), "map")
    return field_label(kind, name)


class JourneyError(UserError):
    """A journey-map action that cannot be done as asked; the message says why and where."""


class LockedError(JourneyError):
    """The facilitator locked the map; only they can change it until they unlock it."""


class ConflictError(JourneyError):
    """Someone else saved the same element first; nothing of ours was written.

    `mine` holds the values this editor tried to save and `theirs` the values now stored, so the
    page can show both side by side and let the person choose. `started_from` is the version
    the editor started from and `current` the one stored now.
    """

    def __init__(
        self,
        what: str,
        mine: Mapping[str, object],
        theirs: Mapping[str, object],
        versions: tuple[int, int] = (0, 0),
        message: str | None = None,
    ) -> None:
        self.what = what
        self.mine = mine
        self.theirs = theirs
        self.started_from, self.current = versions
        differing = self.differences()
        detail = "; ".join(
            f"{self.label(k)} is now “{t}” (yours: “{m}”)" for k, m, t in differing[:4]
        )
        super().__init__(
            message
            or f"{what} was changed by someone else while you were editing"
            + (f": {detail}" if detail else "")
            + ". Nothing of yours was saved; review both values and save again."
        )

    def label(self, field: str) -> str:
        """A field of `mine`/`theirs` in words, as the page shows it."""
        return field_words(field, self.what)

    def differences(self) -> list[tuple[str, object, object]]:
        """(field, mine, theirs) for every field where the two versions disagree; the field
        as its identifier (label() puts it in words)."""
        return [
            (k, self.mine.get(k), self.theirs.get(k))
            for k in self.mine
            if k in self.theirs and self.mine.get(k) != self.theirs.get(k)
        ]


@dataclass(frozen=True)
class RowConflict:
    """One row of a bulk save that someone else changed or deleted since the table was loaded.

    `mine` is None when this person deleted the row, `theirs` is None when someone else did;
    otherwise each holds the fields this person changed, with their value and the stored one.
    `current` is the stored version (None: deleted).
    """

    kind: str
    id: int
    what: str
    mine: Mapping[str, object] | None
    theirs: Mapping[str, object] | None
    started_from: int
    current: int | None

    @property
    def summary(self) -> str:
        if self.theirs is None:
            return f"{self.what} was deleted by someone else"
        if self.mine is None:
            return f"{self.what} was changed by someone else (you deleted it)"
        detail = ", ".join(
            f"{self.label(k)} is now “{self.theirs.get(k)}” (yours: “{v}”)"
            for k, v in self.mine.items()
            if self.theirs.get(k) != v
        )
        return f"{self.what} was changed by someone else" + (f": {detail}" if detail else "")

    def label(self, field: str) -> str:
        """A field of this row in words ("Owner team", not owner_team)."""
        return field_words(field, self.what, self.kind)


class TableConflictError(ConflictError):
    """A bulk save met rows someone else changed or deleted since the table was loaded; the
    whole save was refused and nothing was written.

    `rows` lists every conflicting row with both values. `mine` and `theirs` hold the same
    facts flattened ("Touchpoint “Welcome” · Owner team" -> value, the field in words), so
    code written for one element's conflict (differences()) shows every row.
    """

    def __init__(self, plural: str, rows: Sequence[RowConflict]) -> None:
        self.rows = tuple(rows)
        mine: dict[str, object] = {}
        theirs: dict[str, object] = {}
        for row in self.rows:
            for name, value in (row.mine or {"row": "deleted"}).items():
                key = f"{row.what} · {row.label(name) if row.mine else name}"
                mine[key] = value
                stored = (row.theirs or {}).get(name) if row.theirs else "deleted"
                theirs[key] = stored if row.mine else "changed"
        listed = "; ".join(r.summary for r in self.rows[:4])
        more = f" (and {len(self.rows) - 4} more)" if len(self.rows) > 4 else ""
        super().__init__(
            plural,
            mine,
            theirs,
            message=(
                f"Nothing was saved: {words.plural(len(self.rows), 'row')} of the "
                f"{plural.lower()} table {'was' if len(self.rows) == 1 else 'were'} "
                f"changed by someone else since you loaded it: {listed}{more}. Reload the table, "
                "check their values and save your changes again."
            ),
        )
