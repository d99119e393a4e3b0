"""Velocities in geostrophic and hydrostatic balance with a state (``cn_nemoml_uv =
'thermal_wind'``), on NEMO's C grid.

The pressure per unit mass at T points is NEMO's own (``dynhpg`` z-coordinate form plus the
surface pressure gradient): ``P_1 = g ssh + g/2 e3w_1 rhd_1`` and ``P_k = P_(k-1) + g/2
e3w_k (rhd_k + rhd_(k-1))``, with ``rhd`` the in-situ density anomaly of the model's EOS
(``nemoml.eos``) at the T depths. Its gradients live where NEMO computes them (dP/dx at U
points, dP/dy at V points); geostrophy ``f k x u = -grad P`` needs each at the other point, so
they are averaged over the four neighbouring wet faces, as NEMO's Coriolis term averages
velocities. The surface geostrophic flow (from SSH) and the thermal-wind shear (from the
density gradient) are thus one field; velocities are 0 on land faces (no flow through land) and
NEMO's barotropic ``uu_b, vv_b`` are their thickness-weighted depth means (``barotropic``).

Near the equator geostrophy fails and 1/f blows up: the velocities are tapered smoothly to 0
between 5 and 2.5 degrees of latitude (by |f| against f at those latitudes, so an f- or
beta-plane is handled by its own f) and f is bounded away from 0 before dividing, so the
result is finite for any f, also f = 0.
"""

from __future__ import annotations

import numpy as np

from nemoml.grid import Grid

GRAV = 9.80665  # NEMO's grav
OMEGA = 7.292115e-5  # Earth's rotation rate (rad/s), NEMO's omega
TAPER_LAT = (2.5, 5.0)  # degrees: no flow equatorward of the first, full balance beyond the second


def coriolis(grid: Grid, ff_t: np.ndarray | None = None) -> np.ndarray:
    """f at T points: the host's ``ff_t`` (GYRE's beta plane) or ``2 Omega sin(gphit)``."""
    if ff_t is not None:
        return np.asarray(ff_t, np.float64)
    if grid.gphit is None:
        raise ValueError("thermal-wind velocities need f: pass ff_t or a grid with gphit")
    return 2 * OMEGA * np.sin(np.deg2rad(grid.gphit))


def pressure(rhd: np.ndarray, ssh: np.ndarray, e3w: np.ndarray) -> np.ndarray:
    """Hydrostatic pressure per unit mass (m2/s2) at T points, NEMO's hpg_zco + spg form.

    ``e3w`` (z, y, x) with NEMO's ``e3w_1 = 2 gdept_1``; ``rhd`` 0 on land.
    """
    p = np.empty_like(rhd)
    p[0] = GRAV * ssh + 0.5 * GRAV * e3w[0] * rhd[0]
    for k in range(1, len(rhd)):
        p[k] = p[k - 1] + 0.5 * GRAV * e3w[k] * (rhd[k] + rhd[k - 1])
    return p


def _shift(a: np.ndarray, dj: int, di: int) -> np.ndarray:
    """``a[..., j + dj, i + di]`` with zeros beyond the edges."""
    out = np.zeros_like(a)
    ny, nx = a.shape[-2:]
    dst_j = slice(max(-dj, 0), ny - max(dj, 0))
    src_j = slice(max(dj, 0), ny - max(-dj, 0))
    dst_i = slice(max(-di, 0), nx - max(di, 0))
    src_i = slice(max(di, 0), nx - max(-di, 0))
    out[..., dst_j, dst_i] = a[..., src_j, src_i]
    return out


def _average(values: np.ndarray, mask: np.ndarray, offsets) -> np.ndarray:
    """Mean over the wet points among four neighbours (0 where none is wet)."""
    total = sum(_shift(values * mask, dj, di) for dj, di in offsets)
    count = sum(_shift(mask.astype(np.float64), dj, di) for dj, di in offsets)
    return np.divide(total, count, out=np.zeros_like(total), where=count > 0)


def _face_sizes(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """e1u and e2v: the mesh's, else the mean of the two T cells they join."""
    e1u = grid.e1u if grid.e1u is not None else 0.5 * (grid.e1t + _shift(grid.e1t, 0, 1))
    e2v = grid.e2v if grid.e2v is not None else 0.5 * (grid.e2t + _shift(grid.e2t, 1, 0))
    return np.where(e1u > 0, e1u, grid.e1t), np.where(e2v > 0, e2v, grid.e2t)


def taper(f: np.ndarray) -> np.ndarray:
    """0 where |f| < f(2.5 deg), 1 where |f| > f(5 deg), a smooth step between."""
    lo, hi = (2 * OMEGA * np.sin(np.deg2rad(lat)) for lat in TAPER_LAT)
    x = np.clip((np.abs(f) - lo) / (hi - lo), 0.0, 1.0)
    return x * x * (3 - 2 * x)


def geostrophic(p: np.ndarray, grid: Grid, f_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(U, V) with ``f v = dP/dx`` and ``f u = -dP/dy`` on the C grid, 0 on land faces."""
    um, vm = grid.umask, grid.vmask
    e1u, e2v = _face_sizes(grid)
    gx = (_shift(p, 0, 1) - p) / e1u * um  # at U points
    gy = (_shift(p, 1, 0) - p) / e2v * vm  # at V points
    f_u = 0.5 * (f_t + _shift(f_t, 0, 1))
    f_v = 0.5 * (f_t + _shift(f_t, 1, 0))
    f_min = 2 * OMEGA * np.sin(np.deg2rad(TAPER_LAT[0]))
    # U(j, i) sits between V(j-1, i), V(j-1, i+1), V(j, i), V(j, i+1); V(j, i) between
    # U(j, i-1), U(j, i), U(j+1, i-1), U(j+1, i)
    gy_u = _average(gy, vm, ((-1, 0), (-1, 1), (0, 0), (0, 1)))
    gx_v = _average(gx, um, ((0, -1), (0, 0), (1, -1), (1, 0)))
    u = -taper(f_u) * gy_u / _bounded(f_u, f_min) * um
    v = taper(f_v) * gx_v / _bounded(f_v, f_min) * vm
    return u, v


def _bounded(f: np.ndarray, f_min: float) -> np.ndarray:
    return np.where(f >= 0, 1.0, -1.0) * np.maximum(np.abs(f), f_min)


def thermal_wind(temp, sal, ssh, grid: Grid, eos, ff_t: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Balanced (U, V) for T, S (z, y, x) and SSH (y, x) with the model's EOS.

    Parameters
    ----------
    grid : Grid
        Masks, depths and ``e1t, e2t`` (``e1u, e2v`` when the mesh has them); ``gphit``
        unless ``ff_t`` is given.
    eos : nemoml.eos.EOS or str
        The model's own equation of state (``&nameos``).
    ff_t : array, optional
        The host's Coriolis parameter at T points (GYRE runs on a beta plane).
    """
    from nemoml import eos as eos_mod

    model = eos_mod.EOS(eos) if isinstance(eos, str) else eos
    tm = grid.tmask
    temp = np.asarray(temp, np.float64) * tm
    sal = np.asarray(sal, np.float64) * tm
    depth = np.ascontiguousarray(grid.depth_t, dtype=np.float64)
    rhd = np.asarray(eos_mod.rhd(temp, sal, depth, model, mask=tm.astype(np.float64)))
    p = pressure(rhd * tm, np.asarray(ssh, np.float64) * tm[0], _e3w(grid))
    return geostrophic(p, grid, coriolis(grid, ff_t))


def _e3w(grid: Grid) -> np.ndarray:
    if grid.e3w is not None:
        return grid.e3w
    if grid.e3w_1d is not None:
        return np.broadcast_to(grid.e3w_1d[:, None, None], grid.shape)
    # NEMO's definition from the T depths: e3w_1 = 2 gdept_1, e3w_k = gdept_k - gdept_(k-1)
    d = grid.gdept_1d
    return np.broadcast_to(np.diff(d, prepend=-d[0])[:, None, None], grid.shape)
