"""Fixtures for the staff pages: the world with changes waiting, and without."""

from __future__ import annotations

import pytest

from tests.web.staff.helpers import (
    World,
    build_world,
)


@pytest.fixture
def world(database, add_groups) -> World:
    return build_world(database, add_groups)


@pytest.fixture
def quiet_world(database, add_groups) -> World:
    """The same, with nothing waiting for approval."""
    return build_world(database, add_groups, pending=False)
