"""The 3D ``4dvarnet`` handler through the Fortran stand-in host on the GYRE grid: the same
increments on 1, 2 and 4 ranks as a direct call, and bad inputs stopping every rank."""

import netCDF4
import numpy as np
import pytest
import torch

from nemoml.assimilate.fourdvarnet.multivariate import StateSolverConfig
from nemoml.assimilate.gyre import twin as gyre
from nemoml.assimilate.gyre.checkpoint import build_model, load_checkpoint, save_checkpoint
from nemoml.assimilate.gyre.export import export_state_solver, load_state_solver
from nemoml.assimilate.gyre.train import Experiment, Train3DConfig
from nemoml.assimilate.obs import simulators as simobs
from nemoml.assimilate.obs.binning import bin_obs
from nemoml.assimilate.obs.obsfile import ObsSet, write_obs_set
from nemoml.assimilate.obs.ocean_grid import OceanGrid
from nemoml.bridge.handlers.fourdvarnet import check_asminc
from nemoml.bridge.settings import Settings
from nemoml.devtools.host import run_host

from ..conftest import requires_mpirun

RESTART = gyre.MESH.parent / "example_restart.nc"
pytestmark = [requires_mpirun, pytest.mark.mpi,
              pytest.mark.skipif(not gyre.DAILY.is_file(), reason="needs ../shared/data")]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("hook3d")
    exp = Experiment()
    torch.manual_seed(2)
    cfg = StateSolverConfig(hidden_prior=4, hidden_lstm=4, n_step=2, subspace_rank=4)
    model = build_model(cfg, exp.layout, exp.subspace(Train3DConfig(solver=cfg)))
    save_checkpoint(d / "tiny.pt", model, None, Train3DConfig(solver=cfg), exp, {"step": 0})
    model, ckpt = load_checkpoint(d / "tiny.pt")
    export_state_solver(model, ckpt, d / "solver")
    tr = exp.load("val").take(np.arange(10))
    grid = OceanGrid.from_mesh_mask(gyre.MESH)
    obs = simobs.simulate_all(grid, tr.SSH, tr.T, tr.S, tr.days, argo_per_day=3, seed=9)
    write_obs_set(d / "obs.nc", obs)
    return d, obs, grid


def _settings(d, obs="obs.nc", tag="x"):
    return {"ln_nemoml": True, "nn_nemoml_threads": 1, "ln_nemoml_asm": True,
            "cn_nemoml_da": str(d / "solver"), "cn_nemoml_obs": str(d / obs),
            "cn_nemoml_incout": str(d / f"inc_{tag}.nc")}


def _host(d, ranks, settings):
    host = {"ln_selftest": False, "cn_meshmask": str(gyre.MESH), "cn_restart": str(RESTART)}
    return run_host(ranks, d / f"run{ranks}", host=host, settings=settings, timeout=300)


def _read(path):
    with netCDF4.Dataset(path) as ds:
        return {v: np.array(ds[v][:]) for v in ("bckint", "bckins", "bckineta")}


def test_identical_increments_on_1_2_4_ranks_and_equal_to_a_direct_call(setup):
    d, obs, grid = setup
    incs = []
    for n in (1, 2, 4):
        r = _host(d, n, _settings(d, tag=str(n)))
        assert r.returncode == 0, r.output
        incs.append(_read(d / f"inc_{n}.nc"))
    for other in incs[1:]:
        for v in incs[0]:
            assert np.array_equal(other[v], incs[0][v])
    # the same as the solver called directly on the restart state held over the window
    solver = load_state_solver(d / "solver")
    with netCDF4.Dataset(RESTART) as ds:
        state = {"T": ds["tn"][0], "S": ds["sn"][0], "SSH": ds["sshn"][0]}
    bkg = {v: np.repeat(np.asarray(a)[None], 10, axis=0) for v, a in state.items()}
    day0 = float(np.floor(obs.time.min()))
    ref = solver.increment(bkg, bin_obs(obs, grid, day0, 10))
    t = incs[0]["bckint"].reshape(-1, 31, 22, 32)[0]
    assert np.abs(ref["T"]).max() > 0
    assert np.allclose(t, ref["T"], atol=1e-6 * np.abs(ref["T"]).max() + 1e-12)
    assert np.abs(ref["SSH"]).max() > 0
    # float32 rounding of a 1 m SSH field: the increment is analysis minus background
    assert np.allclose(incs[0]["bckineta"].reshape(22, 32), ref["SSH"], atol=2e-7)


def _bad(d, obs: ObsSet, name):
    write_obs_set(d / name, obs)
    return _host(d, 2, _settings(d, name, name))


def test_bad_observations_stop_every_rank(setup):
    d, obs, grid = setup
    land = obs.select(np.arange(len(obs)))
    j, i = np.argwhere(~grid.tmask[0])[0]
    land.lon[5], land.lat[5] = grid.lon[j, i], grid.lat[j, i]
    late = obs.select(np.arange(len(obs)))
    late.time[7] += 30.0
    unknown = ObsSet.concat([obs])
    unknown.variables = ("SSH", "T", "U")
    for o, name, frags in (
            (land, "land.nc", ["land.nc", "on land", "obs index 5"]),
            (late, "late.nc", ["late.nc", "after the 10-day window", "obs index 7"]),
            (unknown, "unknown.nc", ["unknown.nc", "['U'] unknown to the model"])):
        r = _bad(d, o, name)
        assert r.returncode == 2, r.output
        err = r.error()
        assert "nemoml_init failed" in err
        for f in frags:
            assert f in err, err


def test_refuses_when_nam_asminc_drops_increments():
    s = Settings.from_text("ln_nemoml_asm = .true.\ncn_nemoml_da = 'x'\ncn_nemoml_obs = 'y'\n"
                           "ln_asm_trainc = .false.")
    with pytest.raises(ValueError, match="ln_trainc = .false.: NEMO would drop them"):
        check_asminc(s)
    check_asminc(Settings.from_text("ln_asm_trainc = .true."))


def _with_gross_errors(obs: ObsSet, n: int = 200) -> ObsSet:
    """``obs`` and, after them, copies of ``n`` of them valued 1e30: the clean ones bin
    exactly as without them."""
    bad = obs.select(np.linspace(0, len(obs) - 1, n).astype(int))
    bad.value = np.full(n, 1e30, dtype=np.float32)
    return ObsSet.concat([obs, bad])


def test_gross_errors_are_rejected_and_too_many_stop_every_rank(setup):
    """The background check at asm_inc_init (issue 26): 200 observations of 1e30 leave the
    clean increments; with rn_nemoml_qc_maxrej below their share every rank stops."""
    d, obs, _ = setup
    write_obs_set(d / "gross.nc", _with_gross_errors(obs))
    clean = _host(d, 2, _settings(d, tag="clean"))
    assert clean.returncode == 0, clean.output
    assert f"QC (k 12): 0 of {len(obs)} rejected" in clean.output
    r = _host(d, 2, _settings(d, "gross.nc", "gross"))
    assert r.returncode == 0, r.output
    assert f"QC (k 12): 200 of {len(obs) + 200} rejected" in r.output
    a, b = _read(d / "inc_gross.nc"), _read(d / "inc_clean.nc")
    for v in a:
        assert np.array_equal(a[v], b[v]), v
    stop = _host(d, 2, {**_settings(d, "gross.nc", "stop"), "rn_nemoml_qc_maxrej": 0.001})
    assert stop.returncode == 2, stop.output[-3000:]
    err = stop.error()
    assert "failed" in err and "the background check rejected 200 of" in err, err
    assert not (d / "inc_stop.nc").exists()
