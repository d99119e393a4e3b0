"""Observation simulators on any NEMO grid: nadir SSH along lon/lat tracks, daily SST, Argo T/S.

Inputs are daily truth fields on the grid's T points, (day, y, x) for SSH and (day, z, y, x)
for T and S, with their ``days`` (model days of each field). Outputs are :class:`ObsSet`\\ s of
the ``nemoml-obs-2`` format.

- **Nadir**: the DC-2020a four-nadir constellation (``nadir.FOUR_NADIRS``: repeat cycles and
  angles of the real orbits). Each pass is a straight line in the tangent plane at the grid's
  centre (east/north km, hence on lon/lat, not on grid lines), at the satellite's angle from
  north, alternately ascending and descending; passes per day scale with the basin's width
  (``passes_per_day`` is per 1000 km); points every ``spacing_km``. The value is the day's SSH
  linearly interpolated between ocean T points (a Delaunay triangulation on lon/lat) plus white
  noise; points that do not fall in an ocean cell are not kept.
- **SST**: every ocean surface cell at its centre, every day, less cloud gaps (a smooth random
  field thresholded to ``cloud_fraction``); T of the top level plus noise.
- **Argo**: ``per_day`` profiles a day at random positions in random ocean cells; T and S of the
  cell on every model level from the surface to ``max_depth`` (2000 m), plus noise.
"""

from __future__ import annotations

import numpy as np

from nemoml.assimilate.obs.nadir import FOUR_NADIRS, Satellite
from nemoml.assimilate.obs.obsfile import ObsSet
from nemoml.assimilate.obs.ocean_grid import OceanGrid


def _set(cols: dict, variables, platforms) -> ObsSet:
    n = len(cols["time"])
    if n == 0:
        z = np.zeros(0)
        return ObsSet(z, z, z, z.astype(np.float32), z.astype(np.float32), z.astype(np.float32),
                      z.astype(np.int16), z.astype(np.int16), tuple(variables), tuple(platforms))
    c = {k: np.concatenate(v) for k, v in cols.items()}
    return ObsSet(c["time"], c["lon"], c["lat"], c["depth"].astype(np.float32),
                  c["value"].astype(np.float32), c["noise"].astype(np.float32),
                  c["variable"].astype(np.int16), c["platform"].astype(np.int16),
                  tuple(variables), tuple(platforms))


def _empty() -> dict:
    return {k: [] for k in ("time", "lon", "lat", "depth", "value", "noise", "variable",
                            "platform")}


def _add(cols, time, lon, lat, depth, value, noise, variable, platform) -> None:
    n = np.size(lon)
    cols["time"].append(np.full(n, time, dtype=np.float64))
    cols["lon"].append(np.asarray(lon, np.float64))
    cols["lat"].append(np.asarray(lat, np.float64))
    cols["depth"].append(np.broadcast_to(depth, (n,)).astype(np.float32))
    cols["value"].append(np.asarray(value, np.float64))
    cols["noise"].append(np.full(n, noise, dtype=np.float32))
    cols["variable"].append(np.full(n, variable, dtype=np.int16))
    cols["platform"].append(np.full(n, platform, dtype=np.int16))


def pass_geometry(grid: OceanGrid, sat: Satellite, p: int, spacing_km: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """lon/lat of pass ``p`` of ``sat``: a straight line across the grid's bounding box."""
    m = grid.tmask[0]
    x, y = grid.local_km(grid.lon[m], grid.lat[m])
    x0, x1, y0, y1 = x.min(), x.max(), y.min(), y.max()
    width = x1 - x0
    theta = np.radians(sat.angle_deg)
    n_cycle = max(2, round(sat.repeat_days * sat.passes_per_day * max(width, 1.0) / 1000.0))
    n_off = max(1, n_cycle // 2)
    stride = next(s for s in range(max(1, n_off // 3), n_off + 1) if np.gcd(s, n_off) == 1)
    j = p % n_cycle
    frac = ((j // 2 * stride) % n_off / n_off + sat.phase) % 1.0
    rise = (y1 - y0) * np.tan(theta)  # east-west extent of one pass
    along = np.arange(0.0, (y1 - y0) / np.cos(theta) + spacing_km, spacing_km)
    yy = y0 + along * np.cos(theta)
    if j % 2 == 0:  # ascending, heading north-east: may enter through the west side
        xx = x0 - rise + frac * (width + rise) + along * np.sin(theta)
    else:  # descending the other way: heading north-west
        xx = x0 + frac * (width + rise) - along * np.sin(theta)
    return grid.from_local_km(xx, yy)


def passes_per_day(grid: OceanGrid, sat: Satellite) -> float:
    m = grid.tmask[0]
    x, _ = grid.local_km(grid.lon[m], grid.lat[m])
    return sat.passes_per_day * max(float(x.max() - x.min()), 1.0) / 1000.0


def nadir(grid: OceanGrid, ssh: np.ndarray, days: np.ndarray,
          satellites: tuple[Satellite, ...] = FOUR_NADIRS, noise_m: float = 0.02,
          spacing_km: float = 7.0, seed: int = 0) -> ObsSet:
    """Along-track SSH of ``satellites`` over the days of ``ssh`` (day, y, x)."""
    from scipy.interpolate import LinearNDInterpolator
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(seed)
    m = grid.tmask[0]
    tri = Delaunay(np.stack(grid.local_km(grid.lon[m], grid.lat[m]), axis=1))
    cols = _empty()
    for sid, sat in enumerate(satellites):
        ppd = passes_per_day(grid, sat)
        for d, day in enumerate(days):
            for p in range(int(np.ceil(day * ppd)), int(np.ceil((day + 1) * ppd))):
                lon, lat = pass_geometry(grid, sat, p, spacing_km)
                jj, ii, inside = grid.locate(lon, lat)
                ok = inside & m[jj, ii]
                if not ok.any():
                    continue
                lon, lat = lon[ok], lat[ok]
                val = LinearNDInterpolator(tri, ssh[d][m])(np.stack(grid.local_km(lon, lat), 1))
                keep = np.isfinite(val)  # outside the hull of ocean centres: not interpolable
                val = val[keep] + noise_m * rng.standard_normal(int(keep.sum()))
                _add(cols, p / ppd, lon[keep], lat[keep], 0.0, val, noise_m, 0, sid)
    return _set(cols, ("SSH",), tuple(s.name for s in satellites))


def cloud_mask(shape: tuple[int, int], fraction: float, rng: np.random.Generator,
               scale_px: float = 2.0) -> np.ndarray:
    """True where clear: a smooth random field thresholded at its ``fraction`` quantile."""
    from scipy.ndimage import gaussian_filter

    if fraction <= 0:
        return np.ones(shape, bool)
    f = gaussian_filter(rng.standard_normal(shape), scale_px, mode="nearest")
    return f > np.quantile(f, fraction)


def sst(grid: OceanGrid, temp: np.ndarray, days: np.ndarray, noise: float = 0.2,
        cloud_fraction: float = 0.0, seed: int = 0) -> ObsSet:
    """Daily SST on every clear ocean surface cell (``temp`` is (day, z, y, x) or (day, y, x))."""
    rng = np.random.default_rng(seed)
    top = temp[:, 0] if temp.ndim == 4 else temp
    cols = _empty()
    for d, day in enumerate(days):
        m = grid.tmask[0] & cloud_mask(top.shape[1:], cloud_fraction, rng)
        val = top[d][m] + noise * rng.standard_normal(int(m.sum()))
        _add(cols, day + 0.5, grid.lon[m], grid.lat[m], 0.0, val, noise, 0, 0)
    return _set(cols, ("T",), ("sst",))


def argo(grid: OceanGrid, temp: np.ndarray, salt: np.ndarray, days: np.ndarray,
         per_day: int = 5, max_depth: float = 2000.0, noise_t: float = 0.01,
         noise_s: float = 0.005, seed: int = 0) -> ObsSet:
    """``per_day`` T/S profiles a day on the model levels from the surface to ``max_depth``."""
    rng = np.random.default_rng(seed)
    jj, ii = np.nonzero(grid.tmask[0])
    cols = _empty()
    for d, day in enumerate(days):
        for _ in range(per_day):
            c = int(rng.integers(jj.size))
            j, i = jj[c], ii[c]
            # a random position inside the cell: up to a third of the way to each neighbour
            jn = np.clip(j + rng.uniform(-1, 1) / 3, 0, grid.lon.shape[0] - 1)
            inn = np.clip(i + rng.uniform(-1, 1) / 3, 0, grid.lon.shape[1] - 1)
            lon = _bilin(grid.lon, jn, inn)
            lat = _bilin(grid.lat, jn, inn)
            lev = np.flatnonzero((grid.gdept <= max_depth) & grid.tmask[:, j, i])
            t = day + float(rng.uniform(0, 1))
            for vid, (field, noise) in enumerate(((temp, noise_t), (salt, noise_s))):
                val = field[d, lev, j, i] + noise * rng.standard_normal(lev.size)
                _add(cols, t, np.full(lev.size, lon), np.full(lev.size, lat), grid.gdept[lev],
                     val, noise, vid, 0)
    return _set(cols, ("T", "S"), ("argo",))


def _bilin(a: np.ndarray, fj: float, fi: float) -> float:
    j0, i0 = min(int(fj), a.shape[0] - 2), min(int(fi), a.shape[1] - 2)
    wj, wi = fj - j0, fi - i0
    return float((1 - wj) * ((1 - wi) * a[j0, i0] + wi * a[j0, i0 + 1])
                 + wj * ((1 - wi) * a[j0 + 1, i0] + wi * a[j0 + 1, i0 + 1]))


def simulate_all(grid: OceanGrid, ssh, temp, salt, days, argo_per_day: int = 5,
                 cloud_fraction: float = 0.3, seed: int = 0,
                 spacing_km: float = 7.0) -> ObsSet:
    """The full observing system: four nadirs, daily SST, Argo; one seed for all."""
    return ObsSet.concat([
        nadir(grid, ssh, days, spacing_km=spacing_km, seed=seed),
        sst(grid, temp, days, cloud_fraction=cloud_fraction, seed=seed + 1),
        argo(grid, temp, salt, days, per_day=argo_per_day, seed=seed + 2),
    ])
