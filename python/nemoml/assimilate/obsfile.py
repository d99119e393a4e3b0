"""The nemoml observation file (netCDF), read by ``nemoml assimilate`` and by the inline path.

Format ``nemoml-obs-1``: one dimension ``obs`` (one entry per along-track measurement) and

====================  =======  ==========================================================
variable              type     meaning
====================  =======  ==========================================================
``time(obs)``         f8       observation time, ``units`` = "days" (same origin as the model)
``x(obs)``            f8       east coordinate, in the units of the model grid (``units``)
``y(obs)``            f8       north coordinate, same units as ``x``
``ssh(obs)``          f4       measured sea-surface height (m), finite
``satellite(obs)``    i2       index into the global attribute ``satellites`` (space separated)
====================  =======  ==========================================================

Global attributes: ``format = "nemoml-obs-1"``, ``satellites``, ``noise_std_m``.
Observations are binned onto the model grid (nearest cell, daily, mean of repeats); a point
outside the grid is an error, never silently dropped.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nemoml.grid._nc import default_mode

FORMAT = "nemoml-obs-1"
_VARS = ("time", "x", "y", "ssh", "satellite")


@dataclass
class ObsPoints:
    """Along-track observations (one entry per measurement)."""

    time: np.ndarray
    x: np.ndarray
    y: np.ndarray
    ssh: np.ndarray
    satellite: np.ndarray
    satellites: tuple[str, ...]
    noise_m: float

    def __len__(self) -> int:
        return int(self.time.size)

    def select(self, keep: np.ndarray) -> ObsPoints:
        return ObsPoints(self.time[keep], self.x[keep], self.y[keep], self.ssh[keep],
                         self.satellite[keep], self.satellites, self.noise_m)


def write_obs(path: str | Path, obs: ObsPoints) -> Path:
    """Write ``obs`` atomically (a temporary file renamed into place)."""
    import netCDF4

    path = Path(path)
    fd, tmp = tempfile.mkstemp(suffix=".nc.tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        with netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
            ds.format = FORMAT
            ds.satellites = " ".join(obs.satellites)
            ds.noise_std_m = float(obs.noise_m)
            ds.createDimension("obs", len(obs))
            specs = {"time": ("f8", "days"), "x": ("f8", "km"), "y": ("f8", "km"),
                     "ssh": ("f4", "m"), "satellite": ("i2", "1")}
            for name, (dtype, units) in specs.items():
                var = ds.createVariable(name, dtype, ("obs",), zlib=True, complevel=4)
                var.units = units
                var[:] = getattr(obs, name)
        os.chmod(tmp, default_mode())  # not mkstemp's 0600
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_obs(path: str | Path) -> ObsPoints:
    """Read and check an observation file; errors name the file and the variable."""
    import netCDF4

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"observation file not found: {path}")
    try:
        ds = netCDF4.Dataset(path)
    except OSError as err:
        raise ValueError(f"{path}: not a readable netCDF file ({err})") from err
    with ds:
        if getattr(ds, "format", None) != FORMAT:
            raise ValueError(f"{path}: global attribute format is not '{FORMAT}'")
        cols = {}
        for name in _VARS:
            if name not in ds.variables:
                raise KeyError(f"{path}: variable '{name}' is missing")
            cols[name] = np.ma.filled(ds[name][:], np.nan if name != "satellite" else -1)
        names = tuple(str(ds.satellites).split())
        noise = float(ds.noise_std_m)
    sizes = {v.size for v in cols.values()}
    if len(sizes) != 1:
        raise ValueError(f"{path}: variables {_VARS} differ in length")
    for name in ("time", "x", "y", "ssh"):
        bad = ~np.isfinite(cols[name])
        if bad.any():
            raise ValueError(f"{path}: variable '{name}' has {int(bad.sum())} non-finite "
                             f"values (first at obs index {int(np.flatnonzero(bad)[0])})")
    if ((cols["satellite"] < 0) | (cols["satellite"] >= len(names))).any():
        raise ValueError(f"{path}: variable 'satellite' indexes beyond attribute 'satellites'")
    return ObsPoints(cols["time"].astype(np.float64), cols["x"].astype(np.float64),
                     cols["y"].astype(np.float64), cols["ssh"].astype(np.float32),
                     cols["satellite"].astype(np.int16), names, noise)


def grid_obs(obs: ObsPoints, x: np.ndarray, y: np.ndarray, day0: float, n_days: int,
             source: str = "observations") -> tuple[np.ndarray, np.ndarray]:
    """Bin the observations of days [day0, day0 + n_days) onto a regular grid.

    Returns
    -------
    values : (n_days, ny, nx) float32, NaN where nothing was observed
    mask : (n_days, ny, nx) bool

    Raises
    ------
    ValueError
        An empty window (no observation at all) or a point outside the grid.
    """
    if n_days < 1:
        raise ValueError(f"{source}: empty window ({n_days} days)")
    dx = float(x[1] - x[0])
    dy = float(y[1] - y[0])
    keep = (obs.time >= day0) & (obs.time < day0 + n_days)
    if not keep.any():
        raise ValueError(f"{source}: no observation in the window of days "
                         f"[{day0}, {day0 + n_days})")
    sel = obs.select(keep)
    ix = np.floor((sel.x - (x[0] - dx / 2)) / dx).astype(np.int64)
    iy = np.floor((sel.y - (y[0] - dy / 2)) / dy).astype(np.int64)
    out = (ix < 0) | (ix >= x.size) | (iy < 0) | (iy >= y.size)
    if out.any():
        k = int(np.flatnonzero(out)[0])
        raise ValueError(f"{source}: {int(out.sum())} observations lie outside the model grid "
                         f"(first at x={sel.x[k]:.3f}, y={sel.y[k]:.3f}, time={sel.time[k]:.3f}; "
                         f"grid x [{x[0] - dx / 2}, {x[-1] + dx / 2}), "
                         f"y [{y[0] - dy / 2}, {y[-1] + dy / 2}))")
    it = np.floor(sel.time - day0).astype(np.int64)
    flat = np.ravel_multi_index((it, iy, ix), (n_days, y.size, x.size))
    total = np.bincount(flat, weights=sel.ssh, minlength=n_days * y.size * x.size)
    count = np.bincount(flat, minlength=n_days * y.size * x.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = (total / count).reshape(n_days, y.size, x.size).astype(np.float32)
    return values, count.reshape(values.shape) > 0
