"""Daily trajectories and EnOI ensembles as netCDF: ``thetao``, ``so`` (rec, z, y, x), ``zos``.

One layout for the replay host's free run and truth (records are model days; ``time`` in days
since 0001-01-01, as ``gyre_daily.nc``) and for the EnOI ensemble of background-error anomalies
(records are members, attribute ``format = "nemoml-ens-1"``). Written atomically
(``grid.atomic_path``: the user's umask, nothing left by a failed write); NaN-free, land 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nemoml.base.files import atomic_path

ENS_FORMAT = "nemoml-ens-1"
_NC = {"T": "thetao", "S": "so", "SSH": "zos"}


def write_fields(path: str | Path, fields: dict[str, np.ndarray], time: np.ndarray | None = None,
                 fmt: str = "", dtype: str = "f8") -> Path:
    """Write ``{T, S: (n, z, y, x), SSH: (n, y, x)}`` with record dimension ``time``."""
    import netCDF4

    path = Path(path)
    n, nz, ny, nx = fields["T"].shape
    with atomic_path(path) as tmp, netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
        if fmt:
            ds.format = fmt
        for name, size in (("time", n), ("z", nz), ("y", ny), ("x", nx)):
            ds.createDimension(name, size)
        if time is not None:
            var = ds.createVariable("time", "f8", ("time",))
            var.units = "days since 0001-01-01 00:00:00"
            var[:] = time
        for v, name in _NC.items():
            dims = ("time", "y", "x") if v == "SSH" else ("time", "z", "y", "x")
            var = ds.createVariable(name, dtype, dims, zlib=True, complevel=4)
            var[:] = fields[v]
    return path


def read_fields(path: str | Path, shape: tuple[int, int, int] | None = None,
                fmt: str = "") -> dict[str, np.ndarray]:
    """Read what :func:`write_fields` wrote; ``shape`` (z, y, x) is checked when given."""
    import netCDF4

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}")
    with netCDF4.Dataset(path) as ds:
        if fmt and getattr(ds, "format", None) != fmt:
            raise ValueError(f"{path}: global attribute format is not '{fmt}'")
        out = {}
        for v, name in _NC.items():
            if name not in ds.variables:
                raise KeyError(f"{path}: variable '{name}' is missing")
            out[v] = np.ma.filled(ds[name][:], np.nan).astype(np.float64)
    for v, a in out.items():
        want = None if shape is None else (shape[1:] if v == "SSH" else shape)
        if want is not None and a.shape[1:] != tuple(want):
            raise ValueError(f"{path}: {_NC[v]} has shape {a.shape[1:]} per record, the grid "
                             f"is {tuple(want)}")
        if not np.isfinite(a).all():
            raise ValueError(f"{path}: {_NC[v]} has non-finite values")
    return out


def write_ensemble(path: str | Path, members: dict[str, np.ndarray]) -> Path:
    return write_fields(path, members, fmt=ENS_FORMAT, dtype="f4")


def read_ensemble(path: str | Path, shape: tuple[int, int, int]) -> dict[str, np.ndarray]:
    return read_fields(path, shape, ENS_FORMAT)
