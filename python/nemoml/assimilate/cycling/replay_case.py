"""The GYRE replay case of cycled assimilation: truth, free run, observations, EnOI ensemble.

Truth: the daily states of year 135 of ``gyre_daily`` (the held-out year; days since 0001-01-01
of the 360-day calendar, a state at the end of each model day). Free run: the truth plus a
drifting model error, the drift pattern (:mod:`gyre`) of one spin-up state morphing linearly
into the next one's over the run (test patterns ``FREE_PATTERNS``: errors neither the 4DVarNet
training nor the EnOI ensemble saw; T error 0.80 to 0.75 degC). Observations: the full simulated
system (four nadirs, SST with 30 % cloud, five Argo profiles a day) from the truth, those of
model day ``d`` dated within that day. EnOI ensemble: the training drift patterns.

Without ``../shared`` the embedded sample ``data/gyre/cycle_sample.nc`` (60 days, the two free
patterns, every 3rd training pattern; :func:`make_sample`) stands in.

The replay host (``nemoml_replay``, ``fortran/host``) runs the "model" ``free + every increment
applied so far`` with NEMO's calls and prints per-window RMSE against the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nemoml.assimilate.baselines.ensemble_file import write_ensemble, write_fields
from nemoml.assimilate.gyre import twin as gyre
from nemoml.base import packaged

SAMPLE = packaged.CYCLE_SAMPLE
FREE_PATTERNS = (8, 9)  # test drift patterns of the free run's error, start and end
DATE0, LEAPY, RDT = 1350101, 30, 14400.0  # GYRE's year 135, 360-day calendar, rn_Dt
MESH_NAME = "mesh_mask.nc"


@dataclass
class ReplayData:
    truth: gyre.Fields
    free_start: dict  # error patterns {T, S, SSH} at the first and the last day
    free_end: dict
    ensemble: dict  # {T, S, SSH} (members, ...)
    source: str


def load(days: int, shared: bool = True) -> ReplayData:
    """The first ``days`` days; from ``../shared`` when there (and ``shared``), else the sample."""
    if shared and gyre.DAILY.is_file() and gyre.SPINUP.is_file():
        truth = gyre.load_truth("test")
        pats = gyre.drift_patterns()
        test, train = pats["test"], pats["train"]
        a, b = ({v: getattr(test, v)[k] for v in gyre.VARS} for k in FREE_PATTERNS)
        ens, src = train.as_dict(), str(gyre.DAILY.parent)
    else:
        truth, a, b, ens = _read_sample(SAMPLE)
        src = str(SAMPLE)
    if days > len(truth):
        raise ValueError(f"{src}: {len(truth)} days of truth, {days} asked")
    return ReplayData(truth.take(np.arange(days)), a, b, ens, src)


def free_run(data: ReplayData) -> dict:
    n = len(data.truth)
    s = np.linspace(0.0, 1.0, n, dtype=np.float32)
    out = {}
    for v in gyre.VARS:
        shape = (n,) + (1,) * data.free_start[v].ndim
        err = (1 - s).reshape(shape) * data.free_start[v] + s.reshape(shape) * data.free_end[v]
        out[v] = getattr(data.truth, v) + err
    return out


def observe(data: ReplayData, seed: int = 0):
    from nemoml.assimilate.obs import simulators as simobs
    from nemoml.assimilate.obs.ocean_grid import OceanGrid

    grid = OceanGrid.from_mesh_mask(mesh_mask())
    t = data.truth
    return simobs.simulate_all(grid, t.SSH, t.T, t.S, t.days - 1.0, 5, 0.3, seed)


def mesh_mask() -> Path:
    from nemoml.base.packaged import gyre as sample

    return gyre.MESH if gyre.MESH.is_file() else sample(MESH_NAME)


@dataclass
class ReplayCase:
    """The files of one replay run (see :func:`build`)."""

    folder: Path
    days: int
    truth: Path
    free: Path
    obs: Path
    ensemble: Path
    mesh: Path
    source: str


def build(folder: str | Path, days: int, seed: int = 0, shared: bool = True,
          obs_filter=None) -> ReplayCase:
    """Write ``truth.nc``, ``free.nc``, ``obs.nc`` and ``ens.nc`` of ``days`` days to ``folder``.

    ``obs_filter(obs) -> obs`` edits the observations (tests: empty windows, bad dates).
    """
    from nemoml.assimilate.obs.obsfile import write_obs_set

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = load(days, shared)
    t = data.truth
    obs = observe(data, seed)
    if obs_filter is not None:
        obs = obs_filter(obs)
    case = ReplayCase(folder, days, folder / "truth.nc", folder / "free.nc", folder / "obs.nc",
                      folder / "ens.nc", mesh_mask(), data.source)
    write_fields(case.truth, t.as_dict(), t.days)
    write_fields(case.free, free_run(data), t.days)
    write_obs_set(case.obs, obs)
    write_ensemble(case.ensemble, data.ensemble)
    return case


def make_sample(path: str | Path = SAMPLE, days: int = 60, every: int = 3) -> Path:
    """Write the embedded sample from ``../shared`` (float32, zlib, 3-4 significant decimals)."""
    import netCDF4

    truth = gyre.load_truth("test").take(np.arange(days))
    pats = gyre.drift_patterns()
    test, train = pats["test"], pats["train"].take(np.arange(0, len(pats["train"]), every))
    groups = {"truth": truth.as_dict(),
              "free": {v: getattr(test, v)[list(FREE_PATTERNS)] for v in gyre.VARS},
              "ensemble": train.as_dict()}
    digits = {"T": 3, "S": 4, "SSH": 4}
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.description = ("nemoml cycled-assimilation sample: GYRE year 135 days 1-60 (truth), "
                          "the free run's two drift patterns, every 3rd training drift pattern")
        for name in ("z", "y", "x"):
            ds.createDimension(name, {"z": 31, "y": 22, "x": 32}[name])
        for g, fields in groups.items():
            grp = ds.createGroup(g)
            grp.createDimension("rec", fields["T"].shape[0])
            for v, a in fields.items():
                dims = ("rec", "y", "x") if v == "SSH" else ("rec", "z", "y", "x")
                var = grp.createVariable(v, "f4", dims, zlib=True, complevel=9, shuffle=True,
                                         least_significant_digit=digits[v])
                var[:] = a
            if g == "truth":
                grp.createVariable("days", "f8", ("rec",))[:] = truth.days
                grp.createVariable("months", "i2", ("rec",))[:] = truth.months
    return Path(path)


def _read_sample(path: Path):
    import netCDF4

    if not path.is_file():
        raise FileNotFoundError(f"no GYRE daily data in ../shared and no embedded sample {path}")
    with netCDF4.Dataset(path) as ds:
        g = {name: {v: np.asarray(grp[v][:], np.float32) for v in gyre.VARS}
             for name, grp in ds.groups.items()}
        days = np.asarray(ds["truth"]["days"][:], np.float64)
        months = np.asarray(ds["truth"]["months"][:])
    t = g["truth"]
    truth = gyre.Fields(t["T"], t["S"], t["SSH"], days, months)
    free = g["free"]
    a, b = ({v: free[v][k] for v in gyre.VARS} for k in (0, 1))
    return truth, a, b, g["ensemble"]
