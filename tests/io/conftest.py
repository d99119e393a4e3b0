"""Fixtures: the embedded GYRE samples (the shared data fixture is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nemoml.base.packaged import gyre
from nemoml.grid import Grid
from nemoml.io import read_restart


@pytest.fixture(scope="session")
def grid() -> Grid:
    return Grid.from_mesh_mask(gyre("mesh_mask.nc"))


@pytest.fixture(scope="session")
def restart_path() -> Path:
    return gyre("example_restart.nc")


@pytest.fixture()
def state(grid, restart_path):
    return read_restart(restart_path, grid)
