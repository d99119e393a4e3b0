"""Shared fixtures of the EOS tests: reference data and random ocean-range inputs."""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[2] / "../shared"


def cuda_device_present() -> bool:
    """Whether this machine has an NVIDIA GPU, asked of the driver's files, not of our library
    (so a CUDA build that fails to load is a failure, not a skip)."""
    return bool(glob.glob("/dev/nvidia[0-9]*") or glob.glob("/proc/driver/nvidia/gpus/*"))


@pytest.fixture
def cuda():
    """Skips when the machine has no GPU; with one, the CUDA kernels must be built and usable
    (``backend="cuda"`` would otherwise fall back to the CPU and compare the CPU with itself)."""
    if not cuda_device_present():
        pytest.skip("no CUDA device on this machine")
    import nemoml.eos as eos
    from nemoml.eos import kernels

    kernels.cuda.cache_clear()
    assert eos.gpu_available(), (
        "a GPU is present but libnemoml_eos_cuda is not usable (see the nemoml.eos log line)"
        + ("" if shutil.which("nvcc") else "; no nvcc on PATH at build time?")
    )


@pytest.fixture(scope="session")
def gsw_casts():
    """gsw's own check casts (SA, CT, p), finite points only."""
    import gsw

    d = np.load(Path(gsw.__file__).parent / "tests" / "gsw_cv_v3_0.npz")
    sa, ct, p = d["SA_chck_cast"], d["CT_chck_cast"], d["p_chck_cast"]
    ok = np.isfinite(sa) & np.isfinite(ct) & np.isfinite(p)
    return sa[ok], ct[ok], p[ok]


@pytest.fixture(scope="session")
def ocean():
    """Random ocean-range (S, T, z): warm water only near the surface, cold at depth."""
    rng = np.random.default_rng(42)
    n = 50_000
    z = rng.uniform(0.0, 5500.0, n)
    S = rng.uniform(33.0, 37.5, n)
    T = np.where(z > 1500, rng.uniform(-1.5, 6.0, n), rng.uniform(-1.5, 30.0, n))
    return S, T, z


@pytest.fixture(scope="session")
def gyre():
    """Real NEMO GYRE (EOS-80) state: T, S, tmask and 1-D depths, from ../shared (skips)."""
    root = SHARED / "data" / "gyre"
    if not (root / "gyre_states.nc").is_file():
        pytest.skip("../shared/data/gyre is not available")
    import netCDF4

    with netCDF4.Dataset(root / "gyre_states.nc") as ds:
        T = np.asarray(ds["thetao"][-2:], np.float64)
        S = np.asarray(ds["so"][-2:], np.float64)
    with netCDF4.Dataset(root / "mesh_mask.nc") as ds:
        tmask = np.asarray(ds["tmask"][0], np.float64)
        zt = {k: np.asarray(ds[k][0], np.float64) for k in ("gdept_1d", "gdepw_1d", "e3w_1d")}
    return T, S, tmask, zt
