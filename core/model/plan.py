"""The measurement plan: targets per segment, the event lists and the health-score settings.

One plan feeds every number the product shows. It can be written to and read from TOML
(docs/metrics.md, TOML layout) so the command line and the app compute from the same settings;
anything left out of a file keeps its default, and anything unknown or mistyped is refused
with its key named, because a silently ignored typo would change an executive's numbers.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from core.common.errors import UserError

EVENT_LIST_KEYS: tuple[str, ...] = (
    "first_value_events",
    "activation_events",
    "milestone_events",
    "feature_events",
    "expansion_events",
)

DEFAULT_FIRST_VALUE_EVENTS: tuple[str, ...] = ("first_workflow_live",)
DEFAULT_ACTIVATION_EVENTS: tuple[str, ...] = (
    "integration_connected",
    "user_invited",
    "first_workflow_live",
)
DEFAULT_MILESTONE_EVENTS: tuple[str, ...] = (
    "kickoff_completed",
    "integration_connected",
    "data_imported",
    "users_trained",
    "first_workflow_live",
    "qbr_completed",
)
DEFAULT_EXPANSION_EVENTS: tuple[str, ...] = ("feature_limit_hit", "access_requested")


class PlanError(UserError):
    """A plan file or value that cannot be used; the message names the key."""


@dataclass(frozen=True)
class EventLists:
    """Event names that mark progress; `feature_events=None` means every event in the data."""

    first_value_events: tuple[str, ...] = DEFAULT_FIRST_VALUE_EVENTS
    activation_events: tuple[str, ...] = DEFAULT_ACTIVATION_EVENTS
    milestone_events: tuple[str, ...] = DEFAULT_MILESTONE_EVENTS
    feature_events: tuple[str, ...] | None = None
    expansion_events: tuple[str, ...] = DEFAULT_EXPANSION_EVENTS


@dataclass(frozen=True)
class SegmentPlan:
    """Targets of one segment; event lists left as None fall back to the global ones."""

    ttv_target_days: int
    duration_target_days: int
    adoption_target: float
    csat_target: float
    csm_ratio_low: int = 0
    csm_ratio_high: int = 0
    activation_window_days: int | None = None
    """Every activation event is due within this many days of start; None: the standard
    segment's window (DEFAULT_ACTIVATION_WINDOWS), else the plan's top-level one."""
    first_value_events: tuple[str, ...] | None = None
    activation_events: tuple[str, ...] | None = None
    milestone_events: tuple[str, ...] | None = None
    feature_events: tuple[str, ...] | None = None
    expansion_events: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Penalties:
    no_first_value: int = 40
    single_user: int = 25
    sponsor_disengaged: int = 20
    ticket_primary: int = 15


@dataclass(frozen=True)
class Bands:
    """Upper bounds (exclusive) of the action bands."""

    executive: int = 30
    escalate: int = 50
    watch: int = 70


def default_segments() -> dict[str, SegmentPlan]:
    """The three segments of the seed documents, with their targets and CSM coverage ratios."""
    return {
        "Enterprise": SegmentPlan(60, 120, 0.8, 4.5, csm_ratio_low=8, csm_ratio_high=12),
        "Mid-Market": SegmentPlan(30, 60, 0.6, 4.0, csm_ratio_low=30, csm_ratio_high=50),
        "SMB": SegmentPlan(14, 30, 0.4, 4.0, csm_ratio_low=100, csm_ratio_high=200),
    }


DEFAULT_ACTIVATION_WINDOWS: dict[str, int] = {"Enterprise": 90, "Mid-Market": 45, "SMB": 30}
"""The standard segments' activation windows (an Enterprise account's first value is due at
day 60, so a 30-day window would almost never see it activated). A segment with its own
`activation_window_days` uses that; any other segment the plan's top-level value."""


SIGNAL_RULES: tuple[str, ...] = ("inactive", "not_reached")
"""How a journey-map signal is evaluated (docs/metrics.md, User-defined signals):
`inactive`: no `event` in the last window_days; `not_reached`: `event` not yet reached although
the account is older than window_days."""
BUILT_IN_SIGNALS: tuple[str, ...] = (
    "no_first_value",
    "single_user",
    "sponsor_disengaged",
    "ticket_primary",
)


def journey_signal_name(name: str) -> str:
    """A map signal's name as the engine shows it: one line, no ';' (the separator of the
    signals column), and never a built-in signal's name."""
    cleaned = " ".join(name.replace(";", ",").split())
    return f"{cleaned} (map)" if cleaned in BUILT_IN_SIGNALS else cleaned


@dataclass(frozen=True)
class JourneySignal:
    """A signal a journey map defines, evaluated like the built-in ones.

    Signals of one name form one signal: a definition for a segment applies to that segment's
    accounts, one without a segment to the accounts of every segment without its own. The
    penalty is 0 unless set: the signal is then shown in the reasons but not scored.
    """

    name: str
    event: str
    window_days: int
    rule: str = "inactive"
    segment: str | None = None
    penalty: int = 0


@dataclass(frozen=True)
class MeasurementPlan:
    window_days: int = 30
    kickoff_days: int = 14
    activation_window_days: int = 30
    min_age_days: int = 30
    events: EventLists = field(default_factory=EventLists)
    penalties: Penalties = field(default_factory=Penalties)
    bands: Bands = field(default_factory=Bands)
    segments: dict[str, SegmentPlan] = field(default_factory=default_segments)
    signals: tuple[JourneySignal, ...] = ()

    def activation_window(self, segment: str | None) -> int:
        """The segment's own activation window, else the standard segment's, else the
        top-level one (docs/metrics.md, Per-segment settings)."""
        seg = self.segments.get(segment or "")
        own = seg.activation_window_days if seg is not None else None
        if own is not None:
            return own
        return DEFAULT_ACTIVATION_WINDOWS.get(segment or "", self.activation_window_days)

    def signal_names(self) -> tuple[str, ...]:
        """The built-in signals, then the journey-map signals in plan order, each name once."""
        return BUILT_IN_SIGNALS + tuple(dict.fromkeys(s.name for s in self.signals))

    def segment_events(self, segment: str) -> EventLists:
        """The event lists that apply to one segment: its overrides, else the global lists."""
        seg = self.segments.get(segment)
        if seg is None:
            return self.events
        overrides = {k: getattr(seg, k) for k in EVENT_LIST_KEYS if getattr(seg, k) is not None}
        return replace(self.events, **overrides)


# ---------------------------------------------------------------------------- TOML reading

_GLOBAL_INT_KEYS = ("window_days", "kickoff_days", "activation_window_days", "min_age_days")


def _check_int(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError(f"{where} must be a whole number, got {value!r}")
    if value < 0:
        raise PlanError(f"{where} must be 0 or more, got {value!r}")
    return value


def _check_float(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanError(f"{where} must be a number, got {value!r}")
    return float(value)


def _check_events(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PlanError(f"{where} must be a list of event names, got {value!r}")
    return tuple(v.strip() for v in value)


def _check_table(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PlanError(f"{where} must be a table, got {value!r}")
    return value


def _unknown(where: str, data: dict[str, Any], known: set[str]) -> None:
    extra = sorted(set(data) - known)
    if extra:
        prefix = f"{where}." if where else ""
        names = ", ".join(f"{prefix}{k}" for k in extra)
        raise PlanError(f"unknown key {names} (known: {', '.join(sorted(known))})")


def _int_table(where: str, data: dict[str, Any], cls: type) -> Any:
    _unknown(where, data, {f.name for f in fields(cls)})
    return cls(**{k: _check_int(f"{where}.{k}", v) for k, v in data.items()})


def _segment(name: str, data: dict[str, Any], base: SegmentPlan | None) -> SegmentPlan:
    where = f"segments.{name}"
    known = {f.name for f in fields(SegmentPlan)}
    _unknown(where, data, known)
    values: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{where}.{key}"
        if key in EVENT_LIST_KEYS:
            values[key] = _check_events(path, value)
        elif key in ("adoption_target", "csat_target"):
            values[key] = _check_float(path, value)
        else:
            values[key] = _check_int(path, value)
    if base is not None:
        return replace(base, **values)
    missing = {"ttv_target_days", "duration_target_days", "adoption_target", "csat_target"}
    missing -= set(values)
    if missing:
        raise PlanError(f"{where} is a new segment and needs {', '.join(sorted(missing))}")
    return SegmentPlan(**values)


def _check_name(where: str, value: Any) -> str:
    if not isinstance(value, str) or not " ".join(value.split()):
        raise PlanError(f"{where} must be a non-empty text, got {value!r}")
    return " ".join(value.split())


def _signal(where: str, data: dict[str, Any], segments: dict[str, SegmentPlan]) -> JourneySignal:
    _unknown(where, data, {f.name for f in fields(JourneySignal)})
    missing = {"name", "event", "window_days"} - set(data)
    if missing:
        raise PlanError(f"{where} needs {', '.join(sorted(missing))}")
    name = _check_name(f"{where}.name", data["name"])
    if ";" in name or name in BUILT_IN_SIGNALS:
        raise PlanError(f"{where}.name {name!r} is a built-in signal's name or holds a ';'")
    rule = data.get("rule", "inactive")
    if rule not in SIGNAL_RULES:
        raise PlanError(f"{where}.rule must be one of {', '.join(SIGNAL_RULES)}, got {rule!r}")
    segment = data.get("segment")
    if segment is not None and _check_name(f"{where}.segment", segment) not in segments:
        raise PlanError(f"{where}.segment names no segment of the plan: {segment!r}")
    window = _check_int(f"{where}.window_days", data["window_days"])
    if window < 1:
        raise PlanError(f"{where}.window_days must be at least 1, got {window}")
    return JourneySignal(
        name=name,
        event=_check_name(f"{where}.event", data["event"]),
        window_days=window,
        rule=rule,
        segment=None if segment is None else " ".join(segment.split()),
        penalty=_check_int(f"{where}.penalty", data.get("penalty", 0)),
    )


def _signals(value: Any, segments: dict[str, SegmentPlan]) -> tuple[JourneySignal, ...]:
    if not isinstance(value, list):
        raise PlanError(f"signals must be a list of tables ([[signals]]), got {value!r}")
    found: list[JourneySignal] = []
    for number, item in enumerate(value, start=1):
        where = f"signals[{number}]"
        signal = _signal(where, _check_table(where, item), segments)
        if any((s.name, s.segment) == (signal.name, signal.segment) for s in found):
            raise PlanError(f"{where}: {signal.name!r} is defined twice for the same segment")
        found.append(signal)
    return tuple(found)


def plan_from_dict(data: dict[str, Any]) -> MeasurementPlan:
    """Build a plan from parsed TOML, defaults for what is absent, errors naming bad keys."""
    known = set(_GLOBAL_INT_KEYS) | set(EVENT_LIST_KEYS)
    known |= {"penalties", "bands", "segments", "signals"}
    _unknown("", data, known)
    plan = MeasurementPlan()
    top: dict[str, Any] = {k: _check_int(k, data[k]) for k in _GLOBAL_INT_KEYS if k in data}
    events = {k: _check_events(k, data[k]) for k in EVENT_LIST_KEYS if k in data}
    if events:
        top["events"] = replace(plan.events, **events)
    if "penalties" in data:
        top["penalties"] = _int_table(
            "penalties", _check_table("penalties", data["penalties"]), Penalties
        )
    if "bands" in data:
        top["bands"] = _int_table("bands", _check_table("bands", data["bands"]), Bands)
    if "segments" in data:
        segments = dict(plan.segments)
        for name, seg in _check_table("segments", data["segments"]).items():
            segments[name] = _segment(
                name, _check_table(f"segments.{name}", seg), segments.get(name)
            )
        top["segments"] = segments
    if "signals" in data:
        top["signals"] = _signals(data["signals"], top.get("segments", plan.segments))
    return replace(plan, **top)


def load_plan(path: str | Path) -> MeasurementPlan:
    """Read a plan file; syntax errors and bad keys come back as PlanError naming the file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the plan file ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{path}: not valid TOML ({exc})") from exc
    try:
        return plan_from_dict(data)
    except PlanError as exc:
        raise PlanError(f"{path}: {exc}") from exc


# ---------------------------------------------------------------------------- TOML writing


def _toml_value(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return repr(value)


def _toml_key(key: str) -> str:
    bare = key.replace("-", "").replace("_", "").isalnum() and key.isascii()
    return key if bare else _toml_value(key)


def plan_to_toml(plan: MeasurementPlan) -> str:
    """Write the full plan, every key explicit, so the file documents what was used."""
    lines = [f"{k} = {getattr(plan, k)}" for k in _GLOBAL_INT_KEYS]
    for key in EVENT_LIST_KEYS:
        value = getattr(plan.events, key)
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    for title, obj in (("penalties", plan.penalties), ("bands", plan.bands)):
        lines += ["", f"[{title}]"]
        lines += [f"{f.name} = {getattr(obj, f.name)}" for f in fields(obj)]
    for name, seg in plan.segments.items():
        lines += ["", f"[segments.{_toml_key(name)}]"]
        for f in fields(seg):
            value = getattr(seg, f.name)
            if value is not None:  # without its own window, the segment's default applies
                lines.append(f"{f.name} = {_toml_value(value)}")
    for signal in plan.signals:
        lines += ["", "[[signals]]"]
        for f in fields(signal):
            value = getattr(signal, f.name)
            if value is not None:
                lines.append(f"{f.name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
