"""CUDA path: bit-identical to the CPU kernels on a GPU; clean CPU fallback without one."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import nemoml.eos as eos
from nemoml.eos import EOS, kernels

KINDS = ["teos10", "eos80", "seos"]


def test_backend_auto_falls_back_or_uses_gpu(caplog, ocean):
    S, T, z = (a[:1000] for a in ocean)
    kernels.cuda.cache_clear()
    with caplog.at_level(logging.INFO, logger="nemoml.eos"):
        rd = eos.rhd(T, S, z, EOS("teos10"), backend="auto")
    lines = [r.getMessage() for r in caplog.records if r.name == "nemoml.eos"]
    assert len(lines) == 1
    assert ("using the CUDA kernels" in lines[0]) == eos.gpu_available()
    np.testing.assert_array_equal(rd, eos.rhd(T, S, z, EOS("teos10")))


def test_a_built_cuda_library_loads():
    """A CUDA library that was built must load (even without a GPU): a broken build fails here
    instead of falling back to the CPU in silence."""
    import shutil

    from nemoml.base import paths as _paths

    path = _paths.libdir() / "libnemoml_eos_cuda.so"
    if not path.is_file():
        assert shutil.which("nvcc") is None, f"nvcc is on PATH but {path} was not built"
        return
    _, lib = kernels._dlopen(path.name)  # raises OSError on a broken build
    assert lib.nemoml_eos_cuda_device_count() >= 0


@pytest.mark.gpu
def test_a_gpu_means_the_cuda_kernels_run(cuda):
    assert eos.gpu_available()


@pytest.mark.gpu
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cuda_equals_cpu(kind, dtype, ocean, cuda):
    S, T, z = (a.astype(dtype) for a in ocean)
    T3, S3 = T[:49_500].reshape(5, 90, 110), S[:49_500].reshape(5, 90, 110)
    lev = np.array([5.0, 100.0, 1000.0, 3000.0, 5000.0], dtype)
    mask = (np.arange(T3.size).reshape(T3.shape) % 7 != 0).astype(dtype)
    e = EOS(kind)
    for depth in (lev, z[:49_500].reshape(T3.shape)):
        for fn in (eos.insitu, eos.rab):
            cpu = fn(T3, S3, depth, e, mask)
            gpu = fn(T3, S3, depth, e, mask, backend="cuda")
            for c, g in zip(cpu, gpu, strict=True):
                assert g.dtype == dtype
                np.testing.assert_array_equal(g, c)  # --fmad=false: same rounding as the CPU


@pytest.mark.gpu
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cuda_bn2_equals_cpu(kind, dtype, gyre, cuda):
    T, S, tmask, zt = gyre
    wmask = tmask * np.concatenate([tmask[:1], tmask[:-1]])
    args = [a.astype(dtype) for a in (T, S, zt["gdept_1d"], zt["gdepw_1d"], zt["e3w_1d"], wmask)]
    cpu = eos.bn2(*args, EOS(kind))
    gpu = eos.bn2(*args, EOS(kind), backend="cuda")
    np.testing.assert_array_equal(gpu, cpu)
