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

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nemoml.base.files import atomic_path

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
    with atomic_path(path) as tmp, netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
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
    return path


def _columns(path: str | Path, fmt: str, names: tuple[str, ...], ints: tuple[str, ...]
             ) -> tuple[Path, dict, dict]:
    """The columns ``names`` of an observation file of format ``fmt`` and its global
    attributes; integer columns ``ints`` fill with -1, the others with NaN."""
    import netCDF4

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"observation file not found: {path}")
    try:
        ds = netCDF4.Dataset(path)
    except OSError as err:
        raise ValueError(f"{path}: not a readable netCDF file ({err})") from err
    with ds:
        if getattr(ds, "format", None) != fmt:
            raise ValueError(f"{path}: global attribute format is not '{fmt}'")
        cols = {}
        for name in names:
            if name not in ds.variables:
                raise KeyError(f"{path}: variable '{name}' is missing")
            cols[name] = np.ma.filled(ds[name][:], -1 if name in ints else np.nan)
        attrs = {k: ds.getncattr(k) for k in ds.ncattrs()}
    if len({v.size for v in cols.values()}) != 1:
        raise ValueError(f"{path}: variables {names} differ in length")
    for name in (n for n in names if n not in ints):
        bad = ~np.isfinite(cols[name])
        if bad.any():
            raise ValueError(f"{path}: variable '{name}' has {int(bad.sum())} non-finite "
                             f"values (first at obs index {int(np.flatnonzero(bad)[0])})")
    return path, cols, attrs


def read_obs(path: str | Path) -> ObsPoints:
    """Read and check an observation file; errors name the file and the variable."""
    path, cols, attrs = _columns(path, FORMAT, _VARS, ("satellite",))
    names = tuple(str(attrs["satellites"]).split())
    if ((cols["satellite"] < 0) | (cols["satellite"] >= len(names))).any():
        raise ValueError(f"{path}: variable 'satellite' indexes beyond attribute 'satellites'")
    return ObsPoints(cols["time"].astype(np.float64), cols["x"].astype(np.float64),
                     cols["y"].astype(np.float64), cols["ssh"].astype(np.float32),
                     cols["satellite"].astype(np.int16), names, float(attrs["noise_std_m"]))


def grid_points(obs: ObsPoints, x: np.ndarray, y: np.ndarray, day0: float, n_days: int,
                source: str = "observations") -> tuple[np.ndarray, ...]:
    """The cells of the observations of days [day0, day0 + n_days) on a regular grid.

    Returns
    -------
    index, day, iy, ix : (n,) int64
        Position in ``obs`` of each observation of the window, its day in the window and cell.

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
    return np.flatnonzero(keep), it, iy, ix


def grid_obs(obs: ObsPoints, x: np.ndarray, y: np.ndarray, day0: float, n_days: int,
             source: str = "observations", keep: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Bin the observations of days [day0, day0 + n_days) onto a regular grid.

    ``keep`` (bool, one per observation of ``obs``) leaves out those it marks False (the
    background check's rejections); every observation is still checked for its position.

    Returns
    -------
    values : (n_days, ny, nx) float32, NaN where nothing was observed
    mask : (n_days, ny, nx) bool

    Raises
    ------
    ValueError
        An empty window (no observation at all) or a point outside the grid.
    """
    index, it, iy, ix = grid_points(obs, x, y, day0, n_days, source)
    ssh = obs.ssh[index]
    if keep is not None:
        k = np.asarray(keep, bool)[index]
        it, iy, ix, ssh = it[k], iy[k], ix[k], ssh[k]
    flat = np.ravel_multi_index((it, iy, ix), (n_days, y.size, x.size))
    total = np.bincount(flat, weights=ssh, minlength=n_days * y.size * x.size)
    count = np.bincount(flat, minlength=n_days * y.size * x.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = (total / count).reshape(n_days, y.size, x.size).astype(np.float32)
    return values, count.reshape(values.shape) > 0


# -- format nemoml-obs-2: several variables, lon/lat, depth -----------------------------------
FORMAT_3D = "nemoml-obs-2"
_VARS_3D = ("time", "lon", "lat", "depth", "value", "noise", "variable", "platform")
VARIABLES = ("SSH", "T", "S")  # what the 3D solvers know; SST is T at depth 0
_SPECS_3D = {"time": ("f8", "days"), "lon": ("f8", "degrees_east"),
             "lat": ("f8", "degrees_north"), "depth": ("f4", "m"), "value": ("f4", "1"),
             "noise": ("f4", "1"), "variable": ("i2", "1"), "platform": ("i2", "1")}


@dataclass
class ObsSet:
    """Observations of several variables (``nemoml-obs-2``): one entry per measurement.

    ``variable`` indexes ``variables`` (e.g. "SSH T S"), ``platform`` indexes ``platforms``
    (satellites, "sst", "argo"); ``noise`` is each measurement's error std in the variable's
    units; ``depth`` is 0 for surface measurements.
    """

    time: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    depth: np.ndarray
    value: np.ndarray
    noise: np.ndarray
    variable: np.ndarray
    platform: np.ndarray
    variables: tuple[str, ...]
    platforms: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.time.size)

    def select(self, keep: np.ndarray) -> ObsSet:
        cols = {k: getattr(self, k)[keep] for k in _VARS_3D}
        return ObsSet(**cols, variables=self.variables, platforms=self.platforms)

    @classmethod
    def concat(cls, parts: list[ObsSet]) -> ObsSet:
        """Join sets, re-indexing variables and platforms onto the union of their names."""
        variables = tuple(dict.fromkeys(v for p in parts for v in p.variables))
        platforms = tuple(dict.fromkeys(v for p in parts for v in p.platforms))
        cols = {k: [] for k in _VARS_3D}
        for p in parts:
            for k in _VARS_3D[:6]:
                cols[k].append(getattr(p, k))
            vmap = np.array([variables.index(v) for v in p.variables], dtype=np.int16)
            pmap = np.array([platforms.index(v) for v in p.platforms], dtype=np.int16)
            cols["variable"].append(vmap[p.variable] if len(p) else p.variable)
            cols["platform"].append(pmap[p.platform] if len(p) else p.platform)
        cat = {k: np.concatenate(v) for k, v in cols.items()}
        return cls(**cat, variables=variables, platforms=platforms)


def write_obs_set(path: str | Path, obs: ObsSet) -> Path:
    """Write ``obs`` atomically as ``nemoml-obs-2``."""
    import netCDF4

    path = Path(path)
    with atomic_path(path) as tmp, netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
        ds.format = FORMAT_3D
        ds.variables_observed = " ".join(obs.variables)
        ds.platforms = " ".join(obs.platforms)
        ds.createDimension("obs", len(obs))
        for name, (dtype, units) in _SPECS_3D.items():
            var = ds.createVariable(name, dtype, ("obs",), zlib=True, complevel=4)
            var.units = units
            var[:] = getattr(obs, name)
    return path


def read_obs_set(path: str | Path) -> ObsSet:
    """Read and check a ``nemoml-obs-2`` file; errors name the file, variable and obs index."""
    path, cols, attrs = _columns(path, FORMAT_3D, _VARS_3D, ("variable", "platform"))
    variables = tuple(str(attrs["variables_observed"]).split())
    platforms = tuple(str(attrs["platforms"]).split())
    for name, names in (("variable", variables), ("platform", platforms)):
        bad = (cols[name] < 0) | (cols[name] >= len(names))
        if bad.any():
            raise ValueError(f"{path}: variable '{name}' indexes beyond its attribute at obs "
                             f"index {int(np.flatnonzero(bad)[0])}")
    if (cols["noise"] <= 0).any():
        k = int(np.flatnonzero(cols["noise"] <= 0)[0])
        raise ValueError(f"{path}: variable 'noise' must be > 0 (obs index {k})")
    return ObsSet(cols["time"].astype(np.float64), cols["lon"].astype(np.float64),
                  cols["lat"].astype(np.float64), cols["depth"].astype(np.float32),
                  cols["value"].astype(np.float32), cols["noise"].astype(np.float32),
                  cols["variable"].astype(np.int16), cols["platform"].astype(np.int16),
                  variables, platforms)
