"""``nemoml assimilate``: one 4DVarNet analysis written as NEMO's increments file.

Inputs: a solver (exported folder, checkpoint, or the packaged demo model), an observation file
(:mod:`nemoml.assimilate.obs.obsfile`), and a background netCDF holding ``time`` (days), ``x``,
``y`` and an SSH variable (time, y, x) covering the window centred on the analysis day. The
increment (analysis - background at the centre day) fills ``bckineta``; T, S, U and V
increments are zero. NEMO's ``asm_inc_init`` reads ``bckint/bckins/bckinu/bckinv`` on all
``jpk`` levels, so the file takes the model's grid: a mesh mask (its levels and masks), or a
level count on an all-ocean grid of the background's shape.

Before the analysis the observations pass the background check (:mod:`qc`): those with
``|O - B|`` beyond ``qc_k`` expected spreads (the solver's training SSH variance plus the
file's noise variance) are left out; more than ``qc_maxrej`` of them left out is an error.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np

from nemoml.assimilate.obs import qc
from nemoml.assimilate.obs.obsfile import grid_obs, grid_points, read_obs
from nemoml.assimilate.qg.export import Solver, load_solver
from nemoml.base import packaged

DEMO_MODEL = packaged.QG_SOLVER
log = logging.getLogger("nemoml.assimilate")


def read_background(path: str | Path, var: str, day0: float, n_days: int) -> tuple[np.ndarray, ...]:
    """Return the (n_days, y, x) background starting at ``day0``, with its ``x`` and ``y``."""
    import netCDF4

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"background file not found: {path}")
    with netCDF4.Dataset(path) as ds:
        for name in (var, "time", "x", "y"):
            if name not in ds.variables:
                raise KeyError(f"{path}: variable '{name}' is missing")
        time = np.asarray(ds["time"][:], dtype=np.float64)
        want = day0 + np.arange(n_days)
        idx = [np.flatnonzero(np.isclose(time, d)) for d in want]
        missing = [float(d) for d, i in zip(want, idx, strict=True) if i.size == 0]
        if missing:
            raise ValueError(f"{path}: '{var}' lacks the window days {missing}")
        sel = [int(i[0]) for i in idx]
        field = np.ma.filled(ds[var][sel], np.nan).astype(np.float32)
        x = np.asarray(ds["x"][:], dtype=np.float64)
        y = np.asarray(ds["y"][:], dtype=np.float64)
    if field.shape[1:] != (y.size, x.size):
        raise ValueError(f"{path}: '{var}' has shape {field.shape}, not (time, {y.size}, {x.size})")
    bad = ~np.isfinite(field)
    if bad.any():
        raise ValueError(f"{path}: the background '{var}' has {int(bad.sum())} NaN/inf values "
                         f"(first on day {want[int(np.argwhere(bad)[0][0])]})")
    return field, x, y


def solver_from(model: str | Path | None) -> Solver:
    return load_solver(model if model is not None else DEMO_MODEL)


def nemo_date_of(day: float, origin: dt.datetime) -> float:
    d = origin + dt.timedelta(days=float(day))
    return (d.year * 10000 + d.month * 100 + d.day
            + (d.hour * 10000 + d.minute * 100 + d.second) * 1e-6)


def increments_grid(shape2d: tuple[int, int], mesh_mask=None, levels: int | None = None,
                    source: str = "background"):
    """The model grid the increments file is written on: ``mesh_mask`` (a NEMO mesh_mask.nc,
    whose horizontal shape must be the background's) or ``levels`` all-ocean levels."""
    from nemoml.grid import Grid

    if (mesh_mask is None) == (levels is None):
        raise ValueError("the increments file needs the model's levels (NEMO reads bckint on "
                         "all jpk levels): give a mesh mask or a level count, not both")
    if mesh_mask is not None:
        grid = Grid.from_mesh_mask(mesh_mask)
        if grid.shape[1:] != tuple(shape2d):
            raise ValueError(f"{mesh_mask}: horizontal grid {grid.shape[1:]} is not the "
                             f"background's {tuple(shape2d)}")
        return grid
    if levels < 1:
        raise ValueError(f"levels must be >= 1, got {levels}")
    e3t = np.ones(levels)
    return Grid.from_arrays(np.ones((levels, *shape2d)), np.cumsum(e3t) - 0.5, e3t,
                            source=source)


def assimilate_file(model, obs_path, background_path, out, day: float,
                    background_var: str = "zos",
                    origin: dt.datetime = dt.datetime(2000, 1, 1), *, mesh_mask=None,
                    levels: int | None = None, qc_k: float = qc.DEFAULT_K,
                    qc_maxrej: float = qc.DEFAULT_MAX_REJECTED) -> Path:
    """Analyse the window centred on ``day`` and write the SSH increment for NEMO's IAU, on
    the model grid of ``mesh_mask`` or of ``levels`` levels (see :func:`increments_grid`),
    from the observations that pass the background check (``qc_k`` spreads, 0: none; more
    than ``qc_maxrej`` of them rejected is an error; :mod:`qc`)."""
    qc.check_settings(qc_k, qc_maxrej)
    from nemoml.io import State, write_increments

    solver = solver_from(model)
    n_t = solver.window
    day0 = float(day) - solver.meta["centre_index"]
    bkg, x, y = read_background(background_path, background_var, day0, n_t)
    grid = increments_grid((y.size, x.size), mesh_mask, levels, str(background_path))
    points = read_obs(obs_path)
    keep, report = qc.check_points(points, *grid_points(points, x, y, day0, n_t, str(obs_path)),
                                   bkg, solver.background_variance(), qc_k, qc_maxrej,
                                   str(obs_path))
    log.info("%s: %s", obs_path, report.describe())
    obs, mask = grid_obs(points, x, y, day0, n_t, str(obs_path), keep)
    inc = solver.increment(bkg, obs, mask).astype(np.float64)
    zero = np.zeros(grid.shape)
    state = State(T=zero, S=zero, U=zero, V=zero, SSH=inc, time=float(day))
    return write_increments(out, state, grid, nemo_date_of(day, origin),
                            nemo_date_of(day + 1, origin))
