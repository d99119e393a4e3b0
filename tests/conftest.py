"""Fixtures for every room: the shared NEMO data beside the repository, skipped when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1] / "../shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    return data.resolve()
