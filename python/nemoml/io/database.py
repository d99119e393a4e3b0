"""Training databases: many NEMO states in one uncompressed netCDF file, fast to load.

``build_database`` gathers restarts, NEMO output sets or state files into one file with the
grid's masks; ``load_database`` selects variables, levels and a time range, splits train /
validation by time and returns per-level statistics of the training part (ocean points only)
for normalisation.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import netCDF4
import numpy as np

from nemoml.base.files import atomic_path
from nemoml.base.netcdf import open_nc
from nemoml.grid import Grid, NemoFileError
from nemoml.io.ranks import _RANK
from nemoml.io.sources import (
    DAYS_UNITS,
    holds_states,
    is_restart,
    output_group,
    read_collection,
    read_restart_record,
)
from nemoml.io.state import FIELDS

# field -> variable name in the database file (CF/CMOR names)
DB_NAMES = {"T": "thetao", "S": "so", "U": "uo", "V": "vo", "SSH": "zos"}


class Database(NamedTuple):
    """Loaded training arrays; unpacks as ``arrays, stats, mask, times``.

    arrays : ``{field: float32 (time, z, y, x) or (time, y, x)}``, land = 0
    stats : ``{field: (mean, std)}`` float64 per level ((z,) or (1,)) over training ocean points
    mask : ``{field: bool (z, y, x) or (y, x)}``
    times : float64 days since 0001-01-01
    """

    arrays: dict
    stats: dict
    mask: dict
    times: np.ndarray

    def normalised(self, field: str) -> np.ndarray:
        """``(x - mean) / std`` per level, 0 on land, float32."""
        mean, std = self.stats[field]
        a = self.arrays[field]
        shape = (1, -1, 1, 1) if a.ndim == 4 else (1, 1, 1)
        out = (a - mean.reshape(shape).astype(np.float32)) / std.reshape(shape).astype(np.float32)
        return out * self.mask[field]


def _expand(sources) -> list[Path]:
    """Files of the sources (files or directories), one entry per logical file."""
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    files: list[Path] = []
    for src in map(Path, sources):
        if src.is_dir():
            # a run directory also holds meshes, domain_cfg, grid_W...: skip what has no state
            files.extend(f for f in sorted(src.glob("*.nc")) if holds_states(f))
        elif src.is_file():
            files.append(src)
        else:
            raise NemoFileError(src, "no such file or directory")
    out, seen = [], set()
    for f in files:
        m = _RANK.match(f.name)
        key = f.parent / m.group("stem") if m else f
        if m and int(m.group("num")) != 0:
            continue  # rank files are read through rank 0
        if key not in seen and not f.name.startswith("."):
            seen.add(key)
            out.append(f)
    return out


def build_database(sources, out: str | os.PathLike, grid: Grid,
                   variables: Sequence[str] = tuple(FIELDS), calendar: str = "360_day") -> Path:
    """Gather states into one database file, atomically.

    Parameters
    ----------
    sources
        A file or directory, or a list of them: NEMO restarts (global or ``_NNNN``), NEMO output
        sets (``*_grid_T.nc`` with its ``_grid_U/V`` siblings) or state files. Directory files
        without any state field (mesh masks, ``domain_cfg``...) are skipped.
    out
        The database file to write (netCDF-4, contiguous float32, opens in xarray).
    grid
        The mesh: every state must have its shape; its masks are stored.
    variables
        Fields to keep (``T S U V SSH``).
    calendar
        Calendar of the stored times when no source states one (restarts don't).
    """
    variables = _check_fields(variables)
    files = _expand(sources)
    if not files:
        raise NemoFileError(Path(str(sources)), "holds no .nc file")
    parts: dict[str, list[np.ndarray]] = {f: [] for f in variables}
    times: list[np.ndarray] = []
    done: set[Path] = set()
    for f in files:
        if f in done:
            continue
        if is_restart(f):
            arrays, t = read_restart_record(f, variables)
        else:
            arrays, t, cal = read_collection(f, variables)
            calendar = cal or calendar
        done.update(output_group(f))
        for field in variables:
            want = grid.shape[1:] if field == "SSH" else grid.shape
            if arrays[field].shape[1:] != want:
                raise NemoFileError(f, f"shape {arrays[field].shape[1:]} does not match the "
                                    f"mesh {grid.source} {want}", field)
            parts[field].append(arrays[field])
        times.append(t)
    time = np.concatenate(times)
    order = np.argsort(time, kind="stable")
    ordered = bool((order == np.arange(len(order))).all())
    data = {}
    for f, p in parts.items():
        a = np.concatenate(p) if len(p) > 1 else p[0]
        data[f] = a if ordered else a[order]
    with atomic_path(out) as tmp:
        _write(tmp, data, time[order], grid, [str(f) for f in files], calendar)
    return Path(out)


def _check_fields(variables: Iterable[str]) -> tuple[str, ...]:
    variables = tuple(variables)
    unknown = [v for v in variables if v not in FIELDS]
    if unknown or not variables:
        raise ValueError(f"unknown variables {unknown}; choose among {list(FIELDS)}")
    return variables


def model_years(time: np.ndarray, calendar: str) -> np.ndarray | None:
    """The model year of each time (days since 0001-01-01 in ``calendar``), as ``model_year``
    of the shared GYRE database (year 1 starts at day 0); None when a time is unknown."""
    import cftime

    time = np.asarray(time, dtype=np.float64)
    if time.size == 0 or not np.isfinite(time).all():
        return None
    dates = cftime.num2date(time, DAYS_UNITS, calendar)
    return np.array([d.year for d in np.atleast_1d(dates)], dtype=np.int32)


def _write(tmp: Path, arrays: dict, time: np.ndarray, grid: Grid, sources: list[str],
           calendar: str) -> None:
    nz, ny, nx = grid.shape
    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
        ds.setncatts({"title": "nemoml state database", "Conventions": "CF-1.8",
                      "mesh": grid.source, "sources": "\n".join(sources)})
        for name, size in (("time", len(time)), ("z", nz), ("y", ny), ("x", nx)):
            ds.createDimension(name, size)
        v = ds.createVariable("time", "f8", ("time",))
        v.units, v.calendar, v.standard_name = DAYS_UNITS, calendar, "time"
        v[:] = time
        years = model_years(time, calendar)
        if years is not None:  # what train-generator --min-year/--max-year select on
            v = ds.createVariable("model_year", "i4", ("time",))
            v.long_name, v.calendar = "model year of the state", calendar
            v[:] = years
        v = ds.createVariable("z", "f4", ("z",))
        v.units, v.positive, v.axis, v.long_name = "m", "down", "Z", "depth of T levels"
        v[:] = grid.gdept_1d
        for point in ("T", "U", "V"):
            v = ds.createVariable(f"{point.lower()}mask", "i1", ("z", "y", "x"))
            v.long_name = f"{point}-point land-sea mask (1 = ocean)"
            v[:] = grid.mask(point).astype(np.int8)
        for field, data in arrays.items():
            point, units, std, long = FIELDS[field]
            dims = ("time", "y", "x") if field == "SSH" else ("time", "z", "y", "x")
            v = ds.createVariable(DB_NAMES[field], "f4", dims, contiguous=True)
            v.units, v.standard_name, v.long_name, v.grid = units, std, long, point
            v[:] = data


def load_database(path: str | os.PathLike, variables: Sequence[str] | None = None,
                  levels=None, *, split: str | None = None, val_fraction: float = 0.2,
                  time_range: tuple[float, float] | None = None) -> Database:
    """Load a database into training arrays.

    Parameters
    ----------
    variables
        Fields to load (default: all stored).
    levels
        Level indices (sequence or slice) of 3-D fields and masks; default all.
    split
        ``None`` (all selected times), ``"train"`` or ``"val"``: the last ``val_fraction`` of
        the (time-sorted) states is validation. Statistics always come from the training part.
    time_range
        ``(t0, t1)`` days: keep states with ``t0 <= time <= t1`` before splitting.
    """
    if split not in (None, "train", "val"):
        raise ValueError(f"split must be None, 'train' or 'val', got {split!r}")
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    with open_nc(path) as ds:
        stored = [f for f, n in DB_NAMES.items() if n in ds.variables]
        variables = _check_fields(variables or stored)
        for f in variables:
            if f not in stored:
                raise NemoFileError(path, f"not in this database (it holds {stored})",
                                    DB_NAMES[f])
        times = np.asarray(ds.variables["time"][:], dtype=np.float64)
        keep = np.ones(len(times), bool)
        if time_range is not None:
            keep &= (times >= time_range[0]) & (times <= time_range[1])
        idx = np.flatnonzero(keep)
        if idx.size == 0:
            raise NemoFileError(path, f"no state in time_range {time_range}", "time")
        ntrain = len(idx) - int(round(val_fraction * len(idx)))
        train = np.arange(len(idx)) < ntrain
        sel = {None: np.ones(len(idx), bool), "train": train, "val": ~train}[split]
        zsel = np.arange(len(ds.dimensions["z"]))[levels if levels is not None else slice(None)]
        masks = {p: np.asarray(ds.variables[f"{p.lower()}mask"][:], bool)[zsel]
                 for p in ("T", "U", "V")}
        surface = np.asarray(ds.variables["tmask"][0], bool)
        arrays, stats, mask = {}, {}, {}
        for f in variables:
            var = ds.variables[DB_NAMES[f]]
            # one contiguous read of the kept time span, then cheap in-memory selection
            block = np.asarray(var[idx[0]:idx[-1] + 1], dtype=np.float32)[idx - idx[0]]
            point = FIELDS[f][0]
            if f == "SSH":
                m = surface
            else:
                block = block[:, zsel]
                m = masks[point]
            stats[f] = _level_stats(block[train], m)
            arrays[f] = np.ascontiguousarray(block[sel])
            mask[f] = m
    return Database(arrays, stats, mask, times[idx][sel])


def _level_stats(block: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-level mean and std over ocean points of ``block`` (time, [z,] y, x), float64.

    All-land levels (NEMO's last one) and constant levels get mean 0 / std 1 resp., so that
    normalising them is the identity rather than a division by zero.
    """
    if block.ndim == 3:
        block, mask = block[:, None], mask[None]
    count = mask.sum(axis=(1, 2)) * block.shape[0]
    safe = np.maximum(count, 1)
    mean = (block * mask).sum(axis=(0, 2, 3), dtype=np.float64) / safe
    dev = (block - mean[None, :, None, None].astype(np.float32)) * mask
    std = np.sqrt(np.einsum("tzyx,tzyx->z", dev, dev, dtype=np.float64) / safe)
    return np.where(count > 0, mean, 0.0), np.where((count > 0) & (std > 0), std, 1.0)
