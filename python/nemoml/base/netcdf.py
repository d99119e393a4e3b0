"""netCDF helpers for every room that reads NEMO files: clear errors and record handling
(writes go through :mod:`nemoml.base.files`)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import netCDF4
import numpy as np

from nemoml.base.files import NemoFileError, atomic_path, default_mode  # noqa: F401 (API)

# netCDF names of NEMO's unlimited time axis, dropped when a variable holds a single record
TIME_DIMS = ("time_counter", "time", "t")


@contextlib.contextmanager
def open_nc(path: str | os.PathLike) -> Iterator[netCDF4.Dataset]:
    """Open a netCDF file for reading, turning every failure into a :class:`NemoFileError`."""
    path = Path(path)
    if not path.is_file():
        raise NemoFileError(path, "no such file")
    try:
        ds = netCDF4.Dataset(path, "r")
    except OSError as err:
        msg = f"cannot be opened as netCDF (truncated or corrupt?): {err}"
        raise NemoFileError(path, msg) from err
    try:
        ds.set_auto_mask(False)
        yield ds
    finally:
        ds.close()


def read_var(
    ds: netCDF4.Dataset,
    name: str,
    *,
    ndim: int | None = None,
    shape: Sequence[int] | None = None,
    record: int | None = 0,
    dtype: type = np.float64,
    finite: bool = True,
) -> np.ndarray:
    """Read one variable, dropping its leading time axis, and check rank, shape and values.

    Parameters
    ----------
    ds
        An open dataset (from :func:`open_nc`).
    name
        Variable name.
    ndim, shape
        Expected spatial rank / shape after the time axis is dropped; ``None`` skips the check.
    record
        Which record of a leading time axis to read; ``None`` keeps the whole axis.
    dtype
        Returned dtype.
    finite
        Reject NaN and infinite values.
    """
    path = ds.filepath()
    if name not in ds.variables:
        raise NemoFileError(path, "missing from the file", name)
    var = ds.variables[name]
    dims = var.dimensions
    index: tuple = ()
    if record is not None and dims and dims[0] in TIME_DIMS:
        nrec = len(ds.dimensions[dims[0]])
        if not -nrec <= record < nrec:
            raise NemoFileError(path, f"has {nrec} records, record {record} was asked for", name)
        index = (record,)
    try:
        data = np.asarray(var[index] if index else var[...], dtype=dtype)
    except (OSError, RuntimeError, IndexError) as err:
        raise NemoFileError(path, f"cannot be read (truncated file?): {err}", name) from err
    if ndim is not None and data.ndim != ndim:
        raise NemoFileError(path, f"expected {ndim} spatial dimensions, found shape {data.shape}",
                            name)
    if shape is not None and tuple(data.shape) != tuple(shape):
        raise NemoFileError(path, f"expected shape {tuple(shape)}, found {data.shape}", name)
    if finite and data.dtype.kind == "f" and not np.isfinite(data).all():
        raise NemoFileError(path, f"holds {int((~np.isfinite(data)).sum())} NaN/inf values",
                            name)
    return data


def read_scalar(ds: netCDF4.Dataset, name: str) -> float | None:
    """Read a 0-d (or single-record) variable such as ``kt`` or ``rdt``; ``None`` if absent."""
    if name not in ds.variables:
        return None
    return float(np.asarray(ds.variables[name][...]).reshape(-1)[0])


def create_nc(path: Path, fmt: str = "NETCDF4") -> netCDF4.Dataset:
    """Create (clobber) a netCDF file at a temporary path from :func:`atomic_path`."""
    return netCDF4.Dataset(path, "w", format=fmt)


def set_domain_attrs(
    ds: netCDF4.Dataset,
    size_global: tuple[int, int],
    first: tuple[int, int] = (1, 1),
    size_local: tuple[int, int] | None = None,
    number: int = 0,
    total: int = 1,
) -> None:
    """Write NEMO's ``DOMAIN_*`` attributes (1-based, no halo; sizes as (i, j))."""
    size_local = size_local or size_global
    last = (first[0] + size_local[0] - 1, first[1] + size_local[1] - 1)
    ds.setncattr("DOMAIN_number_total", np.int32(total))
    ds.setncattr("DOMAIN_number", np.int32(number))
    ds.setncattr("DOMAIN_dimensions_ids", np.array([1, 2], dtype=np.int32))
    ds.setncattr("DOMAIN_size_global", np.array(size_global, dtype=np.int32))
    ds.setncattr("DOMAIN_size_local", np.array(size_local, dtype=np.int32))
    ds.setncattr("DOMAIN_position_first", np.array(first, dtype=np.int32))
    ds.setncattr("DOMAIN_position_last", np.array(last, dtype=np.int32))
    ds.setncattr("DOMAIN_halo_size_start", np.array([0, 0], dtype=np.int32))
    ds.setncattr("DOMAIN_halo_size_end", np.array([0, 0], dtype=np.int32))
    ds.setncattr("DOMAIN_type", "BOX")
