"""Masked per-level mean profiles, as the C1/C2 density constraints use them.

C1 compares the per-level mean of sigma0 with a target profile, C2 the per-level mean of the
vertical difference ``f_k - f_{k+1}`` (not divided by e3t; the last level's difference is 0).
Means run over the wet points of the last two axes (y, x); a level with no wet point gives 0.
"""

from __future__ import annotations

import numpy as np

from nemoml.eos.core import _real, sigma0
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
    """(C1, C2) profiles: per-level masked means of sigma0 and of its vertical difference."""
    sig = sigma0(T, S, 0.0, eos, tmask)
    return level_means(sig, tmask), level_diff_means(sig, tmask)
