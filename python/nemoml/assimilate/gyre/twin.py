"""The GYRE twin experiment's data: daily truth, drift patterns, backgrounds with model errors.

Truth: ``gyre_daily/gyre_daily.nc`` (years 130-133 train, 134 validation, 135 test).

Backgrounds: GYRE at 1 degree repeats its years, so the error to correct is a wrong, drifting
state. The spin-up states of ``gyre/gyre_states.nc`` (years 2-60, from rest) are real examples:
a **drift pattern** is one of them minus the equilibrated state of the same calendar month (the
mean of that month's stored states in years 100-129), for T, S and SSH. A background window is
the truth plus ``amplitude`` times one pattern, the same pattern every day of the window (a
forecast that carries its initial state's error). The patterns are split by their order in the
file (every 4th from the first is test, every 4th from the third validation, the rest train):
test backgrounds carry errors the training never saw, from the same spin-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nemoml.base.paths import shared_data

DAILY = shared_data("gyre_daily", "gyre_daily.nc")
SPINUP = shared_data("gyre", "gyre_states.nc")
MESH = shared_data("gyre", "mesh_mask.nc")
YEARS = {"train": (130, 133), "val": (134, 134), "test": (135, 135)}
DRIFT_YEARS = (2, 60)
REF_YEARS = (100, 129)
VARS = ("T", "S", "SSH")
_NC = {"T": "thetao", "S": "so", "SSH": "zos"}


@dataclass
class Fields:
    """Daily (or any) states: T, S (n, z, y, x), SSH (n, y, x), float32, land 0."""

    T: np.ndarray
    S: np.ndarray
    SSH: np.ndarray
    days: np.ndarray
    months: np.ndarray  # calendar month 1..12 of each state

    def __len__(self) -> int:
        return int(self.days.size)

    def as_dict(self) -> dict:
        return {"T": self.T, "S": self.S, "SSH": self.SSH}

    def take(self, idx) -> Fields:
        return Fields(self.T[idx], self.S[idx], self.SSH[idx], self.days[idx], self.months[idx])


def _read(path: Path, select) -> Fields:
    import netCDF4

    if not Path(path).is_file():
        raise FileNotFoundError(f"GYRE data not found: {path}")
    with netCDF4.Dataset(path) as ds:
        years = np.asarray(ds["model_year"][:])
        idx = np.flatnonzero(select(years))
        out = {v: np.ma.filled(ds[_NC[v]][idx], 0.0).astype(np.float32) for v in VARS}
        days = np.asarray(ds["time"][idx], dtype=np.float64)
        months = (np.asarray(ds["ndastp"][idx]) // 100) % 100
    return Fields(out["T"], out["S"], out["SSH"], days, months)


def load_truth(split: str, path: Path = DAILY) -> Fields:
    lo, hi = YEARS[split]
    return _read(path, lambda y: (y >= lo) & (y <= hi))


def drift_patterns(path: Path = SPINUP) -> dict[str, Fields]:
    """Drift patterns by split: spin-up state minus the equilibrated same-month mean."""
    spin = _read(path, lambda y: (y >= DRIFT_YEARS[0]) & (y <= DRIFT_YEARS[1]))
    ref = _read(path, lambda y: (y >= REF_YEARS[0]) & (y <= REF_YEARS[1]))
    anom = {v: np.empty_like(getattr(spin, v)) for v in VARS}
    for m in range(1, 13):
        sel = spin.months == m
        if not sel.any():
            continue
        rsel = ref.months == m
        if not rsel.any():
            raise ValueError(f"{path}: no equilibrated state of month {m} in years {REF_YEARS}")
        for v in VARS:
            anom[v][sel] = getattr(spin, v)[sel] - getattr(ref, v)[rsel].mean(axis=0)
    pats = Fields(anom["T"], anom["S"], anom["SSH"], spin.days, spin.months)
    order = np.arange(len(pats))
    return {"test": pats.take(order % 4 == 0), "val": pats.take(order % 4 == 2),
            "train": pats.take(order % 4 % 2 == 1)}


def background(truth: Fields, start: int, n_days: int, pattern: Fields, k: int,
               amplitude: float = 1.0) -> dict:
    """Truth of days [start, start + n_days) plus ``amplitude`` times drift pattern ``k``."""
    return {v: getattr(truth, v)[start:start + n_days] + amplitude * getattr(pattern, v)[k]
            for v in VARS}


def window(truth: Fields, start: int, n_days: int) -> dict:
    return {v: getattr(truth, v)[start:start + n_days] for v in VARS}
