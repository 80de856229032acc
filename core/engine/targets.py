"""The measurement plan as small frames the engine can join: targets and event sets per segment.

Per-segment event-list overrides make "is this event a first-value event?" depend on the
account's segment, so the lists become a (segment, kind, event) frame joined on both keys
instead of a single `is_in`. `feature_events = None` means every distinct event name in the
events up to as_of (events after as_of are ignored everywhere, so they cannot widen the list).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from core.model.plan import EventLists, MeasurementPlan

KINDS: dict[str, str] = {
    "first_value": "first_value_events",
    "activation": "activation_events",
    "milestone": "milestone_events",
    "feature": "feature_events",
    "expansion": "expansion_events",
}
KEY_KINDS: tuple[str, ...] = ("first_value", "activation", "milestone")

# docs/metrics.md benchmarks: the fallback targets for metrics the plan has no number for,
# and the targets of the "All" row (segment targets differ, the benchmark is common ground).
BENCHMARKS: dict[str, float] = {
    "ttv_days": 45.0,
    "activation_rate": 0.70,
    "user_adoption_rate": 0.60,
    "completion_rate": 0.85,
    "csat_mean": 4.0,
}

TARGET_SCHEMA = pl.Schema(
    {
        "segment": pl.String,
        "ttv_target_days": pl.Int64,
        "duration_target_days": pl.Int64,
        "adoption_target": pl.Float64,
        "csat_target": pl.Float64,
        "csm_ratio_low": pl.Int64,
        "csm_ratio_high": pl.Int64,
        "activation_window_days": pl.Int64,
    }
)
SET_SCHEMA = pl.Schema({"segment": pl.String, "kind": pl.String, "event": pl.String})


def segment_targets(plan: MeasurementPlan) -> pl.DataFrame:
    """One row per plan segment with its numeric targets (joined onto accounts by segment);
    the activation window is the segment's own or the top-level one."""
    rows = [
        {
            "segment": name,
            "ttv_target_days": seg.ttv_target_days,
            "duration_target_days": seg.duration_target_days,
            "adoption_target": seg.adoption_target,
            "csat_target": seg.csat_target,
            "csm_ratio_low": seg.csm_ratio_low,
            "csm_ratio_high": seg.csm_ratio_high,
            "activation_window_days": plan.activation_window(name),
        }
        for name, seg in plan.segments.items()
    ]
    return pl.DataFrame(rows, schema=TARGET_SCHEMA)


def events_of(lists: EventLists, kind: str, all_events: Iterable[str]) -> tuple[str, ...]:
    """The distinct names of one event list, in plan order; None (features) means all events."""
    names = getattr(lists, KINDS[kind])
    if names is None:
        names = sorted(all_events)
    return tuple(dict.fromkeys(names))


def event_sets(
    plan: MeasurementPlan, segments: Iterable[str], all_events: Iterable[str]
) -> pl.DataFrame:
    """(segment, kind, event) for every segment seen, with its overrides applied."""
    all_events = tuple(all_events)
    rows = [
        (segment, kind, event)
        for segment in sorted(set(segments))
        for kind in KINDS
        for event in events_of(plan.segment_events(segment), kind, all_events)
    ]
    return pl.DataFrame(rows, schema=SET_SCHEMA, orient="row")


def set_sizes(sets: pl.DataFrame, segments: Iterable[str]) -> pl.DataFrame:
    """Number of events per (segment, kind), 0 where a list is empty (needed for "every")."""
    grid = pl.DataFrame(
        [(s, k) for s in sorted(set(segments)) for k in KINDS],
        schema={"segment": pl.String, "kind": pl.String},
        orient="row",
    )
    counts = sets.group_by("segment", "kind").agg(pl.len().cast(pl.Int64).alias("n_events"))
    return grid.join(counts, on=["segment", "kind"], how="left").with_columns(
        pl.col("n_events").fill_null(0)
    )


def key_events(plan: MeasurementPlan) -> list[str]:
    """Every event name any segment uses for first value, activation or milestones, and the
    events of journey signals that wait for a milestone (their first occurrence counts).

    Only these events matter outside the recent activity windows, so the big events table
    can be cut down to them (plus the windows) in a single filtered scan.
    """
    lists = [plan.events] + [plan.segment_events(name) for name in plan.segments]
    names = {e for lst in lists for kind in KEY_KINDS for e in getattr(lst, KINDS[kind]) or ()}
    names |= {s.event for s in plan.signals if s.rule == "not_reached"}
    return sorted(names)


def needs_all_event_names(plan: MeasurementPlan, segments: Iterable[str]) -> bool:
    """True when some segment's feature list is "every event in the data"."""
    lists = [plan.events] + [plan.segment_events(s) for s in segments]
    return any(lst.feature_events is None for lst in lists)
