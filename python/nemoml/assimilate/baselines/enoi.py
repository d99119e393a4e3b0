"""Ensemble optimal interpolation (EnOI), the static-ensemble baseline for NEMO-class models.

``x_a = x_b + K d``, ``K = (rho o B) H^T (H (rho o B) H^T + R)^-1``, ``B = alpha A A^T / (N-1)``
with ``A`` the ensemble anomalies (T and S on every level, SSH: a multivariate B) and ``rho``
a Gaspari-Cohn taper of horizontal distance (half-width ``radius_km``; no vertical or
cross-variable localisation, the members' own vertical and T-S-SSH structure is kept).

The window's observations are super-obbed per model cell: the innovation of each measurement
against the background of its own day, averaged over the window (error variance of the mean),
so one static analysis uses the whole window; the increment is the same on every day (the
background errors it corrects persist over a 10-day window). The obs-space system is solved
densely (Cholesky); :func:`dense_analysis` forms the full ``rho o B`` for checks on small
cases.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from nemoml.assimilate.obs.binning import Binned
from nemoml.assimilate.obs.ocean_grid import OceanGrid


@dataclass(frozen=True)
class EnOIConfig:
    radius_km: float = 1000.0  # Gaspari-Cohn half-width: correlation 0 beyond twice this
    alpha: float = 1.0  # B scaling

    def to_dict(self) -> dict:
        return asdict(self)


def gaspari_cohn(dist: np.ndarray, c: float) -> np.ndarray:
    """Gaspari and Cohn (1999) fifth-order compactly supported taper, 0 beyond ``2 c``."""
    r = np.abs(dist) / c
    out = np.zeros_like(r, dtype=np.float64)
    a = r <= 1
    b = (r > 1) & (r < 2)
    ra = r[a]
    out[a] = -0.25 * ra**5 + 0.5 * ra**4 + 0.625 * ra**3 - 5 / 3 * ra**2 + 1
    rb = r[b]
    out[b] = (rb**5 / 12 - 0.5 * rb**4 + 0.625 * rb**3 + 5 / 3 * rb**2 - 5 * rb + 4
              - 2 / (3 * rb))
    return out


@dataclass
class SuperObs:
    """Window super-observations: state-vector index, column, innovation, error variance."""

    index: np.ndarray
    column: np.ndarray
    innovation: np.ndarray
    variance: np.ndarray


class EnOI:
    """EnOI on one grid with a fixed ensemble of anomalies ``members`` ({T, S, SSH} arrays)."""

    def __init__(self, grid: OceanGrid, members: dict, cfg: EnOIConfig = EnOIConfig()):
        self.grid = grid
        self.cfg = cfg
        nz, ny, nx = grid.shape
        self.cols = np.flatnonzero(grid.tmask.any(axis=0).ravel())  # water columns
        self.nz = nz
        n = members["T"].shape[0]
        if n < 2:
            raise ValueError(f"EnOI needs at least 2 members, got {n}")
        # state vector per member: [T (z, col), S (z, col), SSH (col)]
        parts = [members[v].reshape(n, nz, ny * nx)[:, :, self.cols].reshape(n, -1)
                 for v in ("T", "S")]
        parts.append(members["SSH"].reshape(n, ny * nx)[:, self.cols])
        self.A = np.concatenate(parts, axis=1).astype(np.float64)
        self.A -= self.A.mean(axis=0)
        self.A *= np.sqrt(cfg.alpha / (n - 1))
        self.n_col = self.cols.size
        lon = grid.lon.ravel()[self.cols]
        lat = grid.lat.ravel()[self.cols]
        self.rho = gaspari_cohn(grid.distance_km(lon, lat, lon, lat), cfg.radius_km)
        self.offset = {"T": 0, "S": nz * self.n_col, "SSH": 2 * nz * self.n_col}
        # the ensemble's own variance (diag(B) / alpha) at each state point, for the
        # observations' background check: alpha tunes the gain of cycled windows, while the
        # check must admit the uncycled errors the ensemble's members sample
        self.variance = (self.A**2).sum(axis=0) / cfg.alpha

    def background_variance(self, names: np.ndarray, level: np.ndarray, j: np.ndarray,
                            i: np.ndarray) -> np.ndarray:
        """The ensemble's variance (``diag(B) / alpha``) at each observation (variable name,
        level, row, column): the background-error spread of the background check (:mod:`qc`)."""
        col = self.column_of(np.asarray(j), np.asarray(i))
        idx = np.array([self.offset[str(n)] for n in names], dtype=np.int64) \
            + np.where(np.asarray(names) == "SSH", 0, np.asarray(level)) * self.n_col + col
        return self.variance[idx]

    def column_of(self, j: np.ndarray, i: np.ndarray) -> np.ndarray:
        flat = j * self.grid.shape[2] + i
        pos = np.searchsorted(self.cols, flat)
        return pos

    def super_obs(self, background: dict, binned: Binned) -> SuperObs:
        """Innovations against the background of each obs day, averaged per cell."""
        idx, col, inn, var = [], [], [], []
        for name, count in binned.count.items():
            bkg = background[name]
            bkg = bkg[:, None] if name == "SSH" else bkg
            n = count.sum(axis=0)
            if not n.any():
                continue
            d = (count * (binned.value[name] - bkg)).sum(axis=0)
            v = (count**2 * binned.noise_var[name]).sum(axis=0)
            k, j, i = np.nonzero(n)
            c = self.column_of(j, i)
            idx.append(self.offset[name] + k * self.n_col + c)
            col.append(c)
            inn.append(d[k, j, i] / n[k, j, i])
            var.append(v[k, j, i] / n[k, j, i] ** 2)
        if not idx:
            raise ValueError("EnOI: the window holds no observation")
        return SuperObs(*(np.concatenate(a) for a in (idx, col, inn, var)))

    def increment_vector(self, so: SuperObs) -> np.ndarray:
        ha = self.A[:, so.index]  # (N, n_obs)
        s = self.rho[np.ix_(so.column, so.column)] * (ha.T @ ha) + np.diag(so.variance)
        w = cho_solve(cho_factor(s), so.innovation)
        g = (ha * w[None]) @ self.rho[so.column]  # (N, n_col): localised weights per column
        reps = self.A.shape[1] // self.n_col + 1
        gfull = np.tile(g, reps)[:, : self.A.shape[1]]
        return (self.A * gfull).sum(axis=0)

    def unpack(self, vec: np.ndarray) -> dict:
        nz, ny, nx = self.grid.shape
        out = {}
        for name in ("T", "S"):
            full = np.zeros((nz, ny * nx))
            o = self.offset[name]
            full[:, self.cols] = vec[o: o + nz * self.n_col].reshape(nz, self.n_col)
            out[name] = full.reshape(nz, ny, nx) * self.grid.tmask
        ssh = np.zeros(ny * nx)
        ssh[self.cols] = vec[self.offset["SSH"]:]
        out["SSH"] = ssh.reshape(ny, nx) * self.grid.tmask[0]
        return out

    def increment(self, background: dict, binned: Binned) -> dict:
        """The analysis increment {T, S, SSH} (one state) from a window's background/obs."""
        return self.unpack(self.increment_vector(self.super_obs(background, binned)))


def dense_analysis(enoi: EnOI, so: SuperObs) -> np.ndarray:
    """``rho o B H^T (H rho o B H^T + R)^-1 d`` with the full state-space ``rho o B`` formed."""
    b = enoi.A.T @ enoi.A
    reps = enoi.A.shape[1] // enoi.n_col + 1
    col = np.tile(np.arange(enoi.n_col), reps)[: enoi.A.shape[1]]
    b *= enoi.rho[np.ix_(col, col)]
    h = np.zeros((so.index.size, b.shape[0]))
    h[np.arange(so.index.size), so.index] = 1.0
    s = h @ b @ h.T + np.diag(so.variance)
    return b @ h.T @ np.linalg.solve(s, so.innovation)
