"""Files nemoml writes get the user's umask, as NEMO's own do (not mkstemp's 0600): the
plugin's restart (``cn_nemoml_rstout``, written by ``write_restart``), ``nemoml io join`` and
``split`` outputs, databases, increments and observation files."""

from __future__ import annotations

import os
import stat

import pytest

from nemoml.base.packaged import gyre
from nemoml.cli import main
from nemoml.io import write_increments, write_restart


@pytest.fixture(params=[0o022, 0o002, 0o077])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_outputs_follow_the_umask(tmp_path, grid, state, umask):
    from nemoml.assimilate.obs.nadir import simulate
    from nemoml.assimilate.obs.obsfile import write_obs
    from nemoml.assimilate.qg.truth import SAMPLE_QG, load_truth

    want = 0o666 & ~umask
    outs = [write_restart(tmp_path / "rstout.nc", state, grid),
            write_increments(tmp_path / "inc.nc", state, grid, 10101.0, 10102.0)]
    assert main(["io", "split", str(gyre("example_restart.nc")), "--out-stem",
                 str(tmp_path / "rst"), "--jpni", "2", "--jpnj", "1"]) == 0
    outs += sorted(tmp_path.glob("rst_*.nc"))
    assert main(["io", "join", str(tmp_path / "rst.nc"), "--out", str(tmp_path / "g.nc")]) == 0
    outs.append(tmp_path / "g.nc")
    write_obs(tmp_path / "obs.nc", simulate(load_truth(SAMPLE_QG, n=64).days(1095, 1097)))
    outs.append(tmp_path / "obs.nc")
    for path in outs:
        assert _mode(path) == want, f"{path.name}: {oct(_mode(path))}, umask {oct(umask)}"
