"""The demo's inline jobs through the stand-in host: same result on 1, 2 and 4 ranks; the
cycled run's per-window table."""

import shutil

import numpy as np
import pytest

from nemoml.base.paths import package_subdir
from nemoml.devtools.host import run_host

pytestmark = [pytest.mark.mpi,
              pytest.mark.skipif(shutil.which("mpirun") is None, reason="no mpirun")]


def test_qg_increments_identical_on_1_2_4_ranks(tmp_path):
    from nemoml.demo import qg
    from nemoml.io import read_increments

    fields = []
    for ranks in (1, 2, 4):
        work = tmp_path / f"r{ranks}"
        assert qg.run(work, ranks)
        inc = read_increments(work / "assim_background_increments.nc").state
        assert np.abs(inc.SSH).max() > 0.01  # the observations moved the state
        assert not inc.T.any() and not inc.U.any()
        fields.append(inc.SSH)
    assert np.array_equal(fields[0], fields[1]) and np.array_equal(fields[0], fields[2])


@pytest.mark.skipif(not (package_subdir("data") / "generator").is_dir(),
                    reason="no embedded generator")
def test_gyre_generated_restart_identical_on_1_2_4_ranks(tmp_path):
    from nemoml.demo import gyre
    from nemoml.io import read_restart

    states = []
    for ranks in (1, 2, 4):
        work = tmp_path / f"r{ranks}"
        result = run_host(ranks, work, host=gyre.host(ranks),
                          settings=gyre.settings(work, steps=4, seed=3), timeout=600)
        assert result.returncode == 0, result.output
        # the root logs the sampler's progress (step k of n, seconds) into the host's log
        assert result.output.count("sampling step 4 of 4,") >= 1, result.output
        states.append(read_restart(work / "GYRE_generated_restart.nc"))
    for s in states[1:]:
        for name in ("T", "S", "SSH"):
            assert np.array_equal(getattr(s, name), getattr(states[0], name)), name
    assert states[0].T.max() > 5.0  # a real ocean state, not the zero fields


def test_cycle_demo_reports_every_window_and_passes(tmp_path, capsys):
    from nemoml.demo import cycle

    assert cycle.run(tmp_path, 2)
    out = capsys.readouterr().out
    rows = [ln.split() for ln in out.splitlines() if ln.split()[:1] in (["0"], ["1"], ["2"])]
    assert [r[0] for r in rows] == ["0", "1", "2"]
    assert int(rows[0][2]) > 10000 and rows[2][2] == "-"  # obs used; the last: not analysed
    assert float(rows[2][4]) < 0.7 * float(rows[2][3])  # cycled T error below the free run's
