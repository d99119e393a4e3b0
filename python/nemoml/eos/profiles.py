"""Masked per-level mean profiles, as the C1/C2 density constraints use them.

C1 compares the per-level mean of sigma0 with a target profile, C2 the per-level mean of the
vertical difference ``f_k - f_{k+1}`` (not divided by e3t; the last level's difference is 0).
Means run over the wet points of the last two axes (y, x); a level with no wet point gives 0.
"""

from __future__ import annotations

import math

import numpy as np

from nemoml.eos import kernels
from nemoml.eos.core import _dtype, _full, _real, _report, _shape
from nemoml.eos.params import EOS


def _check(field: np.ndarray, tmask: np.ndarray, fn: str) -> None:
    if field.ndim < 3:
        raise ValueError(f"nemoml.eos.{fn}: field must be (..., z, y, x), got {field.shape}")
    try:
        np.broadcast_shapes(field.shape, tmask.shape)
    except ValueError:
        raise ValueError(
            f"nemoml.eos.{fn}: tmask{tmask.shape} does not match field{field.shape}"
        ) from None


def level_means(field, tmask) -> np.ndarray:
    """Masked mean over (y, x) of each level: ``(..., z, y, x) -> (..., z)``."""
    f, m = _real("field", field), _real("tmask", tmask)
    _check(f, m, "level_means")
    m = np.broadcast_to(m != 0, f.shape)
    wet = m.sum(axis=(-2, -1))
    tot = np.where(m, f, 0).sum(axis=(-2, -1), dtype=np.float64)
    return (tot / np.maximum(wet, 1)).astype(np.result_type(f.dtype, np.float32))


def level_diff_means(field, tmask) -> np.ndarray:
    """Masked mean over (y, x) of ``f_k - f_{k+1}`` where both levels are wet; last level 0."""
    f, m = _real("field", field), _real("tmask", tmask)
    _check(f, m, "level_diff_means")
    m = np.broadcast_to(m != 0, f.shape)
    both = m[..., :-1, :, :] & m[..., 1:, :, :]
    d = np.where(both, f[..., :-1, :, :] - f[..., 1:, :, :], 0).sum(axis=(-2, -1), dtype=np.float64)
    out = np.zeros(f.shape[:-2], np.result_type(f.dtype, np.float32))
    out[..., :-1] = d / np.maximum(both.sum(axis=(-2, -1)), 1)
    return out


def sigma0_profiles(T, S, tmask, eos: EOS) -> tuple[np.ndarray, np.ndarray]:
    """(C1, C2) profiles: per-level masked means of sigma0 and of its vertical difference.

    One fused C pass (sigma0 is never stored): ``(..., z, y, x) -> (..., z)`` twice, float64.
    Equals ``level_means(sigma0(...))`` and ``level_diff_means(sigma0(...))``; NaN on land is
    ignored, NaN at a wet point propagates to its level and is reported.
    """
    if not isinstance(eos, EOS):
        raise TypeError(f"nemoml.eos.sigma0_profiles: eos must be an EOS, got {type(eos).__name__}")
    T, S, m = _real("T", T), _real("S", S), _real("tmask", tmask)
    shape = _shape("sigma0_profiles", T=T, S=S, tmask=m)
    if len(shape) < 3:
        raise ValueError(f"nemoml.eos.sigma0_profiles: fields must be (..., z, y, x), got {shape}")
    dtype = _dtype(T, S)
    Tc, Sc, mc = (_full(a, shape, dtype) for a in (T, S, m))
    nz, n = shape[-3], shape[-2] * shape[-1]
    nout = math.prod(shape[:-3])
    mean, diff = np.zeros(shape[:-2]), np.zeros(shape[:-2])
    sfx = "f64" if dtype == np.float64 else "f32"
    kernel = getattr(kernels.cpu()[1], f"nemoml_eos_sigma0_profiles_{sfx}")
    args = [kernels.ptr(a) for a in (Tc, Sc, mc)]
    out = (
        kernels.ffi().cast("double *", mean.ctypes.data),
        kernels.ffi().cast("double *", diff.ctypes.data),
    )
    bad = kernel(kernels.params(eos), nout, nz, n, *args, *out) if nout and nz else 0
    if bad < 0:
        raise MemoryError("nemoml.eos.sigma0_profiles: out of memory for the partial sums")
    _report("sigma0_profiles", bad, Tc, Sc, mc)
    return mean, diff
