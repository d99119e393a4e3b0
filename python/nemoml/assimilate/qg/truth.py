"""The QG SSH truth of the altimetry OSSE (``../shared/data/qg/qg_ssh.nc`` or the embedded sample).

The 128 x 128 (7.8 km) doubly periodic field is block-averaged to a coarser grid (64 x 64 by
default, 15.6 km): 99.7 % of its variance is at wavelengths of 100 km or more.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nemoml.base import packaged
from nemoml.base.paths import shared_data

SHARED_QG = shared_data("qg", "qg_ssh.nc")
SAMPLE_QG = packaged.QG_SAMPLE
TRAIN_DAYS = (0, 1035)  # README split: train 0-1034, validation 1035-1094, test 1095-1459
VAL_DAYS = (1035, 1095)
TEST_DAYS = (1095, 1460)


@dataclass
class Truth:
    """Daily SSH truth ``ssh`` (time, y, x) in metres on a regular, possibly periodic grid."""

    ssh: np.ndarray
    time: np.ndarray  # days
    x: np.ndarray  # cell centres, km
    y: np.ndarray
    periodic: bool = True

    @property
    def dx(self) -> float:
        return float(self.x[1] - self.x[0])

    def days(self, start: int, stop: int) -> Truth:
        """The sub-period whose ``time`` lies in [start, stop)."""
        sel = (self.time >= start) & (self.time < stop)
        return Truth(self.ssh[sel], self.time[sel], self.x, self.y, self.periodic)


def default_path() -> Path:
    """The shared 4-year file when present, else the embedded sample."""
    return SHARED_QG if SHARED_QG.is_file() else SAMPLE_QG


def coarsen(a: np.ndarray, factor: int) -> np.ndarray:
    """Block-average the last two axes by ``factor``."""
    *lead, ny, nx = a.shape
    if ny % factor or nx % factor:
        raise ValueError(f"grid {ny}x{nx} is not divisible by the coarsening factor {factor}")
    return a.reshape(*lead, ny // factor, factor, nx // factor, factor).mean(axis=(-3, -1))


def load_truth(path: str | Path | None = None, n: int = 64,
               days: tuple[int, int] | None = None) -> Truth:
    """Read ``zos`` from a QG file and block-average it to an ``n`` x ``n`` grid.

    Raises
    ------
    FileNotFoundError, KeyError, ValueError
        Missing file, missing variable, a grid not divisible to ``n``, or non-finite values.
    """
    import netCDF4

    path = Path(path) if path is not None else default_path()
    if not path.is_file():
        raise FileNotFoundError(f"QG truth file not found: {path}")
    with netCDF4.Dataset(path) as ds:
        for name in ("zos", "time", "x", "y"):
            if name not in ds.variables:
                raise KeyError(f"{path}: variable '{name}' is missing")
        time = np.asarray(ds["time"][:], dtype=np.float64)
        sel = slice(None)
        if days is not None:
            idx = np.flatnonzero((time >= days[0]) & (time < days[1]))
            if idx.size == 0:
                raise ValueError(f"{path}: no day in [{days[0]}, {days[1]})")
            sel = slice(int(idx[0]), int(idx[-1]) + 1)
        zos = np.ma.filled(ds["zos"][sel], np.nan).astype(np.float64)
        x = np.asarray(ds["x"][:], dtype=np.float64)
        y = np.asarray(ds["y"][:], dtype=np.float64)
        time = time[sel]
    if not np.isfinite(zos).all():
        bad = int(np.argwhere(~np.isfinite(zos))[0][0])
        raise ValueError(f"{path}: 'zos' has non-finite values at time index {bad}")
    factor = zos.shape[-1] // n
    if factor < 1 or zos.shape[-1] % n or zos.shape[-2] % n:
        raise ValueError(f"{path}: a {zos.shape[-2]}x{zos.shape[-1]} grid cannot be coarsened "
                         f"to {n}x{n}")
    return Truth(coarsen(zos, factor).astype(np.float32), time,
                 x.reshape(-1, factor).mean(axis=1), y.reshape(-1, factor).mean(axis=1))


def write_sample(truth: Truth, path: str | Path) -> Path:
    """Write ``truth`` in the layout of ``qg_ssh.nc`` (how the embedded sample was made).

    The file is written to a temporary name and renamed into place.
    """
    import os

    import netCDF4

    path = Path(path)
    tmp = path.with_name(f"tmp_{path.name}")
    try:
        with netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
            ds.title = "QG SSH truth, block-averaged sample of qg_ssh.nc (nemoml)"
            ds.createDimension("time", truth.time.size)
            ds.createDimension("y", truth.y.size)
            ds.createDimension("x", truth.x.size)
            for name, data, units in (("time", truth.time, "day"), ("x", truth.x, "km"),
                                      ("y", truth.y, "km")):
                var = ds.createVariable(name, "f8", (name,))
                var.units = units
                var[:] = data
            var = ds.createVariable("zos", "f4", ("time", "y", "x"), zlib=True, complevel=9,
                                    shuffle=True)
            var.units = "m"
            var[:] = truth.ssh
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
