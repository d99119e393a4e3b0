import shutil

import pytest


@pytest.fixture(scope="session")
def models(tmp_path_factory):
    """The selftest models, written once per session."""
    from nemoml.bridge.testmodels import write_all

    directory = tmp_path_factory.mktemp("models")
    write_all(directory)
    return directory


@pytest.fixture
def hostdir(tmp_path, models):
    """A work directory for one host run, sharing the session's models."""
    (tmp_path / "models").symlink_to(models)
    return tmp_path


requires_mpirun = pytest.mark.skipif(shutil.which("mpirun") is None, reason="no mpirun")
