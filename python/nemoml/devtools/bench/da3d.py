"""``nemoml bench da3d``: background, EnOI and the 3D 4DVarNet on the held-out GYRE year 135.

Every 10-day window of the year (36), each with its own test drift pattern (errors the training
never saw) and the observations of the full simulated system (four nadirs, daily SST with 30 %
cloud cover, five Argo profiles a day), the same for every method. Scores at the window's
centre day (the day the increment is for): RMSE of T and S volume-weighted over the ocean and by
depth band (0-200 m, 200-1000 m, below 1000 m), SSH area-weighted, as the root of the mean
square over the windows. EnOI (headline, ``enoi``): B from the training drift patterns (seasonal
anomalies: each spin-up state minus the equilibrated state of its calendar month), Gaspari-Cohn
localisation at 1000 km. ``enoi_states``: B from the non-seasonal anomalies of the training
years' states (every 10th day minus their mean), the textbook static ensemble. Timings: mean
seconds per window of each method's analysis (obs binning excluded), same process and threads.

Each method analyses the observations that pass its background check (:mod:`qc`, default
``k``; its own spread: the 4DVarNet's training backgrounds' error, each EnOI's ensemble
variance): ``qc_rejected_<method>`` counts the rejected over the year, ``qc_rejected_by_<method>``
per variable/platform, ``qc_checked`` the observations checked (per method, the same).

``calendar_climatology`` is no assimilation: the mean of the four training years' truth on the
same calendar day. GYRE at 1 degree repeats its years, so it is the floor a method that
learnt the training years can reach; on a configuration with weather it would not be.
"""

from __future__ import annotations

import time

import numpy as np

from nemoml.base import packaged

PACKAGED = packaged.GYRE_SOLVER
BANDS = {"0_200": (0.0, 200.0), "200_1000": (200.0, 1000.0), "1000_bottom": (1000.0, 1e9)}


def _scores(err: dict, grid) -> dict:
    """Mean squared errors of one centre day: T, S overall and by band, SSH."""
    vol = grid.volume()
    area = grid.area * grid.tmask[0]
    out = {}
    for v in ("T", "S"):
        sq = err[v] ** 2 * vol
        out[v] = sq.sum() / vol.sum()
        for name, (lo, hi) in BANDS.items():
            k = (grid.gdept >= lo) & (grid.gdept < hi)
            out[f"{v}_{name}"] = sq[k].sum() / vol[k].sum()
    out["SSH"] = (err["SSH"] ** 2 * area).sum() / area.sum()
    return out


def run(args) -> dict:
    import torch

    from nemoml.assimilate.baselines.enoi import EnOI, EnOIConfig
    from nemoml.assimilate.gyre import twin as gyre
    from nemoml.assimilate.gyre.export import load_state_solver
    from nemoml.assimilate.gyre.train import Experiment, Train3DConfig
    from nemoml.assimilate.obs import qc
    from nemoml.assimilate.obs.binning import bin_located, locate_obs

    model = getattr(args, "model", None) or PACKAGED
    solver = load_state_solver(model)
    exp = Experiment(solver.window, solver.codec.floor, layout=solver.layout)
    test = exp.load("test")
    obs = exp.observe("test", Train3DConfig(), seed=300)
    years = exp.load("train")
    train = years.take(np.arange(0, len(years), 10))
    mean = {v: a.mean(axis=0) for v, a in train.as_dict().items()}
    enois = {"enoi": EnOI(exp.grid, exp.patterns["train"].as_dict(), EnOIConfig()),
             "enoi_states": EnOI(exp.grid, {v: a - mean[v] for v, a in train.as_dict().items()},
                                 EnOIConfig())}
    n_t, c = solver.window, solver.centre
    starts = np.arange(0, len(test) - n_t + 1, n_t)
    if getattr(args, "quick", False):
        starts = starts[:3]
    pats = exp.patterns["test"]
    methods = ("background", "4dvarnet", *enois, "calendar_climatology")
    acc = {m: [] for m in methods}
    seconds = {m: 0.0 for m in ("4dvarnet", *enois)}
    spread = {"4dvarnet": solver.background_variance,
              **{name: (lambda loc, en=en: en.background_variance(loc.names(), loc.level,
                                                                  loc.j, loc.i))
                 for name, en in enois.items()}}
    rejected = {m: {} for m in spread}
    checked = 0
    for w, s in enumerate(starts):
        bkg = gyre.background(test, s, n_t, pats, w % len(pats))
        located = locate_obs(obs, exp.grid, float(np.floor(test.days[s])), n_t, "test obs")
        checked += len(located)
        binned = {}
        for m, variance in spread.items():  # each method's own background check
            rep = qc.check_located(located, bkg, variance(located), qc.DEFAULT_K,
                                   qc.DEFAULT_MAX_REJECTED, f"test obs (window {w}, {m})")
            for lab, n in rep.rejected.items():
                rejected[m][lab] = rejected[m].get(lab, 0) + n
            binned[m] = bin_located(located.select(rep.keep), exp.grid.shape)
        truth = {v: getattr(test, v)[s + c] for v in gyre.VARS}
        centre = {v: bkg[v][c] for v in gyre.VARS}
        t0 = time.perf_counter()
        inc = {"4dvarnet": solver.increment(bkg, binned["4dvarnet"])}
        seconds["4dvarnet"] += time.perf_counter() - t0
        for name, en in enois.items():
            t0 = time.perf_counter()
            inc[name] = en.increment(bkg, binned[name])
            seconds[name] += time.perf_counter() - t0
        acc["background"].append(_scores({v: centre[v] - truth[v] for v in truth}, exp.grid))
        clim = {v: getattr(years, v)[(s + c) % 360::360].mean(axis=0) for v in truth}
        acc["calendar_climatology"].append(_scores({v: clim[v] - truth[v] for v in truth},
                                                   exp.grid))
        for name, d in inc.items():
            acc[name].append(_scores({v: centre[v] + d[v] - truth[v] for v in truth}, exp.grid))
    out: dict = {"windows": int(starts.size), "window_days": n_t,
                 "torch_threads": torch.get_num_threads(), "model": str(model)}
    for m in methods:
        for key in acc[m][0]:
            out[f"rmse_{key}_{m}"] = float(np.sqrt(np.mean([a[key] for a in acc[m]])))
    for v in ("T", "S", "SSH"):
        for ref in ("enoi", "background", "enoi_states"):
            out[f"rmse_ratio_{v}_4dvarnet_vs_{ref}"] = \
                out[f"rmse_{v}_4dvarnet"] / out[f"rmse_{v}_{ref}"]
        out[f"rmse_ratio_{v}_enoi_vs_background"] = \
            out[f"rmse_{v}_enoi"] / out[f"rmse_{v}_background"]
    for m, t in seconds.items():
        out[f"seconds_per_window_{m}"] = t / starts.size
    out["qc_k"], out["qc_checked"] = qc.DEFAULT_K, checked
    for m, by in rejected.items():
        out[f"qc_rejected_{m}"] = sum(by.values())
        out[f"qc_rejected_by_{m}"] = by
    return out
