"""A run's daily restarts collected into one daily-state file, each restart deleted once read.

A NEMO run writing a restart every model day (``nn_stock``) fills a disk fast: a year of
eddying GYRE at 1/4 degree is 7.5 GB of per-rank restarts. ``collect`` keeps what a twin
experiment needs, in the layout of ``gyre_daily.nc`` (CF names, float32, zlib + shuffle,
``least_significant_digit`` below any realistic observation error): T, S, SSH, and the surface
velocities ``uos``, ``vos`` (at U and V points) a mapping score of currents needs.

Safety. A record's ``kt`` is written last and synced before its restart is deleted, so:
- a crash before that leaves the restart, and the next ``collect`` rewrites the record;
- a crash after it leaves a restart already in the file, which the next run just deletes;
- a truncated or foreign restart stops the collection naming the file and the variable, with
  nothing deleted; a day missing between two restarts stops it naming both days.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import netCDF4
import numpy as np

from nemoml.base.files import NemoFileError, atomic_path
from nemoml.base.netcdf import open_nc, read_scalar
from nemoml.grid import Grid
from nemoml.io.ranks import rank_files
from nemoml.io.restart import read_restart

# <cn_exp>_<kt>_restart[_NNNN].nc: what NEMO writes every nn_stock steps
RESTART = re.compile(r"^(?P<exp>.+)_(?P<kt>\d{8})_restart(?:_\d{4,})?\.nc$")
# name -> (field of State, dims, least_significant_digit, attributes)
VARIABLES = {
    "thetao": ("T", ("time", "z", "y", "x"), 3, {"units": "degC", "nemo_name": "tn"}),
    "so": ("S", ("time", "z", "y", "x"), 4, {"units": "1e-3", "nemo_name": "sn"}),
    "zos": ("SSH", ("time", "y", "x"), 4, {"units": "m", "nemo_name": "sshn"}),
    "uos": ("U", ("time", "y", "x"), 4, {"units": "m s-1", "nemo_name": "un(z=0)",
                                         "grid": "U"}),
    "vos": ("V", ("time", "y", "x"), 4, {"units": "m s-1", "nemo_name": "vn(z=0)",
                                         "grid": "V"}),
}
DAYS_PER_YEAR = 360  # GYRE's calendar (nn_leapy = 30), as the 1 degree daily file


@dataclass
class Collected:
    """What one ``collect`` did: records in the file, records added, restarts deleted."""

    path: Path
    records: int
    added: int
    deleted: int


def restart_sets(run_dir: str | os.PathLike) -> list[tuple[int, Path]]:
    """(kt, first file) of every restart set in ``run_dir`` (global or per rank), by kt."""
    found: dict[tuple[str, int], Path] = {}
    for path in sorted(Path(run_dir).glob("*_restart*.nc")):
        m = RESTART.match(path.name)
        if m:
            found.setdefault((m["exp"], int(m["kt"])), path)
    exps = {exp for exp, _ in found}
    if len(exps) > 1:
        raise NemoFileError(run_dir, f"restarts of several experiments {sorted(exps)}: collect "
                            "one at a time")
    return sorted((kt, path) for (_, kt), path in found.items())


def _create(path: Path, grid: Grid, every: float) -> None:
    with atomic_path(path) as tmp, netCDF4.Dataset(tmp, "w") as ds:
        nz, ny, nx = grid.shape
        ds.createDimension("time", None)
        for name, size in (("z", nz), ("y", ny), ("x", nx)):
            ds.createDimension(name, size)
        t = ds.createVariable("time", "f8", ("time",))
        t.units, t.calendar = "days since 0001-01-01 00:00:00", "360_day"
        t.long_name = "model time since the start from rest (= NEMO adatrj), end of step kt"
        ds.createVariable("kt", "i4", ("time",), fill_value=-1).long_name = (
            "NEMO time step of the restart; written last: a record without kt is incomplete")
        ds.createVariable("ndastp", "i4", ("time",)).long_name = "NEMO date YYYYMMDD"
        ds.createVariable("model_year", "i4", ("time",))
        ds.createVariable("z", "f4", ("z",))[:] = grid.gdept_1d
        for name, (_, dims, digits, attrs) in VARIABLES.items():
            var = ds.createVariable(name, "f4", dims, zlib=True, complevel=4, shuffle=True,
                                    least_significant_digit=digits)
            var.setncatts(attrs)
        ds.every_days = every
        ds.Conventions = "CF-1.8"
        ds.title = "daily states collected from NEMO restarts (nemoml io collect)"


def _done(ds: netCDF4.Dataset) -> int:
    """Records whose ``kt`` was written: the rest of the file is an interrupted record."""
    kt = np.ma.getmaskarray(ds["kt"][:]) if ds.dimensions["time"].size else np.zeros(0, bool)
    return int(np.argmax(kt)) if kt.any() else int(kt.size)


def _check_file(ds: netCDF4.Dataset, path: Path, grid: Grid) -> None:
    for name in ("kt", *VARIABLES):
        if name not in ds.variables:
            raise NemoFileError(path, "missing: not a file of nemoml io collect", name)
    shape = tuple(ds.dimensions[d].size for d in ("z", "y", "x"))
    if shape != grid.shape:
        raise NemoFileError(path, f"grid {shape} is not the mesh's {grid.shape}", "thetao")


def collect(run_dir: str | os.PathLike, grid: Grid, out: str | os.PathLike,
            every: float = 1.0, keep: bool = False, progress=None) -> Collected:
    """Append every restart set of ``run_dir`` to the daily file ``out``, in kt order.

    Parameters
    ----------
    run_dir : path-like
        The run directory holding ``<exp>_<kt>_restart[_NNNN].nc``.
    grid : Grid
        The run's mesh: every restart must match it (sizes, land zero, salinity positive).
    out : path-like
        The daily file, created when missing, appended to otherwise.
    every : float
        Days between consecutive states; another spacing is an error naming both restarts.
    keep : bool
        Keep the restarts (default: delete each set once its record is synced).
    progress : callable, optional
        Called with (kt, path) after each record.
    """
    out = Path(out)
    if not out.exists():
        _create(out, grid, every)
    added = deleted = 0
    with netCDF4.Dataset(out, "a") as ds:
        _check_file(ds, out, grid)
        n = _done(ds)
        last_kt = int(ds["kt"][n - 1]) if n else None
        last_time = float(ds["time"][n - 1]) if n else None
        for kt, path in restart_sets(run_dir):
            files = rank_files(path)
            if last_kt is not None and kt <= last_kt:
                deleted += _delete(files, keep)  # written before an interruption
                continue
            state = read_restart(path, grid)
            time = state.time  # adatrj
            with open_nc(files[0]) as rs:
                ndastp = read_scalar(rs, "ndastp")
            if time is None or ndastp is None:
                raise NemoFileError(files[0], "missing: a restart without its date",
                                    "adatrj" if time is None else "ndastp")
            if last_time is not None and abs(time - last_time - every) > 1e-6:
                raise NemoFileError(files[0], f"day {time:g} follows day {last_time:g} (record "
                                    f"{n - 1} of {out}): the states must be {every:g} day(s) "
                                    "apart; a restart is missing or the run's nn_stock differs")
            _write(ds, n, state, time, ndastp, kt)
            ds.sync()  # the record, kt last, is on disk before its restart goes
            added += 1
            deleted += _delete(files, keep)
            n, last_kt, last_time = n + 1, kt, time
            if progress is not None:
                progress(kt, path)
    return Collected(out, n, added, deleted)


def _write(ds: netCDF4.Dataset, n: int, state, time: float, ndastp: float, kt: int) -> None:
    for name, (field, dims, _, _) in VARIABLES.items():
        value = getattr(state, field)
        ds[name][n] = value[0] if len(dims) == 3 and value.ndim == 3 else value
    ds["time"][n] = time
    ds["ndastp"][n] = int(ndastp)
    ds["model_year"][n] = int((time - 1e-6) // DAYS_PER_YEAR) + 1
    ds["kt"][n] = kt


def _delete(files: list[Path], keep: bool) -> int:
    if keep:
        return 0
    for f in files:
        f.unlink()
    return 1


def check_daily(path: str | os.PathLike, every: float = 1.0) -> np.ndarray:
    """The times of a daily file, checked: complete records only, ``every`` days apart.

    Raises
    ------
    NemoFileError
        Naming the file, ``time`` and the first record after a gap.
    """
    with open_nc(path) as ds:
        times = np.asarray(ds["time"][:], np.float64)
        if "kt" in ds.variables:
            times = times[: _done(ds)]
    steps = np.diff(times)
    bad = np.flatnonzero(np.abs(steps - every) > 1e-6)
    if bad.size:
        i = int(bad[0]) + 1
        raise NemoFileError(path, f"record {i} (day {times[i]:g}) follows day {times[i - 1]:g}: "
                            f"the states are not {every:g} day(s) apart", "time")
    return times
