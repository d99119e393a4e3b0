"""An ocean grid for the observation operators: T-point lon/lat, land mask and levels.

Works on any NEMO grid (curvilinear, rotated, land-masked): a point is put in the T cell whose
centre is nearest on the sphere (a k-d tree on unit vectors), and it is *outside the grid* when
that centre is farther than the cell's half-diagonal (from ``e1t``, ``e2t``). A depth is put in
the level whose W interfaces bracket it. Nothing assumes lon constant along j or lat along i.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

EARTH_KM = 6371.0


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


@dataclass
class OceanGrid:
    """Global T grid of one configuration, (z, y, x) order as NEMO's global arrays."""

    lon: np.ndarray  # (y, x) glamt, degrees
    lat: np.ndarray  # (y, x) gphit
    tmask: np.ndarray  # (z, y, x) bool
    gdept: np.ndarray  # (z,) m
    gdepw: np.ndarray  # (z,) m, top interface of each level
    e3t: np.ndarray  # (z,) m
    area: np.ndarray  # (y, x) m2
    source: str = "<arrays>"

    @classmethod
    def from_mesh_mask(cls, path) -> OceanGrid:
        from nemoml.grid import Grid

        g = Grid.from_mesh_mask(path)
        return cls.from_grid(g, str(path))

    @classmethod
    def from_grid(cls, g, source: str) -> OceanGrid:
        for name in ("glamt", "gphit", "e1t", "e2t"):
            if getattr(g, name) is None:
                raise KeyError(f"{source}: the grid has no {name!r}")
        gdepw = g.gdepw_1d if g.gdepw_1d is not None else np.concatenate(
            [[0.0], np.cumsum(g.e3t_1d)[:-1]])
        return cls(np.asarray(g.glamt, float), np.asarray(g.gphit, float), g.tmask.astype(bool),
                   np.asarray(g.gdept_1d, float), np.asarray(gdepw, float),
                   np.asarray(g.e3t_1d, float), np.asarray(g.e1t * g.e2t, float), source)

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.tmask.shape)

    @cached_property
    def _tree(self):
        from scipy.spatial import cKDTree

        return cKDTree(unit_vectors(self.lon, self.lat).reshape(-1, 3))

    @cached_property
    def _half_diag_km(self) -> np.ndarray:
        # the cell's half-diagonal, from its area (e1t e2t) for a near-square cell
        return np.sqrt(2.0 * self.area).ravel() / 2e3 * 1.05

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray]:
        """(j, i) of the nearest T cell and whether the point lies inside it."""
        dist, flat = self._tree.query(unit_vectors(np.asarray(lon), np.asarray(lat)))
        inside = dist * EARTH_KM <= self._half_diag_km[flat]
        j, i = np.unravel_index(flat, self.lon.shape)
        return j, i, inside

    def level_of(self, depth: np.ndarray) -> np.ndarray:
        """Level index whose W interfaces bracket ``depth``; -1 below the deepest level."""
        bottom = self.gdepw[-1] + self.e3t[-1]
        k = np.searchsorted(self.gdepw, np.asarray(depth), side="right") - 1
        return np.where((np.asarray(depth) >= 0) & (np.asarray(depth) < bottom), k, -1)

    @cached_property
    def ocean_levels(self) -> np.ndarray:
        return np.flatnonzero(self.tmask.any(axis=(1, 2)))

    def volume(self) -> np.ndarray:
        """(z, y, x) T-cell volumes on ocean points (0 on land), m3."""
        return self.e3t[:, None, None] * self.area[None] * self.tmask

    def local_km(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """East/north km in the tangent plane at the grid's centre (track geometry)."""
        lon0, lat0 = self.centre
        x = (np.asarray(lon) - lon0) * np.cos(np.radians(lat0)) * np.pi / 180 * EARTH_KM
        y = (np.asarray(lat) - lat0) * np.pi / 180 * EARTH_KM
        return x, y

    def from_local_km(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon0, lat0 = self.centre
        lat = lat0 + np.asarray(y) / EARTH_KM * 180 / np.pi
        lon = lon0 + np.asarray(x) / EARTH_KM * 180 / np.pi / np.cos(np.radians(lat0))
        return lon, lat

    @cached_property
    def centre(self) -> tuple[float, float]:
        m = self.tmask[0]
        return float(self.lon[m].mean()), float(self.lat[m].mean())

    def distance_km(self, lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
        """Great-circle distances between every a (rows) and every b (columns)."""
        ua = unit_vectors(np.asarray(lon_a), np.asarray(lat_a)).reshape(-1, 3)
        ub = unit_vectors(np.asarray(lon_b), np.asarray(lat_b)).reshape(-1, 3)
        return np.arccos(np.clip(ua @ ub.T, -1.0, 1.0)) * EARTH_KM


def area_from_lonlat(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """T-cell areas (m2) from the distances to the neighbouring T points (when e1t, e2t are not
    passed): centred differences inside, one-sided at the edges."""
    def spacing(axis: int) -> np.ndarray:
        u = unit_vectors(lon, lat)
        d = np.arccos(np.clip((np.diff(u, axis=axis) ** 2).sum(-1) * -0.5 + 1, -1, 1)) * EARTH_KM
        first = np.take(d, [0], axis=axis)
        last = np.take(d, [-1], axis=axis)
        padded = np.concatenate([first, d, last], axis=axis)
        lo = np.take(padded, range(padded.shape[axis] - 1), axis=axis)
        hi = np.take(padded, range(1, padded.shape[axis]), axis=axis)
        return (lo + hi) / 2 * 1e3

    return spacing(1) * spacing(0)
