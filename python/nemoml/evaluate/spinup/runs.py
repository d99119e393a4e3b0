"""Find and read the states of one NEMO run for ``spinup-report``.

A run is a directory of ocean restarts (global files or per-rank ``_NNNN`` sets, joined by
``nemoml.io``), a directory or set of ``*_grid_T/U/V.nc`` outputs, a state file with a time
axis such as ``gyre_states.nc``, or a single restart. Its mesh mask is ``--mesh-mask`` or a
``mesh_mask.nc`` (or per-rank ``mesh_mask_NNNN.nc``) in the run's directory.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nemoml.base.netcdf import open_nc
from nemoml.grid import Grid, NemoFileError

_RANK = re.compile(r"^(?P<stem>.+)_(?P<num>\d{4,})\.nc$")
CHUNK = 64  # states diagnosed at once


@dataclass
class RunData:
    """The per-state diagnostics of a run and its annual-mean T, S fields (see ``spinup``)."""

    name: str
    source: str
    kind: str
    times: np.ndarray
    days_per_year: float
    per_state: dict
    year_fields: dict
    mesh: str
    skipped: tuple[str, ...] = ()


def find_mesh_mask(run: Path, given: str | None) -> Path:
    """The mesh mask to use, joining per-rank files into a temporary global one if needed."""
    if not run.exists() and not any(run.parent.glob(f"{run.name.removesuffix('.nc')}_[0-9]*")):
        raise NemoFileError(run, "no such run: not a file, a directory or per-rank files")
    if given:
        path = Path(given)
        if not path.is_file():
            raise NemoFileError(path, "mesh mask not found (--mesh-mask)")
        return path
    where = run if run.is_dir() else run.parent
    path = where / "mesh_mask.nc"
    if path.is_file():
        return path
    ranks = sorted(where.glob("mesh_mask_[0-9][0-9][0-9][0-9]*.nc"))
    if ranks:
        from nemoml.io import join_ranks

        return join_ranks(ranks[0], Path(tempfile.mkdtemp(prefix="nemoml_mesh_")) / path.name)
    raise NemoFileError(path, f"missing: spin-up diagnostics of {run} need the run's mesh mask "
                        "(NEMO writes it with ln_meshmask = .true.); pass --mesh-mask FILE")


def _is_ocean_restart(path: Path) -> bool:
    with open_nc(path) as ds:
        return "tn" in ds.variables and "sn" in ds.variables


def restart_sets(directory: Path) -> list[Path]:
    """One file per logical ocean restart in ``directory`` (rank 0 of a per-rank set)."""
    firsts: dict[str, Path] = {}
    for f in sorted(directory.glob("*.nc")):
        if f.name.startswith("mesh_mask"):
            continue
        m = _RANK.match(f.name)
        key = m["stem"] if m and "restart" in m["stem"] else f.name
        firsts.setdefault(key, f)
    return [f for f in firsts.values() if _is_ocean_restart(f)]


def _global_shape(path: Path) -> tuple[int, int]:
    with open_nc(path) as ds:
        if "DOMAIN_size_global" in ds.ncattrs():
            nx, ny = (int(v) for v in np.atleast_1d(ds.getncattr("DOMAIN_size_global"))[:2])
            return ny, nx
        return len(ds.dimensions["y"]), len(ds.dimensions["x"])


def locate(path: Path) -> tuple[str, list[Path]]:
    """``(kind, files)``: ``restarts`` (one per restart), ``outputs`` or ``states`` (one file)."""
    if path.is_dir():
        restarts = restart_sets(path)
        if restarts:
            shape = _global_shape(restarts[0])
            for f in restarts[1:]:
                if _global_shape(f) != shape:
                    raise NemoFileError(f, f"global grid (y, x) = {_global_shape(f)} differs from "
                                        f"{restarts[0].name}'s {shape}: restarts of different "
                                        "configurations in one run")
            return "restarts", restarts
        outputs = sorted(path.glob("*_grid_T.nc"))
        if outputs:
            return "outputs", outputs
        raise NemoFileError(path, "holds no NEMO ocean restart (a file with tn and sn) and no "
                            "*_grid_T.nc output")
    if not path.exists():  # NEMO's cn_ocerst_in spelling of a per-rank restart set
        from nemoml.io import rank_files

        return "restarts", [rank_files(path)[0]]
    if _is_ocean_restart(path):
        return "restarts", [path]
    return "states", [path]


def read_run(name: str, path, diagnose, grid: Grid, mesh: Path,
             dpy: float | None = None) -> RunData:
    """Diagnose every state of the run at ``path`` with ``diagnose`` (a ``Diagnostics``).

    ``dpy``: days per model year; by default from the files' calendar (restarts state none:
    360 when every restart falls on a 30-day month boundary, else 365).
    """
    from nemoml.evaluate.spinup.drift import days_per_year, year_fields

    path = Path(path)
    kind, files = locate(path)
    skipped: tuple[str, ...] = ()
    if kind == "restarts":
        fields, times, skipped = _read_restarts(files, grid)
        calendar = "360_day" if _looks_360(times) else "noleap"
    else:
        fields, times, calendar = _read_collection(files, grid, rebase=kind == "outputs")
    order = np.argsort(times, kind="stable")
    fields = {k: v[order] for k, v in fields.items()}
    times = times[order]
    per_state: dict[str, list] = {}
    for start in range(0, len(times), CHUNK):
        chunk = {k: v[start:start + CHUNK] for k, v in fields.items()}
        for key, vals in diagnose(chunk).items():
            per_state.setdefault(key, []).append(vals)
    per = {k: np.concatenate(v) for k, v in per_state.items()}
    dpy = dpy or days_per_year(calendar)
    return RunData(name, str(path), kind, times, dpy, per, year_fields(times, fields, dpy),
                   str(mesh), skipped)


def _looks_360(times: np.ndarray) -> bool:
    """Restarts carry no calendar: days that are whole multiples of 30 mean a 360-day one."""
    return bool(len(times)) and bool(np.all(np.isclose(np.mod(times, 30.0), 0.0)
                                            | np.isclose(np.mod(times, 30.0), 30.0)))


def _read_restarts(files: list[Path], grid: Grid) -> tuple[dict, np.ndarray, tuple[str, ...]]:
    """The run's restarts in time; also the names of those skipped.

    A restart without a model time (``adatrj``) beside timed ones, such as the generated
    initial state the plugin writes with ``cn_nemoml_rstout``, is no record of the run's
    trajectory: it is skipped. A run with no timed restart at all is an error.
    """
    from nemoml.io import read_restart

    states, skipped = [], []
    for f in files:
        state = read_restart(f, grid)
        if state.time is None:
            skipped.append(f.name)
        else:
            states.append(state)
    if not states:
        raise NemoFileError(files[0], "has no model time: cannot place it in a model year",
                            "adatrj")
    fields = {k: np.stack([getattr(s, k) for s in states]) for k in ("T", "S", "U", "V")}
    return fields, np.array([s.time for s in states]), tuple(skipped)


def _read_collection(files: list[Path], grid: Grid, rebase: bool,
                     ) -> tuple[dict, np.ndarray, str | None]:
    from nemoml.io import read_collection

    fields, times, calendar = {}, [], None
    for f in files:
        arrays, t, cal = read_collection(f, ("T", "S"))
        try:
            arrays.update(read_collection(f, ("U", "V"))[0])
        except NemoFileError:
            pass  # a grid_T-only run: no KE or streamfunction
        for key, a in arrays.items():
            if a.shape[1:] != grid.shape:
                raise NemoFileError(f, f"fields of shape {a.shape[1:]} do not match the mesh "
                                    f"{grid.source} {grid.shape}", key)
            fields.setdefault(key, []).append(a)
        times.append(t)
        calendar = calendar or cal
    if any(len(v) != len(files) for v in fields.values()):
        fields = {k: v for k, v in fields.items() if k in ("T", "S")}
    times = np.concatenate(times)
    if not np.isfinite(times).all():
        raise NemoFileError(files[0], "has records without a time: cannot place them in model "
                            "years", "time")
    fields = {k: np.concatenate(v) for k, v in fields.items()}
    if rebase:  # outputs are dated from the calendar's origin: years count from the first one
        from nemoml.evaluate.spinup.drift import days_per_year

        dpy = days_per_year(calendar)
        times = times - np.floor(times.min() / dpy) * dpy
    return fields, times, calendar
