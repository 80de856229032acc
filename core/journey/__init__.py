"""Journey maps: the onboarding journey a workshop builds, with its history and workshop tools.

Every function here takes an open Session (inside a unit of work) and raises JourneyError (a
ValueError) with a sentence a person can act on; ConflictError carries both values when a
colleague saved the same element first, and TableConflictError every such row of a bulk save
(which is then refused whole). Values come back as dicts (one TypedDict per element kind, in
shapes.py) and frozen dataclasses. What holds under concurrency is told in store.py.
"""

from core.journey.bulk import (
    ChangedRow,
    DeletedRow,
    TableEdit,
    TableSaved,
    save_kind,
    save_table,
    table_edit,
)
from core.journey.compare import Difference, compare
from core.journey.completeness import PARTS, Completeness, completeness
from core.journey.elements import (
    add_element,
    delete_element,
    edit_element,
    move_element,
    reorder,
)
from core.journey.errors import (
    ConflictError,
    JourneyError,
    LockedError,
    RowConflict,
    TableConflictError,
)
from core.journey.exchange import (
    SCHEMA_VERSION,
    build_map,
    from_excel,
    from_json,
    to_document,
    to_excel,
    to_json,
    to_markdown,
)
from core.journey.history import ChangeInfo, list_changes, next_undo, undo
from core.journey.kinds import CHILD_KINDS, KINDS, MAP_KINDS, spec
from core.journey.maps import (
    create_map,
    delete_map,
    duplicate_map,
    list_maps,
    map_revision,
    update_map,
)
from core.journey.measurement import (
    JourneyEvents,
    apply_journey_events,
    journey_events,
    map_events,
)
from core.journey.shapes import (
    ChildElement,
    Element,
    FieldValue,
    MapDocument,
    MilestoneElement,
    OpportunityElement,
    RiskElement,
    SignalElement,
    StageElement,
    TouchpointElement,
    field_values,
)
from core.journey.snapshots import (
    SnapshotInfo,
    list_snapshots,
    restore_snapshot,
    snapshot_elements,
    take_snapshot,
)
from core.journey.store import Actor, MapContent, MapInfo, load
from core.journey.templates import TEMPLATES, template

__all__ = [
    "CHILD_KINDS",
    "KINDS",
    "MAP_KINDS",
    "PARTS",
    "SCHEMA_VERSION",
    "TEMPLATES",
    "Actor",
    "ChangeInfo",
    "ChangedRow",
    "ChildElement",
    "Completeness",
    "ConflictError",
    "DeletedRow",
    "Difference",
    "Element",
    "FieldValue",
    "JourneyError",
    "JourneyEvents",
    "LockedError",
    "MapContent",
    "MapDocument",
    "MapInfo",
    "MilestoneElement",
    "OpportunityElement",
    "RiskElement",
    "RowConflict",
    "SignalElement",
    "SnapshotInfo",
    "StageElement",
    "TableConflictError",
    "TableEdit",
    "TableSaved",
    "TouchpointElement",
    "add_element",
    "apply_journey_events",
    "build_map",
    "compare",
    "completeness",
    "create_map",
    "delete_element",
    "delete_map",
    "duplicate_map",
    "edit_element",
    "field_values",
    "from_excel",
    "from_json",
    "journey_events",
    "list_changes",
    "list_maps",
    "list_snapshots",
    "load",
    "map_events",
    "map_revision",
    "move_element",
    "next_undo",
    "reorder",
    "restore_snapshot",
    "save_kind",
    "save_table",
    "snapshot_elements",
    "spec",
    "table_edit",
    "take_snapshot",
    "template",
    "to_document",
    "to_excel",
    "to_json",
    "to_markdown",
    "undo",
    "update_map",
]
