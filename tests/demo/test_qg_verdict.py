"""The QG demo part passes only when its figures meet its stated thresholds."""

import shutil

import pytest

from nemoml.demo import qg

pytestmark = [pytest.mark.mpi,
              pytest.mark.skipif(shutil.which("mpirun") is None, reason="no mpirun")]


def test_checks_fail_when_the_analysis_does_not_beat_its_references():
    good = {"4dvarnet": 0.02, "oi": 0.024, "background": 0.05}
    assert all(ok for _, ok in qg.checks(good))
    assert not all(ok for _, ok in qg.checks({**good, "4dvarnet": 0.03}))  # worse than OI
    assert not all(ok for _, ok in qg.checks({**good, "background": 0.03}))  # < 2x better


def test_the_part_fails_when_the_background_is_already_the_truth(tmp_path, monkeypatch, capsys):
    # a background that is the truth itself leaves nothing to correct: the run completes and
    # writes its increments, but the figures cannot meet the thresholds
    monkeypatch.setattr(qg, "LAG", 0)
    assert qg.run(tmp_path, 1) is False
    assert "qg: FAILED" in capsys.readouterr().out
    assert (tmp_path / "assim_background_increments.nc").is_file()
