"""Fixtures: the shared NEMO data (skipped when absent) and the embedded GYRE samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from nemoml.grid import Grid
from nemoml.io import read_restart
from nemoml.io.samples import gyre

SHARED = Path(__file__).resolve().parents[2] / "../shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    return data.resolve()


@pytest.fixture(scope="session")
def grid() -> Grid:
    return Grid.from_mesh_mask(gyre("mesh_mask.nc"))


@pytest.fixture(scope="session")
def restart_path() -> Path:
    return gyre("example_restart.nc")


@pytest.fixture()
def state(grid, restart_path):
    return read_restart(restart_path, grid)
