"""Domain errors of the journey editor; each message is a sentence a facilitator can act on."""

from __future__ import annotations

from collections.abc import Mapping

from core.common.errors import UserError


class JourneyError(UserError):
    """A journey-map action that cannot be done as asked; the message says why and where."""


class LockedError(JourneyError):
    """The facilitator locked the map; only they can change it until they unlock it."""


class ConflictError(JourneyError):
    """Someone else saved the same element first; nothing of ours was written.

    `mine` holds the values this editor tried to save and `theirs` the values now stored, so the
    page can show both side by side and let the person choose.
    """

    def __init__(
        self,
        what: str,
        mine: Mapping[str, object],
        theirs: Mapping[str, object],
        versions: tuple[int, int] = (0, 0),
    ) -> None:
        self.what = what
        self.mine = mine
        self.theirs = theirs
        self.started_from, self.current = versions
        differing = self.differences()
        detail = "; ".join(f"{k} is now “{t}” (yours: “{m}”)" for k, m, t in differing[:4])
        super().__init__(
            f"{what} was changed by someone else while you were editing"
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
