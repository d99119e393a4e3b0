"""cffi (ABI mode) access to libnemoml_eos and, when a GPU is present, libnemoml_eos_cuda."""

from __future__ import annotations

import functools
import logging
import os

import numpy as np

from nemoml.eos.params import EOS

log = logging.getLogger("nemoml.eos")

KIND_CODES = {"teos10": 0, "eos80": 1, "seos": 2}
# must match csrc/eos/nemoml_eos.h
TMIN, TMAX, SMIN, SMAX = -3.0, 40.0, 0.0, 42.0

_PARAMS = """
typedef struct nemoml_eos_params {
  int32_t kind; double rho0; double a0, b0, lambda1, lambda2, mu1, mu2, nu, T0, S0;
} nemoml_eos_params;
"""
_CPU = (
    "".join(
        f"""
int64_t nemoml_eos_insitu_{s}(const nemoml_eos_params *, int64_t, int64_t, int64_t, const {t} *,
    const {t} *, const {t} *, int32_t, const {t} *, {t} *, {t} *);
int64_t nemoml_eos_rab_{s}(const nemoml_eos_params *, int64_t, int64_t, int64_t, const {t} *,
    const {t} *, const {t} *, int32_t, const {t} *, {t} *, {t} *);
int64_t nemoml_eos_bn2_{s}(const nemoml_eos_params *, int64_t, int64_t, int64_t, const {t} *,
    const {t} *, const {t} *, const {t} *, const {t} *, int32_t, const {t} *, {t} *);
int64_t nemoml_eos_sigma0_profiles_{s}(const nemoml_eos_params *, int64_t, int64_t, int64_t,
    const {t} *, const {t} *, const {t} *, double *, double *);
"""
        for s, t in (("f64", "double"), ("f32", "float"))
    )
    + "int32_t nemoml_eos_threads(void);\nint32_t nemoml_eos_set_threads(int32_t);"
)
_CUDA = (
    "int32_t nemoml_eos_cuda_device_count(void);\nconst char *nemoml_eos_cuda_last_error(void);\n"
    + "".join(
        f"""
int32_t nemoml_eos_cuda_host_{s}(int32_t, const nemoml_eos_params *, int64_t, int64_t, int64_t,
    const {t} *, const {t} *, const {t} *, int32_t, const {t} *, {t} *, {t} *, int64_t *);
int32_t nemoml_eos_cuda_bn2_host_{s}(const nemoml_eos_params *, int64_t, int64_t, int64_t,
    const {t} *, const {t} *, const {t} *, const {t} *, const {t} *, int32_t, const {t} *,
    {t} *, int64_t *);
"""
        for s, t in (("f64", "double"), ("f32", "float"))
    )
)


@functools.cache
def ffi():
    """The one cffi FFI declaring both libraries (so a params struct fits either)."""
    import cffi

    f = cffi.FFI()
    f.cdef(_PARAMS + _CPU + _CUDA)
    return f


def _dlopen(name: str):
    from nemoml.base import paths as _paths

    path = _paths.libdir() / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; run `make install` to build nemoml's EOS")
    return ffi(), ffi().dlopen(str(path))


@functools.cache
def cpu():
    """(ffi, lib) of libnemoml_eos.so.

    Its OpenMP runtime is started with passive waiting (unless the user set
    OMP_WAIT_POLICY): torch brings its own OpenMP pool, and two pools spin-waiting on the
    same cores stall each other for milliseconds after every parallel region. The variable is
    read once when libgomp loads, so it is restored right after.
    """
    had = os.environ.get("OMP_WAIT_POLICY")
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    try:
        return _dlopen("libnemoml_eos.so")
    finally:
        if had is None:
            del os.environ["OMP_WAIT_POLICY"]


@functools.cache
def cuda():
    """(ffi, lib) of libnemoml_eos_cuda.so if it is built and a GPU is usable, else None.

    Logs one line saying which path is taken; never raises.
    """
    try:
        f, lib = _dlopen("libnemoml_eos_cuda.so")
    except FileNotFoundError:
        log.warning(
            "nemoml.eos: CUDA kernels not built (no nvcc at build time); using the CPU kernels"
        )
        return None
    except OSError as err:
        log.warning("nemoml.eos: CUDA kernels do not load (%s); using the CPU kernels", err)
        return None
    count = lib.nemoml_eos_cuda_device_count()
    if count <= 0:
        why = f.string(lib.nemoml_eos_cuda_last_error()).decode() or "no device"
        log.warning("nemoml.eos: no usable CUDA device (%s); using the CPU kernels", why)
        return None
    log.info("nemoml.eos: using the CUDA kernels on %d device(s)", count)
    return f, lib


def gpu_available() -> bool:
    """True when the CUDA kernels are built and a GPU is usable on this machine."""
    return cuda() is not None


@functools.cache
def params(eos: EOS):
    """The C ``nemoml_eos_params`` of an :class:`EOS` (cached; EOS is frozen)."""
    return ffi().new(
        "nemoml_eos_params *",
        {
            "kind": KIND_CODES[eos.kind],
            "rho0": eos.rho0,
            **{k: getattr(eos, k) for k in ("a0", "b0", "lambda1", "lambda2", "mu1", "mu2")},
            **{k: getattr(eos, k) for k in ("nu", "T0", "S0")},
        },
    )


def ptr(a: np.ndarray | None):
    """Zero-copy pointer to a C-contiguous float array (NULL for None)."""
    if a is None:
        return ffi().NULL
    return ffi().cast("double *" if a.dtype == np.float64 else "float *", a.ctypes.data)
