"""One input widget per field of an element, chosen from the field's spec."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from core import journey as jm
from core.journey.kinds import EVIDENCE_LABELS, ROLE_LABELS, FieldSpec

StageChoices = dict[int | None, str]
_SLIDERS = ("emotion", "value", "effort")


def stage_choices(content: jm.MapContent) -> StageChoices:
    """Every stage by id, and None for elements not placed on a stage."""
    return {None: "(not on a stage)", **{s["id"]: s["name"] for s in content.stages}}


def _options(f: FieldSpec) -> tuple[list[str], Callable[[str], str]]:
    if f.name == "evidence":
        return list(f.choices), lambda v: EVIDENCE_LABELS.get(v, v)
    if f.name == "role":
        return list(f.choices), lambda v: ROLE_LABELS.get(v, v)
    return list(f.choices), lambda v: v.replace("_", " ") if v else "(none)"


def field_widget(f: FieldSpec, value: Any, key: str, stages: StageChoices) -> Any:
    """The widget for one field, showing `value`; returns what the person entered."""
    if f.type == "stage":
        ids = list(stages)
        return st.selectbox(
            f.label,
            ids,
            index=ids.index(value) if value in ids else 0,
            format_func=lambda i: stages[i],
            key=key,
        )
    if f.type == "choice":
        opts, fmt = _options(f)
        return st.selectbox(
            f.label, opts, index=opts.index(value) if value in opts else 0, format_func=fmt, key=key
        )
    if f.type == "bool":
        return st.checkbox(f.label, value=bool(value), key=key)
    if f.name in _SLIDERS or f.type in ("int", "float"):
        return _number_widget(f, value, key)
    return _text_widget(f, value, key)


def _number_widget(f: FieldSpec, value: Any, key: str) -> Any:
    if f.name == "emotion":
        return st.slider(
            f.label, -2, 2, int(value or 0), key=key, help="-2 very negative … +2 very positive"
        )
    if f.name in ("value", "effort"):
        return st.slider(f.label, 1, 5, int(value or 3), key=key)
    if f.type == "int":
        return st.number_input(f.label, value=value, step=1, key=key)
    return st.number_input(f.label, value=value, step=1.0, key=key)


def _text_widget(f: FieldSpec, value: Any, key: str) -> Any:
    if f.type == "date":
        current = date.fromisoformat(value) if isinstance(value, str) else value
        return st.date_input(f.label, value=current, key=key)
    if f.type == "longtext":
        return st.text_area(f.label, value=value or "", key=key, height=80)
    return st.text_input(f.label, value=value or "", key=key, max_chars=200)
