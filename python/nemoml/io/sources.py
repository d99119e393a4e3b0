"""Read states from NEMO output files (``*_grid_T.nc`` ...) and from state collections.

Three kinds of source give (time, z, y, x) arrays of T, S, U, V and (time, y, x) SSH:

- NEMO output sets: ``<prefix>_grid_T.nc``, ``_grid_U.nc``, ``_grid_V.nc`` (and
  ``_surface_grid_T.nc`` ...), 4.2 or 5.0 (XIOS names dimensions ``x_grid_T`` in 5.0);
  land holds ``_FillValue`` (1e20), returned as 0;
- state files such as ``gyre_states.nc`` (``thetao so uo vo zos`` with a time axis);
- restarts (one state each, see :mod:`nemoml.io.restart`).

Times are days since 0001-01-01 in the file's calendar (360-day for GYRE/DINO).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import cftime
import numpy as np

from nemoml.base.netcdf import open_nc, read_scalar, read_var
from nemoml.grid import NemoFileError
from nemoml.io.ranks import rank_files
from nemoml.io.restart import read_restart
from nemoml.io.state import FIELDS

# field -> names used by NEMO outputs (5.0/4.2 XIOS, older IOIPSL) and CMOR-like state files
NAMES = {
    "T": ("thetao", "toce", "votemper", "tn"),
    "S": ("so", "soce", "vosaline", "sn"),
    "U": ("uo", "uoce", "vozocrtx", "un"),
    "V": ("vo", "voce", "vomecrty", "vn"),
    "SSH": ("zos", "ssh", "sossheig", "sshn"),
}
TIME_NAMES = ("time_counter", "time")
DAYS_UNITS = "days since 0001-01-01 00:00:00"
_GROUP = re.compile(r"^(?P<prefix>.+?)_(?:surface_)?grid_[TUVW]\.nc$")


def output_group(path: str | os.PathLike) -> list[Path]:
    """All files of the NEMO output set ``path`` belongs to (``<prefix>_*grid_[TUVW].nc``)."""
    path = Path(path)
    m = _GROUP.match(path.name)
    if not m:
        return [path]
    prefix = m.group("prefix")
    return sorted(p for p in path.parent.glob(f"{prefix}_*.nc")
                  if (g := _GROUP.match(p.name)) and g.group("prefix") == prefix)


def _days(ds, nrec: int) -> tuple[np.ndarray, str | None]:
    """Record times in days since 0001-01-01, and the calendar when the file states one."""
    for name in TIME_NAMES:
        if name in ds.variables and ds.variables[name].ndim == 1:
            var = ds.variables[name]
            values = np.asarray(var[:], dtype=np.float64)
            units, cal = getattr(var, "units", None), getattr(var, "calendar", None)
            if units and "since" in units:
                dates = cftime.num2date(values, units, cal or "standard")
                days = cftime.date2num(dates, DAYS_UNITS, cal or "standard")
                return np.asarray(days, dtype=np.float64), cal
            return values, cal
    return np.full(nrec, np.nan), None


def read_collection(path: str | os.PathLike, fields=tuple(FIELDS),
                    ) -> tuple[dict, np.ndarray, str | None]:
    """Read the requested fields of every record of an output set or a state file.

    Returns
    -------
    arrays, times, calendar
        ``{field: (time, z, y, x) or (time, y, x) float32}`` with land (fill values) set to
        0, the record times in days, and the files' calendar (``None`` if unstated).
    """
    files = output_group(path)
    arrays: dict[str, np.ndarray] = {}
    times, calendar = None, None
    for field in fields:
        for f in files:
            with open_nc(f) as ds:
                name = next((n for n in NAMES[field] if n in ds.variables), None)
                if name is None:
                    continue
                var = ds.variables[name]
                if not var.dimensions or var.dimensions[0] not in TIME_NAMES:
                    raise NemoFileError(f, f"has no leading time axis (dims {var.dimensions})",
                                        name)
                want = 3 if field == "SSH" else 4
                if var.ndim != want:
                    raise NemoFileError(f, f"expected {want} dimensions (time, ...), found "
                                        f"{var.dimensions}", name)
                data = read_var(ds, name, record=None, dtype=np.float32, finite=False)
                fill = [getattr(var, a) for a in ("_FillValue", "missing_value")
                        if a in var.ncattrs()]
                bad = ~np.isfinite(data)
                for value in fill:
                    bad |= data == np.float32(value)
                data[bad] = 0.0
                t, cal = _days(ds, data.shape[0])
                calendar = calendar or cal
            if times is None:
                times = t
            elif len(t) != len(times) or not np.array_equal(t, times, equal_nan=True):
                raise NemoFileError(f, f"time axis differs from the other files of {path}",
                                    name)
            arrays[field] = data
            break
        else:
            raise NemoFileError(path, f"none of {NAMES[field]} found in {[p.name for p in files]}",
                                field)
    return arrays, times, calendar


def read_restart_record(path: str | os.PathLike, fields=tuple(FIELDS)) -> tuple[dict, np.ndarray]:
    """One restart as a single-record collection; time from ``adatrj`` or ``kt * rdt``."""
    state = read_restart(path)
    with open_nc(rank_files(path)[0]) as ds:
        kt, rdt = read_scalar(ds, "kt"), read_scalar(ds, "rdt")
    time = state.time
    if time is None and kt is not None and rdt is not None:
        time = kt * rdt / 86400.0
    arrays = {f: getattr(state, f)[None].astype(np.float32) for f in fields}
    return arrays, np.array([np.nan if time is None else time])


def is_restart(path: str | os.PathLike) -> bool:
    with open_nc(rank_files(path)[0]) as ds:
        return "tn" in ds.variables and "un" in ds.variables


def holds_states(path: str | os.PathLike) -> bool:
    """Whether a file holds any state field (not a mesh mask, domain_cfg, grid_W...)."""
    known = {n for names in NAMES.values() for n in names}
    with open_nc(path) as ds:
        return bool(known & set(ds.variables))
