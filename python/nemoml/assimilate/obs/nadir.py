"""Simulated nadir altimetry: repeat-orbit ground tracks sampled on the model grid, with noise.

Each satellite flies straight tracks across the domain, alternately ascending and descending, at
``angle_deg`` from north. A repeat cycle of ``repeat_days`` holds ``round(repeat_days *
passes_per_day)`` passes over the domain, spread evenly in x; successive passes jump by a fixed
stride through those offsets, as a real repeat orbit fills its track grid over a cycle. Points
are ``spacing_km`` apart along track (1 Hz nadir is about 6-7 km); the value is the truth of the
pass's day, bilinearly interpolated, plus white noise of ``noise_m``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nemoml.assimilate.obs.obsfile import ObsPoints


@dataclass(frozen=True)
class Satellite:
    name: str
    repeat_days: float
    passes_per_day: float
    angle_deg: float = 25.0
    phase: float = 0.0  # offset of the track grid, fraction of the domain width


# The DC-2020a four-nadir constellation (TOPEX/Poseidon interleaved, Jason-1, GFO, Envisat) with
# the repeat cycles of the real orbits and about 0.7-0.8 passes a day over a 1000 km box.
FOUR_NADIRS = (
    Satellite("topex_interleaved", 9.9156, 0.8, 25.0, 0.5),
    Satellite("jason1", 9.9156, 0.8, 25.0, 0.0),
    Satellite("gfo", 17.05, 0.7, 22.0, 0.27),
    Satellite("envisat", 35.0, 0.7, 20.0, 0.61),
)


def constellation(n: int) -> tuple[Satellite, ...]:
    """The first ``n`` satellites of the four-nadir set, then copies with shifted tracks."""
    if n < 1:
        raise ValueError(f"need at least one satellite, got {n}")
    sats = list(FOUR_NADIRS[:n])
    for i in range(len(sats), n):
        base = FOUR_NADIRS[i % 4]
        sats.append(Satellite(f"{base.name}_{i}", base.repeat_days, base.passes_per_day,
                              base.angle_deg, (base.phase + 0.37 * i) % 1.0))
    return tuple(sats)


def _bilinear_periodic(field: np.ndarray, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """Sample ``field`` (y, x) at fractional cell indices, wrapping both axes."""
    ny, nx = field.shape
    x0 = np.floor(fx).astype(int)
    y0 = np.floor(fy).astype(int)
    wx = fx - x0
    wy = fy - y0
    x0 %= nx
    y0 %= ny
    x1 = (x0 + 1) % nx
    y1 = (y0 + 1) % ny
    return ((1 - wy) * ((1 - wx) * field[y0, x0] + wx * field[y0, x1])
            + wy * ((1 - wx) * field[y1, x0] + wx * field[y1, x1]))


def simulate(truth, satellites: tuple[Satellite, ...] = FOUR_NADIRS,
             noise_m: float = 0.02, spacing_km: float = 7.0, seed: int = 0) -> ObsPoints:
    """Sample ``truth`` along the ground tracks of ``satellites`` for every day of ``truth``.

    ``truth`` is a periodic SSH field on a regular grid (``x``, ``y`` cell centres and ``dx``
    in km, ``time`` in days, ``ssh`` (time, y, x), ``periodic``): the QG case's
    ``assimilate.qg.truth.Truth``. NEMO grids use :func:`.simulators.nadir`.
    """
    if not truth.periodic:
        raise ValueError("the nadir simulator needs a periodic grid (the QG OSSE domain)")
    rng = np.random.default_rng(seed)
    dx = truth.dx
    width = dx * truth.x.size
    height = dx * truth.y.size
    t0 = float(truth.time[0])
    n_days = truth.time.size
    cols = {"time": [], "x": [], "y": [], "ssh": [], "satellite": []}
    for sid, sat in enumerate(satellites):
        n_cycle = max(2, round(sat.repeat_days * sat.passes_per_day))
        n_off = max(1, n_cycle // 2)
        stride = next(s for s in range(max(1, n_off // 3), n_off + 1) if np.gcd(s, n_off) == 1)
        slope = np.tan(np.radians(sat.angle_deg))
        along = np.arange(0.0, height / np.cos(np.radians(sat.angle_deg)), spacing_km)
        first = int(np.ceil(t0 * sat.passes_per_day))
        last = int(np.floor((t0 + n_days) * sat.passes_per_day))
        for p in range(first, last):
            t = p / sat.passes_per_day + 0.5 / sat.passes_per_day
            day = int(np.floor(t - t0))
            if not 0 <= day < n_days:
                continue
            j = p % n_cycle
            x0 = ((j // 2 * stride) % n_off / n_off + sat.phase) * width
            yy = along * np.cos(np.radians(sat.angle_deg))
            sign = 1.0 if j % 2 == 0 else -1.0
            xx = (x0 + sign * slope * yy) % width
            ypos = truth.y[0] - dx / 2 + yy
            vals = _bilinear_periodic(truth.ssh[day], xx / dx - 0.5,
                                      (ypos - truth.y[0]) / dx)
            cols["time"].append(np.full(xx.size, t0 + day + 0.5))
            cols["x"].append(xx + truth.x[0] - dx / 2)
            cols["y"].append(ypos)
            cols["ssh"].append(vals + noise_m * rng.standard_normal(xx.size))
            cols["satellite"].append(np.full(xx.size, sid, dtype=np.int16))
    cat = {k: np.concatenate(v) for k, v in cols.items()}
    return ObsPoints(cat["time"], cat["x"], cat["y"], cat["ssh"].astype(np.float32),
                     cat["satellite"], tuple(s.name for s in satellites), noise_m)
