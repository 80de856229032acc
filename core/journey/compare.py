"""Two maps side by side: what the second adds, removes and changes compared with the first.

Elements are matched by kind and name (stages by name, others by name within the same kind),
because ids differ between maps and names are what the room talks about.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.journey.kinds import spec
from core.journey.shapes import Element, FieldValue, field_values
from core.journey.store import CONTENT_KINDS, MapContent

IGNORED = ("id", "version", "position")


@dataclass(frozen=True)
class Difference:
    """One element that differs between `left` and `right` of compare().

    `status` reads from left to right: "added" is only in right, "removed" only in left. A page
    that looks *from* one map *at* another should word it with `only_in`, which does not
    depend on which map is called the start ("removed" read from the ideal map misleads).
    """

    kind: str
    name: str
    status: str  # added | removed | changed
    changes: tuple[tuple[str, FieldValue, FieldValue], ...] = ()  # (field, left, right)

    @property
    def only_in(self) -> str | None:
        """ "left" or "right" for an element only one map holds; None when both hold it."""
        return {"added": "right", "removed": "left"}.get(self.status)


def _comparable(m: MapContent, kind: str, element: Element) -> dict[str, FieldValue]:
    """The fields a room compares: not ids, versions or places, and not an opportunity's
    origin (kinds.ORIGIN_FIELDS point at each map's own notes and stages, so two maps never
    share them; where an idea came from is not part of the journey's design)."""
    kept = {f.name for f in spec(kind).kept}
    out = {k: v for k, v in field_values(element).items() if k not in IGNORED and k not in kept}
    if "stage_id" in out:
        out["stage"] = m.stage_name(out.pop("stage_id"))
    return out


def _by_name(m: MapContent, kind: str) -> dict[str, dict[str, FieldValue]]:
    label = spec(kind).label_field
    return {str(field_values(e)[label]).lower(): _comparable(m, kind, e) for e in m.of(kind)}


def compare(left: MapContent, right: MapContent) -> list[Difference]:
    """Differences from `left` (e.g. current state) to `right` (e.g. ideal state)."""
    found: list[Difference] = []
    for kind in CONTENT_KINDS:
        label = spec(kind).label_field
        a, b = _by_name(left, kind), _by_name(right, kind)
        for key, values in b.items():
            if key not in a:
                found.append(Difference(kind, str(values[label]), "added"))
                continue
            changes = tuple(
                (f, a[key].get(f), v)
                for f, v in values.items()
                if f != label and a[key].get(f) != v
            )
            if changes:
                found.append(Difference(kind, str(values[label]), "changed", changes))
        found += [Difference(kind, str(v[label]), "removed") for k, v in a.items() if k not in b]
    return found
