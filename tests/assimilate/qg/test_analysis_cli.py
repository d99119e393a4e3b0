"""``nemoml simulate-obs``, ``nemoml assimilate`` (NEMO increments file) and ``bench da``."""

import json
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from nemoml import cli
from nemoml.assimilate.qg import truth as qg
from nemoml.assimilate.qg.analysis import solver_from
from nemoml.base.packaged import QG_SOLVER as DEMO_MODEL

SHARED = Path(__file__).resolve().parents[3] / "../shared"
DAY = 1110


def write_background(path, truth, lag=4, nan_day=None):
    """A persistence forecast: the truth ``lag`` days earlier, on the truth's days."""
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("time", truth.time.size - lag)
        ds.createDimension("y", truth.y.size)
        ds.createDimension("x", truth.x.size)
        for name, data in (("time", truth.time[lag:]), ("x", truth.x), ("y", truth.y)):
            ds.createVariable(name, "f8", (name,))[:] = data
        zos = truth.ssh[:-lag].copy()
        if nan_day is not None:
            zos[int(nan_day - truth.time[lag]), 3, 4] = np.nan
        ds.createVariable("zos", "f4", ("time", "y", "x"))[:] = zos
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("da")
    truth = qg.load_truth(qg.SAMPLE_QG).days(1095, 1135)
    obs = tmp / "obs.nc"
    assert cli.main(["simulate-obs", "--truth", str(qg.SAMPLE_QG), "--days", "1095", "1135",
                     "--out", str(obs)]) == 0
    return tmp, truth, obs, write_background(tmp / "bkg.nc", truth)


def test_assimilate_writes_the_increment_nemo_reads(files):
    from nemoml.io import read_increments

    tmp, truth, obs, bkg = files
    out = tmp / "assim_background_increments.nc"
    assert cli.main(["assimilate", "--obs", str(obs), "--background", str(bkg),
                     "--day", str(DAY), "--levels", "1", "--out", str(out)]) == 0
    inc = read_increments(out)
    assert np.allclose(inc.state.T, 0) and inc.state.SSH.shape == (64, 64)
    centre = DAY - 1095
    background = truth.ssh[centre - 4]
    err_bkg = np.sqrt(np.mean((background - truth.ssh[centre]) ** 2))
    err_ana = np.sqrt(np.mean((background + inc.state.SSH - truth.ssh[centre]) ** 2))
    assert err_ana < 0.7 * err_bkg  # the analysis corrects the persistence forecast
    assert inc.date_bkg < inc.date_fwd


def test_assimilate_reports_bad_input(files):
    tmp, truth, obs, bkg = files
    args = ["assimilate", "--obs", str(obs), "--background", str(bkg), "--levels", "1", "--out",
            str(tmp / "never.nc")]
    with pytest.raises(ValueError, match="lacks the window days"):
        cli.main([*args, "--day", "1101"])  # the window starts before the background
    nan_bkg = write_background(tmp / "nan.nc", truth, nan_day=DAY)
    with pytest.raises(ValueError, match="NaN"):
        cli.main([*args[:3], "--background", str(nan_bkg), "--levels", "1", "--out",
                  str(tmp / "never.nc"), "--day", str(DAY)])
    moved = tmp / "moved.nc"
    moved.write_bytes(obs.read_bytes())
    with netCDF4.Dataset(moved, "a") as ds:
        ds["x"][:] = ds["x"][:] + 2000.0
    with pytest.raises(ValueError, match="outside the model grid"):
        cli.main(["assimilate", "--obs", str(moved), "--background", str(bkg), "--levels", "1",
                  "--day", str(DAY), "--out", str(tmp / "never.nc")])
    assert not (tmp / "never.nc").exists()


def test_demo_model_metadata():
    solver = solver_from(None)
    assert DEMO_MODEL.is_file()
    assert solver.window == 15 and solver.meta["grid"] == [64, 64]
    assert solver.meta["norm"]["std"] > 0


def test_bench_quick_json(capsys):
    assert cli.main(["bench", "da", "--json", "--quick"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("rmse_ratio_4dvarnet_vs_oi", "lambda_x_4dvarnet", "lambda_x_oi",
                "seconds_per_window_4dvarnet", "seconds_per_window_oi",
                "rmse_4dvarnet_inline", "rmse_background", "rmse_ratio_4dvarnet_inline_vs_oi"):
        assert np.isfinite(out[key]) and out[key] > 0
    # the inline row is scored from a background, not as the offline centre day
    assert out["rmse_4dvarnet_inline"] != out["rmse_4dvarnet_centre_day"]
    assert out["rmse_4dvarnet_inline"] < out["rmse_background"]


@pytest.mark.skipif(not (SHARED / "data/qg/qg_ssh.nc").is_file(), reason="../shared absent")
def test_shared_truth_and_sample_agree():
    shared = SHARED / "data/qg/qg_ssh.nc"
    full = qg.load_truth(shared, days=(1095, 1100))
    sample = qg.load_truth(qg.SAMPLE_QG).days(1095, 1100)
    assert np.array_equal(full.ssh, sample.ssh)
    with pytest.raises(ValueError, match="cannot be coarsened"):
        qg.load_truth(shared, n=48, days=(0, 2))


def test_demo_model_exports_and_inline_matches_the_checkpoint(files):
    import nemoml.assimilate as da

    tmp, truth, _, _ = files
    ckpt = solver_from(None)
    info = da.export(ckpt.module.model, ckpt.meta, tmp / "exported")
    assert info["window"] == 15 and info["norm"] == ckpt.meta["norm"]
    rng = np.random.default_rng(0)
    ssh = truth.ssh[:15]
    mask = rng.random(ssh.shape) < 0.06
    obs = np.where(mask, ssh, np.nan)
    bkg = truth.ssh[5:20]  # a background 5 days off
    ref = ckpt(bkg, obs, mask)
    kinds = ["ts"] + (["pt2"] if info["pt2"] else [])
    for kind in kinds:
        solver = da.load_solver(tmp / "exported", prefer=kind)
        assert np.allclose(solver(bkg, obs, mask), ref, atol=1e-5)
    err_bkg = np.sqrt(np.mean((bkg[7] - ssh[7]) ** 2))
    err_ana = np.sqrt(np.mean((ref[7] - ssh[7]) ** 2))
    assert err_ana < 0.7 * err_bkg
