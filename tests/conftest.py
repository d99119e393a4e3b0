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


@pytest.fixture(scope="session")
def models(tmp_path_factory):
    """The selftest models, written once per session."""
    from nemoml.devtools.testmodels import write_all

    directory = tmp_path_factory.mktemp("models")
    write_all(directory)
    return directory


@pytest.fixture
def hostdir(tmp_path, models):
    """A work directory for one host run, sharing the session's models."""
    (tmp_path / "models").symlink_to(models)
    return tmp_path
