"""``assim_background_increments.nc``: the analysis increments NEMO's ASM applies (asminc.F90).

What ``asm_inc_init`` reads (NEMO 4.2 and 5.0): the scalars ``time``, ``z_inc_dateb`` and
``z_inc_datef`` (dates as ``YYYYMMDD.HHMMSS``; ``time`` overrides both and must not precede
the run's start date), then record 1 of ``bckint bckins bckinu bckinv`` (t, z, y, x) and
``bckineta`` (t, y, x) with ``jpdom_auto``: one global file without halos (x = Ni0glo,
y = Nj0glo, z = jpk) or per-rank ``_NNNN`` files. NEMO multiplies by the masks and zeroes
values above 1e10; we write zeros on land and refuse such values instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import netCDF4
import numpy as np

from nemoml.base.files import atomic_path
from nemoml.base.netcdf import open_nc, read_scalar, set_domain_attrs
from nemoml.grid import Grid, NemoFileError
from nemoml.io.calendar import nemo_date
from nemoml.io.ranks import rank_files, read_global
from nemoml.io.state import FIELDS, State

VARIABLES = {"T": "bckint", "S": "bckins", "U": "bckinu", "V": "bckinv", "SSH": "bckineta"}
DATES = ("time", "z_inc_dateb", "z_inc_datef")
PPLARGE = 1e10  # asminc's pplarge: NEMO silently zeroes larger increments


class Increments(NamedTuple):
    """Increments read back from a file, with their dates (``YYYYMMDD.HHMMSS`` floats)."""

    state: State
    date_bkg: float
    date_fwd: float
    time: float


def write_increments(path: str | os.PathLike, increments: State, grid: Grid, date_bkg,
                     date_fwd, *, time=None) -> Path:
    """Write NEMO's ASM increment file (global, no halo), atomically.

    Parameters
    ----------
    increments
        Analysis minus background for T, S, U, V and SSH; land is zeroed with the grid masks.
    date_bkg, date_fwd
        Start and end of the increments' validity (``z_inc_dateb``, ``z_inc_datef``): a
        ``YYYYMMDD.HHMMSS`` float or a datetime-like.
    time
        The file's ``time`` (what NEMO actually uses for both dates); default ``date_bkg``,
        which for direct initialisation must equal the DI background date.
    """
    path = Path(path)
    increments.check(grid, where=f"increments for {path}")
    dateb, datef = nemo_date(date_bkg), nemo_date(date_fwd)
    tval = dateb if time is None else nemo_date(time)
    if datef < dateb:
        raise ValueError(f"date_fwd {datef} precedes date_bkg {dateb}")
    inc = increments.masked(grid)
    for name, a in inc.fields().items():
        if (np.abs(a) > PPLARGE).any():
            raise NemoFileError(path, f"increment above {PPLARGE:g}, which NEMO would silently "
                                "zero", VARIABLES[name])
    nz, ny, nx = grid.shape
    with atomic_path(path) as tmp:
        with netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
            ds.createDimension("x", nx)
            ds.createDimension("y", ny)
            ds.createDimension("z", nz)
            ds.createDimension("t", None)
            set_domain_attrs(ds, (nx, ny))
            ds.setncatts({"title": "NEMO assimilation background increments",
                          "Conventions": "CF-1.8", "source": "nemoml.io.write_increments"})
            if grid.glamt is not None:
                for name, value, units in (("nav_lon", grid.glamt, "degrees_east"),
                                           ("nav_lat", grid.gphit, "degrees_north")):
                    v = ds.createVariable(name, "f4", ("y", "x"))
                    v.units = units
                    v[:] = value
            v = ds.createVariable("nav_lev", "f4", ("z",))
            v.units, v.positive, v.long_name = "m", "down", "depth of T levels"
            v[:] = grid.gdept_1d
            for name, value, long in (("time", tval, "validity date of the increments"),
                                      ("z_inc_dateb", dateb, "start of the increment window"),
                                      ("z_inc_datef", datef, "end of the increment window")):
                v = ds.createVariable(name, "f8", ())
                v.units, v.long_name = "YYYYMMDD.HHMMSS", long
                v[...] = value
            coords = "nav_lat nav_lon" if grid.glamt is not None else ""
            for field, name in VARIABLES.items():
                point, units, std, long = FIELDS[field]
                dims = ("t", "y", "x") if field == "SSH" else ("t", "z", "y", "x")
                v = ds.createVariable(name, "f8", dims)
                v.units, v.long_name = units, f"increment of {long}"
                v.grid = point
                if coords:
                    v.coordinates = coords
                v[0] = getattr(inc, field)
    return path


def read_increments(path: str | os.PathLike, grid: Grid | None = None) -> Increments:
    """Read an increment file (global or ``_NNNN`` rank files) back into a :class:`State`."""
    files = rank_files(path)
    check_increments_file(files[0], grid if len(files) == 1 else None)
    arrays = read_global(files[0], list(VARIABLES.values()))
    with open_nc(files[0]) as ds:
        dates = [read_scalar(ds, n) for n in DATES]
    state = State(*(arrays[VARIABLES[f]] for f in FIELDS))
    state.check(grid, where=str(files[0]))
    return Increments(state, dates[1], dates[2], dates[0])


def check_increments_file(path: str | os.PathLike, grid: Grid | None = None) -> None:
    """Check a file as NEMO's ``asm_inc_init`` and ``iom_get`` will read it.

    Scalars with no spatial dimension (an unlimited one is allowed) holding valid dates;
    increments with 3 (2 for ``bckineta``) spatial dimensions after an optional leading
    unlimited one, at least one record, real type, finite; and, given the global ``grid``,
    sizes equal to (jpk, Nj0glo, Ni0glo).

    Raises
    ------
    NemoFileError
        Naming the file and the first offending variable.
    """
    with open_nc(path) as ds:
        unlimited = {n for n, d in ds.dimensions.items() if d.isunlimited()}
        for name in DATES:
            if name not in ds.variables:
                raise NemoFileError(path, "missing (asm_inc_init reads it)", name)
            var = ds.variables[name]
            spatial = [d for d in var.dimensions if d not in unlimited]
            if spatial or var.size != 1:
                raise NemoFileError(path, f"must be a scalar, has dimensions {var.dimensions}",
                                    name)
            try:
                nemo_date(var[...].item())
            except ValueError as err:
                raise NemoFileError(path, str(err), name) from err
        for field, name in VARIABLES.items():
            if name not in ds.variables:
                raise NemoFileError(path, "missing (asm_inc_init reads it)", name)
            var = ds.variables[name]
            dims = var.dimensions
            if not dims or dims[0] not in unlimited:
                raise NemoFileError(path, f"dimensions {dims} lack the leading unlimited "
                                    "record dimension", name)
            if len(ds.dimensions[dims[0]]) < 1:
                raise NemoFileError(path, "has no record 1", name)
            want = 2 if field == "SSH" else 3
            if len(dims) - 1 != want or dims[-2:] != ("y", "x"):
                expected = "(t, y, x)" if want == 2 else "(t, z, y, x)"
                raise NemoFileError(path, f"dimensions {dims}: expected {expected}", name)
            if var.dtype.kind != "f":
                raise NemoFileError(path, f"type {var.dtype} is not real", name)
            if grid is not None:
                shape = grid.shape[1:] if field == "SSH" else grid.shape
                if var.shape[1:] != shape:
                    raise NemoFileError(path, f"shape {var.shape[1:]} is not the global grid "
                                        f"{shape} (no halo)", name)
            if not np.isfinite(np.asarray(var[0])).all():
                raise NemoFileError(path, "holds NaN/inf values", name)
