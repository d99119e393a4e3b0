"""``nemoml bench da``: skill and time per analysis window of OI and 4DVarNet on held-out days.

Uses the packaged demo model and the held-out year of the shared QG truth (the embedded
120-day sample when ../shared is absent), four simulated nadirs. Both methods run in the same
process; the timings are best-of-3 for one 15-day window each, on the current thread setting.
``*_4dvarnet_inline`` scores the configuration NEMO runs: the exported solver started from a
background (the truth ``BACKGROUND_LAG_DAYS`` days old, held over the window), centre day only;
``*_background`` scores that background itself. ``*_4dvarnet_centre_day`` is the centre day of
the offline mapping (no background).
"""

from __future__ import annotations


def run(args) -> dict:
    import torch

    from nemoml.assimilate import load_solver
    from nemoml.assimilate.baselines.oi import OIConfig
    from nemoml.assimilate.qg import osse
    from nemoml.assimilate.qg import truth as qg
    from nemoml.assimilate.qg.analysis import DEMO_MODEL
    from nemoml.assimilate.qg.comparison import (
        BACKGROUND_LAG_DAYS,
        compare,
        eval_days,
        map_inline,
        time_per_window,
    )
    from nemoml.assimilate.qg.train import load_model
    from nemoml.evaluate.mapping import mapping_scores

    model, ckpt = load_model(DEMO_MODEL)
    norm = (ckpt["norm"]["mean"], ckpt["norm"]["std"])
    scn = osse.build(None, n=ckpt["grid"][1], n_sat=ckpt["satellites"], noise_m=ckpt["noise_m"],
                     seed=ckpt["obs_seed"], norm=norm)
    period = (max(qg.TEST_DAYS[0], int(scn.truth.time[0])), qg.TEST_DAYS[1])
    quick = bool(getattr(args, "quick", False))
    oi_cfg = OIConfig(sigma_b=norm[1], sigma_o=ckpt["noise_m"])
    res = compare(scn, model, oi_cfg, period, limit=30 if quick else None,
                  fourdvar_iter=20 if quick else 200)
    n_t = model.cfg.channels
    days = eval_days(scn, n_t, period, 30 if quick else None)
    inline, background = map_inline(scn, days, load_solver(DEMO_MODEL))
    for name, est in (("4dvarnet_inline", inline), ("background", background)):
        res[name] = mapping_scores(scn.truth.ssh[days], est, dt=1.0, dx=scn.truth.dx).to_dict()
    day = int(scn.truth.time.size // 2)
    timing = time_per_window(scn, model, oi_cfg, day, repeat=1 if quick else 3)
    out = {
        "rmse_ratio_4dvarnet_vs_oi": res["4dvarnet"]["rmse"] / res["oi"]["rmse"],
        "rmse_ratio_4dvar_vs_oi": res["4dvar"]["rmse"] / res["oi"]["rmse"],
        "rmse_ratio_4dvarnet_inline_vs_oi": res["4dvarnet_inline"]["rmse"] / res["oi"]["rmse"],
        "inline_background_lag_days": BACKGROUND_LAG_DAYS,
        "lambda_x_ratio_4dvarnet_vs_oi": res["4dvarnet"]["lambda_x"] / res["oi"]["lambda_x"],
        "time_ratio_4dvarnet_vs_oi": (timing["seconds_per_window_4dvarnet"]
                                      / timing["seconds_per_window_oi"]),
        "window_days": n_t,
        "eval_days": res["days"],
        "torch_threads": torch.get_num_threads(),
        **timing,
    }
    for method in ("oi", "4dvar", "4dvarnet", "4dvarnet_centre_day", "4dvarnet_inline",
                   "background"):
        for key in ("mu", "sigma", "rmse", "lambda_x", "lambda_t"):
            out[f"{key}_{method}"] = res[method][key]
    return out
