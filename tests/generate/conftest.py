"""Shared fixtures: a small synthetic grid, and the shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "../shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    path = SHARED.resolve()
    if not (path / "data" / "gyre" / "mesh_mask.nc").is_file():
        pytest.skip("shared data (../shared) not available")
    return path
