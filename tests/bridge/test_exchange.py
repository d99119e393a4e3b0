import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nemoml.bridge.exchange import Exchange
from nemoml.bridge.host import mpi_env, mpirun_command
from nemoml.grid.decomp import Decomposition

from .conftest import requires_mpirun


def test_single_rank_round_trip():
    sub = Decomposition.auto(1, 9, 7, 2).subdomains
    ex = Exchange(None, sub, 9, 7)
    local = np.zeros((3, 11, 13))
    local[:, 2:9, 2:11] = np.arange(3 * 7 * 9).reshape(3, 7, 9)
    full = ex.gather(local)
    assert np.array_equal(full, local[:, 2:9, 2:11])
    back = np.full_like(local, 5.0)
    ex.scatter(full, back)
    assert np.array_equal(back[:, 2:9, 2:11], full)
    assert (back[:, :2] == 5.0).all()  # halo outside the domain is left alone


@requires_mpirun
@pytest.mark.mpi
@pytest.mark.parametrize("ranks, grid", [(3, (17, 11, 4, 2)), (4, (32, 22, 3, 1))])
def test_mpi_round_trip(ranks, grid):
    script = Path(__file__).with_name("mpi_exchange.py")
    cmd = mpirun_command(ranks) + [sys.executable, str(script), *map(str, grid)]
    proc = subprocess.run(cmd, env=mpi_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "EXCHANGE OK" in proc.stdout
