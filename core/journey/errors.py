"""Domain errors of the journey editor; each message is a sentence a facilitator can act on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.common.errors import UserError
from core.journey import words


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
        detail = "; ".join(f"{k} is now “{t}” (yours: “{m}”)" for k, m, t in differing[:4])
        super().__init__(
            message
            or f"{what} was changed by someone else while you were editing"
            + (f": {detail}" if detail else "")
            + ". Nothing of yours was saved; review both values and save again."
        )

    def differences(self) -> list[tuple[str, object, object]]:
        """(field, mine, theirs) for every field where the two versions disagree."""
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
            f"{k} is now “{self.theirs.get(k)}” (yours: “{v}”)"
            for k, v in self.mine.items()
            if self.theirs.get(k) != v
        )
        return f"{self.what} was changed by someone else" + (f": {detail}" if detail else "")


class TableConflictError(ConflictError):
    """A bulk save met rows someone else changed or deleted since the table was loaded; the
    whole save was refused and nothing was written.

    `rows` lists every conflicting row with both values. `mine` and `theirs` hold the same
    facts flattened ("Touchpoint “Welcome” · owner_team" -> value), so code written for one
    element's conflict (differences()) shows every row.
    """

    def __init__(self, plural: str, rows: Sequence[RowConflict]) -> None:
        self.rows = tuple(rows)
        mine: dict[str, object] = {}
        theirs: dict[str, object] = {}
        for row in self.rows:
            for name, value in (row.mine or {"row": "deleted"}).items():
                mine[f"{row.what} · {name}"] = value
                stored = (row.theirs or {}).get(name) if row.theirs else "deleted"
                theirs[f"{row.what} · {name}"] = stored if row.mine else "changed"
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
