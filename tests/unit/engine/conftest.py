"""Fixtures for the engine tests."""

from __future__ import annotations

import pytest

from core.model.plan import MeasurementPlan


@pytest.fixture
def plan() -> MeasurementPlan:
    return MeasurementPlan()
