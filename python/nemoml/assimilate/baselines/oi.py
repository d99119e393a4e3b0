"""Optimal interpolation with a separable space-time Gaussian covariance.

``B(dt, dr) = sigma_b^2 exp(-(dt / Lt)^2 - (dr / Lx)^2)``, ``R = sigma_o^2 I`` on gridded obs,
analysis ``x = B H^T (H B H^T + R)^{-1} y`` about a zero mean (the QG field has zero mean).
The dual system is solved by conjugate gradients, applying ``B`` with FFTs in space (periodic,
or zero-padded by 5 Lx) and a dense product in time; :func:`oi_dense` solves it exactly for
checks. Defaults follow the DC-2020a baseline OI (Lt = 7 d, Lx = 1 deg, about 100 km, obs
within +/- 14 d), with the signal and noise variances of this OSSE.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import fft


@dataclass(frozen=True)
class OIConfig:
    lx_km: float = 100.0
    lt_days: float = 7.0
    sigma_b: float = 0.137  # m, std of the QG truth over the training years
    sigma_o: float = 0.02  # m, the simulated instrument noise
    halo_days: int = 14  # obs this far beyond a block also inform it (|dt| < 14 d in DC-2020a)
    tol: float = 1e-6
    max_iter: int = 2000

    def to_dict(self) -> dict:
        return asdict(self)


def gauss_1d(d: np.ndarray, period: float, length: float, periodic: bool) -> np.ndarray:
    """``exp(-(d / L)^2)``; on a periodic axis summed over the images ``d + m * period``, which
    keeps the covariance positive definite however large ``L`` is against the domain."""
    if not periodic:
        d = np.minimum(np.abs(d), period - np.abs(d))  # circulant embedding of the padded grid
        return np.exp(-((d / length) ** 2))
    m = np.arange(-3, 4)[:, None] if length < period else np.arange(-12, 13)[:, None]
    return np.exp(-(((d[None, :] + m * period) / length) ** 2)).sum(axis=0)


class GaussianCovariance:
    """Apply the space-time Gaussian ``B`` to fields shaped (time, ny, nx)."""

    def __init__(self, cfg: OIConfig, nt: int, ny: int, nx: int, dx: float, periodic: bool):
        self.shape = (nt, ny, nx)
        t = np.arange(nt)
        self.ct = np.exp(-(((t[:, None] - t[None, :]) / cfg.lt_days) ** 2))
        pad = 0 if periodic else int(np.ceil(5 * cfg.lx_km / dx))  # wrap weight < exp(-25)
        self.full = (ny + pad, nx + pad)
        gy = gauss_1d(np.arange(self.full[0]) * dx, self.full[0] * dx, cfg.lx_km, periodic)
        gx = gauss_1d(np.arange(self.full[1]) * dx, self.full[1] * dx, cfg.lx_km, periodic)
        self.spec = fft.rfft2(gy[:, None] * gx[None, :]) * cfg.sigma_b**2

    def __call__(self, f: np.ndarray) -> np.ndarray:
        nt, ny, nx = self.shape
        g = np.tensordot(self.ct, f, axes=(1, 0))
        s = fft.irfft2(fft.rfft2(g, s=self.full, workers=-1) * self.spec, s=self.full, workers=-1)
        return s[:, :ny, :nx]


def _check(obs: np.ndarray, mask: np.ndarray) -> None:
    if obs.shape != mask.shape or obs.ndim != 3:
        raise ValueError(f"obs {obs.shape} and mask {mask.shape} must be equal (time, y, x)")
    if not mask.any():
        raise ValueError("empty window: no observation to interpolate")
    if not np.isfinite(obs[mask]).all():
        raise ValueError("observations are not finite where the mask is set")


def oi_cg(obs: np.ndarray, mask: np.ndarray, dx: float, cfg: OIConfig = OIConfig(),
          periodic: bool = True) -> tuple[np.ndarray, int]:
    """OI analysis on the whole (time, y, x) grid of ``obs``; returns it and the CG iterations."""
    _check(obs, mask)
    cov = GaussianCovariance(cfg, *obs.shape, dx=dx, periodic=periodic)
    y = obs[mask].astype(np.float64)
    noise = cfg.sigma_o**2

    def apply(w: np.ndarray) -> np.ndarray:
        f = np.zeros(obs.shape)
        f[mask] = w
        return cov(f)[mask] + noise * w

    w = np.zeros_like(y)
    r = y.copy()
    p = r.copy()
    rr = r @ r
    stop = cfg.tol**2 * (y @ y)
    it = 0
    while rr > stop and it < cfg.max_iter:
        ap = apply(p)
        alpha = rr / (p @ ap)
        w += alpha * p
        r -= alpha * ap
        rr_new = r @ r
        p = r + (rr_new / rr) * p
        rr = rr_new
        it += 1
    if rr > stop:
        raise RuntimeError(f"OI conjugate gradients did not converge in {cfg.max_iter} iterations")
    f = np.zeros(obs.shape)
    f[mask] = w
    return cov(f), it


def oi_dense(obs: np.ndarray, mask: np.ndarray, dx: float, cfg: OIConfig = OIConfig(),
             periodic: bool = True) -> np.ndarray:
    """Exact OI by a dense Cholesky solve: small problems, an independent check of ``oi_cg``."""
    _check(obs, mask)
    nt, ny, nx = obs.shape
    t, j, i = np.meshgrid(np.arange(nt), np.arange(ny), np.arange(nx), indexing="ij")
    pts = np.stack([t.ravel(), j.ravel() * dx, i.ravel() * dx], axis=1).astype(np.float64)
    sel = mask.ravel()

    def axis(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
        d = (a[:, None] - b[None, :]).ravel()
        if periodic:
            return gauss_1d(d, n * dx, cfg.lx_km, True).reshape(a.size, b.size)
        return np.exp(-((d / cfg.lx_km) ** 2)).reshape(a.size, b.size)

    def cov(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        dt = a[:, 0, None] - b[None, :, 0]
        space = axis(a[:, 1], b[:, 1], ny) * axis(a[:, 2], b[:, 2], nx)
        return cfg.sigma_b**2 * np.exp(-((dt / cfg.lt_days) ** 2)) * space

    po = pts[sel]
    hbht = cov(po, po) + cfg.sigma_o**2 * np.eye(po.shape[0])
    from scipy.linalg import cho_factor, cho_solve

    w = cho_solve(cho_factor(hbht), obs.ravel()[sel].astype(np.float64))
    return (cov(pts, po) @ w).reshape(obs.shape)


def oi_period(obs: np.ndarray, mask: np.ndarray, dx: float, cfg: OIConfig = OIConfig(),
              block: int = 15, periodic: bool = True) -> np.ndarray:
    """Map every day of a long (time, y, x) record, ``block`` days per solve.

    Each block uses the observations from ``halo_days`` before to ``halo_days`` after it.
    """
    nt = obs.shape[0]
    out = np.empty(obs.shape, dtype=np.float32)
    for start in range(0, nt, block):
        stop = min(nt, start + block)
        lo = max(0, start - cfg.halo_days)
        hi = min(nt, stop + cfg.halo_days)
        ana, _ = oi_cg(obs[lo:hi], mask[lo:hi], dx, cfg, periodic)
        out[start:stop] = ana[start - lo: stop - lo]
    return out
