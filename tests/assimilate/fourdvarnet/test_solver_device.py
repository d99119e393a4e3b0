"""cn_nemoml_device for the 4DVarNet handlers: the solvers run on the session's device."""

from __future__ import annotations

from types import SimpleNamespace

import netCDF4
import numpy as np
import pytest
import torch

from nemoml.assimilate.gyre.export import load_state_solver
from nemoml.assimilate.obs import simulators as simobs
from nemoml.assimilate.obs.binning import bin_obs
from nemoml.assimilate.obs.ocean_grid import OceanGrid
from nemoml.assimilate.qg.analysis import DEMO_MODEL
from nemoml.assimilate.qg.export import load_solver
from nemoml.base import device
from nemoml.base.packaged import GYRE_SOLVER as PACKAGED
from nemoml.base.packaged import gyre
from nemoml.bridge.handlers.fourdvarnet import HANDLER
from nemoml.bridge.settings import Settings

CUDA = torch.cuda.is_available()


@pytest.fixture(scope="module")
def window():
    """The packaged GYRE restart held over the solver's window, observed by the OSSE system."""
    grid = OceanGrid.from_mesh_mask(gyre("mesh_mask.nc"))
    with netCDF4.Dataset(gyre("example_restart.nc")) as ds:
        state = {v: np.asarray(ds[n][0], np.float64) for v, n in
                 (("T", "tn"), ("S", "sn"), ("SSH", "sshn"))}
    nz = grid.shape[0]
    bkg = {v: np.repeat((a if v == "SSH" else a[:nz])[None], 10, axis=0) for v, a in state.items()}
    obs = simobs.simulate_all(grid, bkg["SSH"], bkg["T"], bkg["S"], np.arange(10.0),
                              argo_per_day=3, seed=4)
    return bkg, bin_obs(obs, grid, 0.0, 10)


def _increment(where: str, window) -> dict:
    bkg, binned = window
    solver = load_state_solver(PACKAGED, device=where)
    assert solver.device == where
    return solver.increment(bkg, binned)


def _qg(where: str) -> np.ndarray:
    solver = load_solver(DEMO_MODEL, device=where)
    rng = np.random.default_rng(3)
    shape = (solver.window, 64, 64)
    mask = rng.random(shape) < 0.1
    return solver.increment(0.1 * rng.standard_normal(shape), rng.standard_normal(shape), mask)


@pytest.mark.skipif(CUDA, reason="checks the CPU fallback")
def test_auto_without_gpu_gives_the_cpu_increments(window):
    auto = device.select("auto", None)
    a, c = _increment(auto, window), _increment("cpu", window)
    assert np.abs(c["T"]).max() > 0
    for v in c:
        np.testing.assert_array_equal(a[v], c[v])
    np.testing.assert_array_equal(_qg(auto), _qg("cpu"))


@pytest.mark.skipif(CUDA, reason="checks that the handler asks for the session's device")
@pytest.mark.parametrize("path", [PACKAGED, DEMO_MODEL], ids=["3d", "qg"])
def test_the_handler_loads_the_solver_on_the_session_device(path):
    """Without CUDA, 'cuda:0' fails in torch: the handler did not load the solver on the CPU."""
    settings = Settings.from_text(f"ln_nemoml_asm = .true.\ncn_nemoml_da = '{path}'\n"
                                  "cn_nemoml_obs = 'obs.nc'")
    session = SimpleNamespace(settings=settings, registry=SimpleNamespace(device="cuda:0"))
    with pytest.raises((RuntimeError, AssertionError), match="(?i)cuda"):
        HANDLER.prepare(session, "")


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="no CUDA device")
def test_cuda_increments_match_the_cpu(window):
    where = device.select("cuda", None)
    assert where == "cuda:0"
    g, c = _increment(where, window), _increment("cpu", window)
    for v in c:  # float32 convolutions round differently on the GPU
        scale = np.abs(c[v]).max()
        np.testing.assert_allclose(g[v], c[v], rtol=0, atol=1e-3 * scale + 1e-9)
    gq, cq = _qg(where), _qg("cpu")
    np.testing.assert_allclose(gq, cq, rtol=0, atol=1e-3 * np.abs(cq).max())
