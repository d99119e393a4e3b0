"""One harness for OI, 4DVar and 4DVarNet on the same OSSE data, scored with DC-2020a metrics.

Every method maps the same days of the held-out year: 4DVarNet blends the windows centred on
each day with triangular weights (``map_inline`` scores it as NEMO runs it: from a stale
background, centre day only); 4DVar, whose
iterations are costly, keeps whole windows tiling the period; OI maps blocks of days from the
observations within +/- ``halo_days``.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from nemoml.assimilate.baselines.fourdvar import fourdvar
from nemoml.assimilate.baselines.oi import OIConfig, oi_cg, oi_period
from nemoml.assimilate.fourdvarnet.solver import FourDVarNet
from nemoml.assimilate.qg import truth as qg
from nemoml.assimilate.qg.osse import Osse
from nemoml.assimilate.qg.train import triangle_weights
from nemoml.evaluate.mapping import mapping_scores


def eval_days(scn: Osse, n_t: int, period: tuple[int, int] = qg.TEST_DAYS,
              limit: int | None = None) -> np.ndarray:
    """Indices (into the OSSE record) of the days whose whole window lies inside ``period``."""
    idx = np.flatnonzero((scn.truth.time >= period[0]) & (scn.truth.time < period[1]))
    if idx.size < n_t:
        raise ValueError(f"period {period} is shorter than one {n_t}-day window")
    days = idx[n_t // 2: idx.size - (n_t - 1 - n_t // 2)]
    return days[:limit] if limit else days


@torch.no_grad()
def map_windows(scn: Osse, days: np.ndarray, n_t: int, solve,
                batch: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Analyses (metres) of ``days`` from the windows centred on each of them, by
    ``solve(y, mask)``: every window covering a day averaged with the triangular training
    weights (as 4dvarnet-starter maps its test period), and the centre days alone."""
    win = scn.windows((-np.inf, np.inf))
    acc = np.zeros((days.size, *win.truth.shape[1:]))
    wsum = np.zeros(days.size)
    centre = np.empty_like(acc)
    weights = triangle_weights(n_t).numpy()
    for i in range(0, days.size, batch):
        s = days[i: i + batch] - n_t // 2
        obs = torch.from_numpy(np.stack([win.obs[j: j + n_t] for j in s]))
        mask = torch.from_numpy(np.stack([win.mask[j: j + n_t] for j in s]).astype(np.float32))
        out = solve(obs, mask).numpy()
        centre[i: i + s.size] = out[:, n_t // 2]
        for j, a in zip(s, out, strict=True):
            pos = j + np.arange(n_t) - days[0]
            ok = (pos >= 0) & (pos < days.size) & (weights > 0)
            acc[pos[ok]] += weights[ok, None, None] * a[ok]
            wsum[pos[ok]] += weights[ok]
    blended = acc / wsum[:, None, None] * scn.std + scn.mean
    return blended.astype(np.float32), (centre * scn.std + scn.mean).astype(np.float32)


@torch.no_grad()
def map_blocks(scn: Osse, days: np.ndarray, n_t: int, solve, batch: int = 8) -> np.ndarray:
    """Analyses (metres) of ``days`` from non-overlapping windows tiling them (whole windows
    kept, the last one shifted back inside the record)."""
    win = scn.windows((-np.inf, np.inf))
    n_rec = win.truth.shape[0]
    starts = [min(int(d), n_rec - n_t) for d in days[::n_t]]
    out = np.empty((days.size, *win.truth.shape[1:]), dtype=np.float32)
    for i in range(0, len(starts), batch):
        s = starts[i: i + batch]
        obs = torch.from_numpy(np.stack([win.obs[j: j + n_t] for j in s]))
        mask = torch.from_numpy(np.stack([win.mask[j: j + n_t] for j in s]).astype(np.float32))
        ana = solve(obs, mask).numpy() * scn.std + scn.mean
        for j, a in zip(s, ana, strict=True):
            sel = (days >= j) & (days < j + n_t)
            out[sel] = a[days[sel] - j]
    return out


BACKGROUND_LAG_DAYS = 5  # the inline background: the truth this many days before the centre day


def map_inline(scn: Osse, days: np.ndarray, solver, lag: int = BACKGROUND_LAG_DAYS,
               batch: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Centre-day analyses (metres) of ``days`` made as the inline hook makes them, and their
    backgrounds.

    The background is the truth ``lag`` days before the centre day, held over the window (the
    persistence NEMO's state gives at asm_inc_init); the exported ``solver``
    (:func:`nemoml.assimilate.load_solver`) starts from it and the analysis is the background
    plus the solver's increment at the centre day.
    """
    n_t, c = solver.window, int(solver.meta["centre_index"])
    if days.min() - lag < 0 or days.min() - c < 0 or days.max() - c + n_t > scn.obs.shape[0]:
        raise ValueError(f"days {days.min()}..{days.max()} need {lag} days of background and a "
                         f"whole {n_t}-day window inside the record")
    out = np.empty((days.size, *scn.truth.ssh.shape[1:]), dtype=np.float32)
    bkg = scn.truth.ssh[days - lag].astype(np.float32)
    for i in range(0, days.size, batch):
        s = days[i: i + batch] - c
        obs = np.nan_to_num(np.stack([scn.obs[j: j + n_t] for j in s]))
        mask = np.stack([scn.mask[j: j + n_t] for j in s])
        b = np.repeat(bkg[i: i + batch, None], n_t, axis=1)
        out[i: i + s.size] = bkg[i: i + batch] + solver.increment(b, obs, mask)
    return out, bkg


def map_oi(scn: Osse, days: np.ndarray, cfg: OIConfig, block: int = 15) -> np.ndarray:
    lo = max(0, int(days[0]) - cfg.halo_days)
    hi = min(scn.obs.shape[0], int(days[-1]) + 1 + cfg.halo_days)
    obs = scn.obs[lo:hi] - scn.mean
    full = oi_period(obs, scn.mask[lo:hi], scn.truth.dx, cfg, block, scn.truth.periodic)
    return full[days - lo] + scn.mean


def time_per_window(scn: Osse, model: FourDVarNet, cfg: OIConfig, day: int,
                    repeat: int = 3) -> dict:
    """Seconds for one analysis window (``n_t`` days) by 4DVarNet and by OI, best of ``repeat``."""
    n_t = model.cfg.channels
    win = scn.windows((-np.inf, np.inf))
    s = day - n_t // 2
    obs = torch.from_numpy(win.obs[None, s: s + n_t])
    mask = torch.from_numpy(win.mask[None, s: s + n_t].astype(np.float32))
    lo, hi = s - cfg.halo_days, s + n_t + cfg.halo_days
    best = {"seconds_per_window_4dvarnet": np.inf, "seconds_per_window_oi": np.inf}
    for _ in range(repeat):
        t0 = time.perf_counter()
        with torch.no_grad():
            model(obs, mask)
        t1 = time.perf_counter()
        oi_cg(scn.obs[lo:hi] - scn.mean, scn.mask[lo:hi], scn.truth.dx, cfg, scn.truth.periodic)
        t2 = time.perf_counter()
        best["seconds_per_window_4dvarnet"] = min(best["seconds_per_window_4dvarnet"], t1 - t0)
        best["seconds_per_window_oi"] = min(best["seconds_per_window_oi"], t2 - t1)
    return best


def compare(scn: Osse, model: FourDVarNet, oi_cfg: OIConfig | None = None,
            period: tuple[int, int] = qg.TEST_DAYS, limit: int | None = None,
            fourdvar_iter: int = 200) -> dict:
    """Map the held-out days with the three methods; returns scores and wall times."""
    oi_cfg = oi_cfg or OIConfig()
    n_t = model.cfg.channels
    days = eval_days(scn, n_t, period, limit)
    ref = scn.truth.ssh[days]
    result: dict = {"days": [float(scn.truth.time[days[0]]), float(scn.truth.time[days[-1]])]}
    methods = {
        "oi": lambda: map_oi(scn, days, oi_cfg),
        "4dvar": lambda: map_blocks(scn, days, n_t,
                                    lambda y, m: fourdvar(model, y, m, n_iter=fourdvar_iter)),
        "4dvarnet": lambda: map_windows(scn, days, n_t, model),
    }
    for name, run in methods.items():
        t0 = time.perf_counter()
        est = run()
        wall = time.perf_counter() - t0
        if name == "4dvarnet":
            est, centre = est
            scores = mapping_scores(ref, centre, dt=1.0, dx=scn.truth.dx).to_dict()
            result["4dvarnet_centre_day"] = {**scores, "wall_s": wall}
        scores = mapping_scores(ref, est, dt=1.0, dx=scn.truth.dx).to_dict()
        result[name] = {**scores, "wall_s": wall}
    return result
