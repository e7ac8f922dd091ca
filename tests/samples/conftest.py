"""Fixtures for the sample generator's tests."""

from __future__ import annotations

import pytest

from postbakke.samples.world import World, make_world


@pytest.fixture(scope="module")
def world() -> World:
    """One fictional world per test module (seed 11)."""
    return make_world(11)
