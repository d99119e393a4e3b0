"""``nemoml assimilate``'s background check (issue 26): 200 observations of 1e30 added to the
window leave the increment of the clean file, the clean file loses none, and losing more than
``--qc-maxrej`` is an error naming the file."""

import logging
from dataclasses import replace

import numpy as np
import pytest

from nemoml import cli
from nemoml.assimilate.obs.obsfile import read_obs, write_obs
from nemoml.assimilate.qg import truth as qg
from nemoml.assimilate.qg.analysis import assimilate_file
from nemoml.io import read_increments

from .test_analysis_cli import DAY, write_background

N_BAD = 200


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("da_qc")
    truth = qg.load_truth(qg.SAMPLE_QG).days(1095, 1135)
    obs = tmp / "obs.nc"
    assert cli.main(["simulate-obs", "--truth", str(qg.SAMPLE_QG), "--days", "1095", "1135",
                     "--out", str(obs)]) == 0
    clean = read_obs(obs)
    near = np.flatnonzero(np.abs(clean.time - DAY) < 3)  # inside the analysis window
    bad = clean.select(near[np.linspace(0, near.size - 1, N_BAD).astype(int)])
    bad = replace(bad, ssh=np.full(N_BAD, 1e30, np.float32))
    both = replace(clean, **{k: np.concatenate([getattr(clean, k), getattr(bad, k)])
                             for k in ("time", "x", "y", "ssh", "satellite")})
    write_obs(tmp / "bad.nc", both)
    return tmp, obs, tmp / "bad.nc", write_background(tmp / "bkg.nc", truth)


def _ssh(tmp, obs, bkg, name, **kw):
    out = assimilate_file(None, obs, bkg, tmp / name, DAY, levels=1, **kw)
    return read_increments(out).state.SSH


def test_clean_observations_are_all_kept(files, caplog):
    tmp, obs, _, bkg = files
    with caplog.at_level(logging.INFO, logger="nemoml.assimilate"):
        _ssh(tmp, obs, bkg, "clean.nc")
    assert " 0 of " in caplog.text and "rejected (SSH/" in caplog.text


def test_gross_errors_leave_the_clean_increment(files, caplog):
    tmp, obs, bad, bkg = files
    clean = _ssh(tmp, obs, bkg, "clean.nc")
    with caplog.at_level(logging.INFO, logger="nemoml.assimilate"):
        checked = _ssh(tmp, bad, bkg, "checked.nc")
    assert f"{N_BAD} of " in caplog.text
    assert np.array_equal(checked, clean) and np.abs(clean).max() > 0
    # without the check (the behaviour before it) the 1e30 reach the solver, whose output
    # saturates: the increment is a constant 3 cm everywhere, the analysis lost
    unchecked = _ssh(tmp, bad, bkg, "unchecked.nc", qc_k=0.0)
    rms = np.sqrt(np.mean(clean**2))
    assert np.sqrt(np.mean((unchecked - clean) ** 2)) > 0.5 * rms


def test_losing_too_many_is_an_error(files):
    tmp, _, bad, bkg = files
    with pytest.raises(ValueError, match=rf"bad.nc: the background check rejected {N_BAD} of"):
        _ssh(tmp, bad, bkg, "never.nc", qc_maxrej=0.001)
    with pytest.raises(ValueError, match="rn_nemoml_qc_k = -1"):
        _ssh(tmp, bad, bkg, "never.nc", qc_k=-1.0)
    assert not (tmp / "never.nc").exists()
