"""Databases of NEMO states for training and evaluation: netCDF files with a time axis
holding T, S, SSH (and optionally U, V) under NEMO output or restart names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

NAMES = {
    "T": ("thetao", "tn", "toce", "votemper", "toce_inst"),
    "S": ("so", "sn", "soce", "vosaline", "soce_inst"),
    "SSH": ("zos", "sshn", "ssh", "sossheig", "ssh_inst"),
    "U": ("uo", "un", "uoce", "vozocrtx"),
    "V": ("vo", "vn", "voce", "vomecrty"),
}


@dataclass
class StateSet:
    """States (n, z, y, x) / (n, y, x) and the time of each (days, NaN when unknown)."""

    fields: dict
    time: np.ndarray
    source: str

    def __len__(self) -> int:
        return len(self.time)

    def subset(self, index) -> StateSet:
        return StateSet({k: v[index] for k, v in self.fields.items()}, self.time[index],
                        self.source)


def _find(ds, var: str, path: Path):
    for name in NAMES[var]:
        if name in ds.variables:
            return ds.variables[name]
    raise KeyError(f"{path}: no variable for {var} (looked for {', '.join(NAMES[var])})")


@dataclass
class StateFile:
    """A database opened without reading it: the states ``rows`` (indices along the file's time
    axis) and their times; ``read`` and ``batches`` read a few states at a time in any dtype, so
    a float32 copy never passes through a float64 one of the whole database."""

    path: Path
    names: dict  # variable -> the file's name for it
    rows: np.ndarray
    time: np.ndarray
    timeless: bool  # a single state without a time axis

    @property
    def variables(self) -> tuple:
        return tuple(self.names)

    def __len__(self) -> int:
        return len(self.rows)

    def subset(self, index) -> StateFile:
        return StateFile(self.path, self.names, self.rows[index], self.time[index], self.timeless)

    def read(self, index=slice(None), dtype=np.float32) -> dict:
        """Fields of states ``index`` (positions in ``rows``) as ``dtype`` arrays (``None``:
        the file's own)."""
        import netCDF4

        rows = self.rows[index]
        with netCDF4.Dataset(self.path) as ds:
            ds.set_auto_mask(False)
            out = {}
            for var, name in self.names.items():
                v = ds.variables[name]
                dtype_v = v.dtype if dtype is None else dtype
                if self.timeless:
                    a = np.asarray(v[:], dtype_v)[None][np.zeros(len(rows), int)]
                elif len(rows) and np.all(np.diff(rows) == 1):  # one contiguous read
                    a = np.asarray(v[int(rows[0]): int(rows[-1]) + 1], dtype_v)
                else:
                    a = np.empty((len(rows), *v.shape[1:]), dtype_v)
                    for i, r in enumerate(rows):
                        a[i] = v[int(r)]
                out[var] = a
        return out

    def batches(self, size: int, dtype=np.float32):
        """``(start, fields)`` of consecutive batches of at most ``size`` states."""
        for start in range(0, len(self), size):
            yield start, self.read(slice(start, start + size), dtype)

    def load(self, dtype=np.float64) -> StateSet:
        return StateSet(self.read(slice(None), dtype), self.time, str(self.path))


def open_states(path, variables=("T", "S", "SSH"), nz: int | None = None,
                min_year: int | None = None, max_year: int | None = None) -> StateFile:
    """Open a database of states without reading them (arguments as ``load_states``); shapes,
    levels and the year range are checked here."""
    import netCDF4

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"state database not found: {path}")
    try:
        ds = netCDF4.Dataset(path)
    except OSError as err:
        raise OSError(f"{path}: not a readable netCDF file ({err})") from err
    with ds:
        names, n_time, timeless = {}, None, False
        for var in variables:
            v = _find(ds, var, path)
            want = 3 if var == "SSH" else 4
            if v.ndim not in (want - 1, want):
                raise ValueError(f"{path}: {v.name} has {v.ndim} dimensions, expected {want}")
            timeless = v.ndim == want - 1
            shape = (1, *v.shape) if timeless else v.shape
            if var != "SSH" and nz is not None and shape[1] != nz:
                raise ValueError(
                    f"{path}: {v.name} has {shape[1]} levels but the model has {nz}"
                )
            n_time = shape[0] if n_time is None else n_time
            names[var] = v.name
        keep = np.arange(n_time)
        if min_year is not None or max_year is not None:
            if "model_year" not in ds.variables:
                raise ValueError(f"{path}: --min-year/--max-year need a 'model_year' variable, "
                                 "which this file lacks (rebuild it with `nemoml io build-db`, "
                                 "which writes one, or drop the year range)")
            years = np.asarray(ds.variables["model_year"][:])
            ok = np.ones(len(years), bool)
            if min_year is not None:
                ok &= years >= min_year
            if max_year is not None:
                ok &= years <= max_year
            keep = np.flatnonzero(ok)
            if keep.size == 0:
                raise ValueError(f"{path}: no state in model years {min_year}..{max_year}")
        time = np.full(len(keep), np.nan)
        for name in ("time", "time_counter", "adatrj"):
            if name in ds.variables:
                t = np.atleast_1d(np.asarray(ds.variables[name][:], dtype=np.float64))
                if t.size == n_time:
                    time = t[keep]
                break
    return StateFile(path, names, keep, time, timeless)


def load_states(path, variables=("T", "S", "SSH"), nz: int | None = None,
                min_year: int | None = None, max_year: int | None = None,
                dtype=np.float64) -> StateSet:
    """Read states from one netCDF file.

    Parameters
    ----------
    path : path-like
        File with a leading time axis (a single restart file without one is one state).
    variables : sequence of str
        Which of ``T``, ``S``, ``SSH``, ``U``, ``V`` to read.
    nz : int, optional
        Levels the model expects; a file with another count raises, naming the file.
    min_year, max_year : int, optional
        Keep states whose ``model_year`` is inside this range (inclusive).
    dtype : numpy dtype
        Of the arrays returned (read state by state into it).
    """
    return open_states(path, variables, nz, min_year, max_year).load(dtype)


def split_rows(n: int, time: np.ndarray, val_fraction: float, source: str):
    """Positions of the training and validation states: the latest ``val_fraction`` of states
    (in time) are held out."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    order = np.argsort(time, kind="stable") if np.isfinite(time).all() else np.arange(n)
    n_val = max(1, int(round(n * val_fraction)))
    if n_val >= n:
        raise ValueError(f"{source}: {n} states are too few to split")
    return order[:-n_val], order[-n_val:]


def split_by_time(states, val_fraction: float):
    """Fixed split (``split_rows``) of a ``StateSet`` or ``StateFile``."""
    train, val = split_rows(len(states), states.time, val_fraction, str(states.source
                            if isinstance(states, StateSet) else states.path))
    return states.subset(train), states.subset(val)
