"""The bridge's tests: a marker for tests that need mpirun (the models and host directory
fixtures are in the root conftest: the devtools tests use them too)."""

import shutil

import pytest

requires_mpirun = pytest.mark.skipif(shutil.which("mpirun") is None, reason="no mpirun")
