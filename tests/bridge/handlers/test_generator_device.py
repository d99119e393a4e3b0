"""cn_nemoml_device for the generator handler: the denoiser runs on the session's device."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from nemoml.base import device
from nemoml.base.packaged import GENERATOR as PACKAGED
from nemoml.base.packaged import gyre
from nemoml.bridge.handlers.generator import HANDLER
from nemoml.bridge.settings import Settings
from nemoml.grid import Grid

CUDA = torch.cuda.is_available()
pytestmark = pytest.mark.skipif(not (PACKAGED / "generator.json").is_file(),
                                reason="packaged generator not built")


def _session(where: str):
    grid = Grid.from_mesh_mask(gyre("mesh_mask.nc"))
    settings = Settings.from_text("ln_nemoml_istate = .true.\n"
                                  f"cn_nemoml_generator = '{PACKAGED}'\nnn_nemoml_steps = 2\n"
                                  "ln_nemoml_c1 = .false.\nln_nemoml_c2 = .false.\n"
                                  "ln_nemoml_ts = .false.\nln_nemoml_stab = .false.\n")
    return SimpleNamespace(
        settings=settings, cache={}, grid={"jpk": grid.shape[0]},
        registry=SimpleNamespace(device=where), exchange=SimpleNamespace(shape2d=grid.shape[1:]),
        global_masks={"tmask": grid.tmask, "umask": grid.umask, "vmask": grid.vmask},
        depths={"gdept_1d": grid.gdept_1d, "e3t_1d": grid.e3t_1d}, global_surface={}), grid


def _state(where: str) -> tuple[dict, object]:
    session, grid = _session(where)
    HANDLER.prepare(session, "")
    outputs = {n: grid.shape for n in ("tn", "sn", "un", "vn")} | {"sshn": grid.shape[1:]}
    inputs = {"sshn": np.zeros(grid.shape[1:])}
    return HANDLER.run(session, "", inputs, outputs), session.cache["generator"]


@pytest.mark.skipif(CUDA, reason="checks the CPU fallback")
def test_auto_without_gpu_samples_the_cpu_state(caplog):
    with caplog.at_level(logging.INFO, logger="nemoml.bridge"):
        auto = device.select("auto", None)
    assert auto == "cpu"
    assert [r.getMessage() for r in caplog.records].count(
        "cn_nemoml_device = 'auto': no CUDA device visible, models run on the CPU") == 1
    a, _ = _state(auto)
    c, gen = _state("cpu")
    assert gen.device == "cpu"
    for name in ("tn", "sn", "sshn"):
        np.testing.assert_array_equal(a[name], c[name])


@pytest.mark.skipif(CUDA, reason="checks that the handler asks for the session's device")
def test_the_handler_loads_the_denoiser_on_the_session_device():
    """On a machine without CUDA, asking for 'cuda:0' fails in torch: the handler did not
    quietly load the denoiser on the CPU."""
    session, _ = _session("cuda:0")
    with pytest.raises((RuntimeError, AssertionError), match="(?i)cuda"):
        HANDLER.prepare(session, "")


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="no CUDA device")
def test_cuda_state_matches_the_cpu_state():
    where = device.select("cuda", None)
    g, gen = _state(where)
    assert gen.device == where == "cuda:0"
    assert next(gen.net.parameters()).device.type == "cuda"
    c, _ = _state("cpu")
    for name in ("tn", "sn", "sshn"):  # float32 convolutions round differently on the GPU
        np.testing.assert_allclose(g[name], c[name], rtol=0, atol=2e-3)
