"""Observations of a window placed on a NEMO grid (cell, level, day) and binned per cell: what
the 3D solvers, EnOI and the background check read. Points outside the grid, below the
deepest level or on land are errors naming the observation, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nemoml.assimilate.obs.obsfile import VARIABLES, ObsSet


@dataclass
class Binned:
    """Observations of a window on the model grid, per variable: (n_days, levels, ny, nx).

    ``value`` is the mean of the cell's measurements (0 where none), ``count`` their number and
    ``noise_var`` the error variance of that mean (mean of the variances / count).
    """

    value: dict[str, np.ndarray]
    count: dict[str, np.ndarray]
    noise_var: dict[str, np.ndarray]


@dataclass
class Located:
    """A window's observations placed on the model grid: ``obs`` (the window's, in file order),
    ``index`` (their positions in the set they came from), and each one's ``day`` in the
    window, model ``level`` (0 for SSH), row ``j`` and column ``i``."""

    obs: ObsSet
    index: np.ndarray
    day: np.ndarray
    level: np.ndarray
    j: np.ndarray
    i: np.ndarray
    n_days: int

    def __len__(self) -> int:
        return len(self.obs)

    def names(self) -> np.ndarray:
        """Each observation's variable name."""
        return np.asarray(self.obs.variables, dtype=object)[self.obs.variable]

    def at(self, fields: dict) -> np.ndarray:
        """``fields`` ({T, S: (days, z, y, x), SSH: (days, y, x)}) at each observation,
        float64; NaN for a variable ``fields`` lacks."""
        out = np.full(len(self), np.nan)
        names = self.names()
        for name in self.obs.variables:
            m = names == name
            if not m.any() or name not in fields:
                continue
            a = np.asarray(fields[name])
            idx = (self.day[m], self.j[m], self.i[m]) if name == "SSH" else \
                (self.day[m], self.level[m], self.j[m], self.i[m])
            out[m] = a[idx]
        return out

    def select(self, keep: np.ndarray) -> Located:
        return Located(self.obs.select(keep), self.index[keep], self.day[keep],
                       self.level[keep], self.j[keep], self.i[keep], self.n_days)


def locate_obs(obs: ObsSet, grid, day0: float, n_days: int, source: str = "observations",
               known: tuple[str, ...] = VARIABLES) -> Located:
    """Place the observations of days [day0, day0 + n_days) on ``grid`` (an ``OceanGrid``).

    Raises
    ------
    ValueError
        A variable the model does not know, a point outside the grid, on land or below the
        deepest level, or an empty window; the message names the source, the variable and the
        first offending obs index.
    """
    unknown = [v for v in obs.variables if v not in known]
    if unknown:
        raise ValueError(f"{source}: variable(s) {unknown} unknown to the model (it knows "
                         f"{list(known)})")
    keep = np.flatnonzero((obs.time >= day0) & (obs.time < day0 + n_days))
    if keep.size == 0:
        raise ValueError(f"{source}: no observation in the window of days "
                         f"[{day0:g}, {day0 + n_days:g})")
    sel = obs.select(keep)
    j, i, inside = grid.locate(sel.lon, sel.lat)
    if not inside.all():
        k = int(np.flatnonzero(~inside)[0])
        raise ValueError(f"{source}: {int((~inside).sum())} observation(s) outside the model "
                         f"grid (first: obs index {int(keep[k])}, variable "
                         f"{sel.variables[sel.variable[k]]}, lon={sel.lon[k]:.3f}, "
                         f"lat={sel.lat[k]:.3f})")
    surface = np.array([sel.variables[v] == "SSH" for v in sel.variable])
    lev = np.where(surface, 0, grid.level_of(sel.depth))
    below = lev < 0
    if below.any():
        k = int(np.flatnonzero(below)[0])
        raise ValueError(f"{source}: observation at obs index {int(keep[k])} (variable "
                         f"{sel.variables[sel.variable[k]]}) lies at depth {sel.depth[k]:g} m, "
                         f"below the deepest level")
    land = ~grid.tmask[lev, j, i]
    if land.any():
        k = int(np.flatnonzero(land)[0])
        raise ValueError(f"{source}: {int(land.sum())} observation(s) on land (first: obs index "
                         f"{int(keep[k])}, variable {sel.variables[sel.variable[k]]}, "
                         f"lon={sel.lon[k]:.3f}, lat={sel.lat[k]:.3f}, level {int(lev[k])}, "
                         f"cell (j={int(j[k])}, i={int(i[k])}))")
    it = np.floor(sel.time - day0).astype(np.int64)
    return Located(sel, keep, it, lev, j, i, n_days)


def bin_located(loc: Located, shape: tuple[int, int, int]) -> Binned:
    """Bin located observations onto a grid of ``shape`` (levels, ny, nx)."""
    nz, ny, nx = shape
    sel, it, lev, j, i = loc.obs, loc.day, loc.level, loc.j, loc.i
    out = Binned({}, {}, {})
    for vid, name in enumerate(sel.variables):
        m = sel.variable == vid
        nlev = 1 if name == "SSH" else nz
        shape4 = (loc.n_days, nlev, ny, nx)
        flat = np.ravel_multi_index((it[m], lev[m], j[m], i[m]), shape4)
        size = int(np.prod(shape4))
        count = np.bincount(flat, minlength=size)
        total = np.bincount(flat, weights=sel.value[m], minlength=size)
        var = np.bincount(flat, weights=sel.noise[m].astype(np.float64) ** 2, minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            out.value[name] = np.nan_to_num(total / count).reshape(shape4).astype(np.float32)
            out.noise_var[name] = np.nan_to_num(var / count**2).reshape(shape4)
        out.count[name] = count.reshape(shape4)
    return out


def bin_obs(obs: ObsSet, grid, day0: float, n_days: int, source: str = "observations",
            known: tuple[str, ...] = VARIABLES) -> Binned:
    """Bin the observations of days [day0, day0 + n_days) onto ``grid`` (an ``OceanGrid``).

    Raises
    ------
    ValueError
        As :func:`locate_obs`.
    """
    return bin_located(locate_obs(obs, grid, day0, n_days, source, known), grid.shape)
