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


def load_states(path, variables=("T", "S", "SSH"), nz: int | None = None,
                min_year: int | None = None, max_year: int | None = None) -> StateSet:
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
    """
    import netCDF4

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"state database not found: {path}")
    try:
        ds = netCDF4.Dataset(path)
    except OSError as err:
        raise OSError(f"{path}: not a readable netCDF file ({err})") from err
    with ds:
        ds.set_auto_mask(False)
        n_time = None
        keep = slice(None)
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
        fields = {}
        for var in variables:
            v = _find(ds, var, path)
            want = 3 if var == "SSH" else 4
            arr = np.asarray(v[:], dtype=np.float64)
            if arr.ndim == want - 1:  # a single state without a time axis
                arr = arr[None]
            if arr.ndim != want:
                raise ValueError(f"{path}: {v.name} has {arr.ndim} dimensions, expected {want}")
            arr = arr[keep]
            if var != "SSH" and nz is not None and arr.shape[1] != nz:
                raise ValueError(
                    f"{path}: {v.name} has {arr.shape[1]} levels but the model has {nz}"
                )
            n_time = arr.shape[0] if n_time is None else n_time
            fields[var] = arr
        time = np.full(n_time, np.nan)
        for name in ("time", "time_counter", "adatrj"):
            if name in ds.variables:
                t = np.atleast_1d(np.asarray(ds.variables[name][:], dtype=np.float64))[keep]
                if t.size == n_time:
                    time = t
                break
    return StateSet(fields, time, str(path))


def split_by_time(states: StateSet, val_fraction: float) -> tuple[StateSet, StateSet]:
    """Fixed split: the latest ``val_fraction`` of states (in time) are held out."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    order = np.argsort(states.time, kind="stable") if np.isfinite(states.time).all() \
        else np.arange(len(states))
    n_val = max(1, int(round(len(order) * val_fraction)))
    if n_val >= len(order):
        raise ValueError(f"{states.source}: {len(order)} states are too few to split")
    return states.subset(order[:-n_val]), states.subset(order[-n_val:])
