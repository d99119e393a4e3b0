"""``nemoml bench generate``: DDPM-1000 against DDIM-50 on the packaged GYRE generator.

The samplers draw the same number of states from the same seeds: ancestral DDPM-1000 (every
training step from the schedule's ``t_start``: 979 network evaluations), DDIM-50 with the
default eta = 1 (ancestral on 50 quadratically spaced steps) and DDIM-50 with eta = 0
(deterministic). The figures are the time per state and the report-card physics of each
ensemble, with each DDIM's relative difference to DDPM and that difference in units of its
sampling noise. 192 states per sampler (about 12 min on 2 cores): at 64 the spreads and the
per-state C1 residual were 1-2 standard errors of noise wide of a 10 % difference. The C1
bias of an unconstrained ensemble mean is at its noise floor (per-state residual / sqrt(n))
for both samplers, so its relative difference is noise at any affordable n. Timings are
measured in this run only (the ratio is what carries across machines).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

PACKAGED = Path(__file__).resolve().parents[1] / "data" / "generator"
N_STATES = 192
COMPARED = ("inversion_pct_1e-05", "n2_negative_pct", "bw_T", "dw_T", "bw_S", "dw_S")


def _physics(card, fields) -> tuple[dict, dict]:
    """Report-card figures of one ensemble and their sampling noise (one standard error)."""
    s = card.evaluate("bench", fields).summary()
    n = s["n_states"]
    out = {k: s[k]["mean"] for k in COMPARED}
    out.update(c1_bias=s["c1_bias"], c1_rms=s["c1_rms"]["mean"], spread_sst=s["spread_sst"],
               spread_sss=s["spread_sss"])
    noise = {k: s[k]["std"] / np.sqrt(n) for k in COMPARED + ("c1_rms",)}
    # the set-mean C1 residual of n independent states is at least their spread / sqrt(n);
    # a standard deviation from n states is uncertain by 1 / sqrt(2 (n - 1)) of itself
    noise["c1_bias"] = s["c1_rms"]["mean"] / np.sqrt(n)
    for key in ("spread_sst", "spread_sss"):
        noise[key] = out[key] / np.sqrt(2 * (n - 1))
    return out, noise


def run(args) -> dict:
    import torch

    from nemoml.evaluate.physics import ReportCard
    from nemoml.generate import load_generator

    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    gen = load_generator(PACKAGED)
    n = 4 if args.quick else N_STATES
    card = ReportCard(gen.layout.grid, gen.density)
    card.targets = {k: np.asarray(gen.targets[k]) for k in ("c1", "c2", "ts")}
    results, noise, seconds = {}, {}, {}
    runs = (("ddpm1000", "ddpm", 1000, 1.0), ("ddim50", "ddim", 50, 1.0),
            ("ddim50_eta0", "ddim", 50, 0.0))
    for name, sampler, steps, eta in runs:
        t0 = time.perf_counter()
        fields = gen.sample(n, seed=123, sampler=sampler, steps=steps, eta=eta, batch_size=n)
        seconds[name] = (time.perf_counter() - t0) / n
        results[name], noise[name] = _physics(card, fields)
    out = {
        "n_states": n,
        "start_step": gen.schedule.t_start,
        "seconds_per_state_ddpm1000": seconds["ddpm1000"],
        "seconds_per_state_ddim50": seconds["ddim50"],
        "speedup_ddim50_vs_ddpm1000": seconds["ddpm1000"] / seconds["ddim50"],
    }
    for name, metrics in results.items():
        for key, value in metrics.items():
            out[f"{key}_{name}"] = value
    out["inversion_fraction_ddpm1000"] = results["ddpm1000"]["inversion_pct_1e-05"] / 100
    out["inversion_fraction_ddim50"] = results["ddim50"]["inversion_pct_1e-05"] / 100
    # relative difference of the sampler-sensitive metrics (box means are compared as
    # anomalies: their absolute values would make any difference look tiny)
    for name in ("ddim50", "ddim50_eta0"):
        rel = {}
        for key in ("inversion_pct_1e-05", "n2_negative_pct", "c1_bias", "c1_rms",
                    "spread_sst", "spread_sss"):
            ref = results["ddpm1000"][key]
            diff = abs(results[name][key] - ref)
            rel[key] = diff / max(abs(ref), 1e-12)
            out[f"rel_diff_{key}_{name}"] = rel[key]
            # the difference in units of its sampling noise: below ~2 the ensembles cannot
            # tell the samplers apart at this n
            out[f"diff_in_noise_{key}_{name}"] = diff / np.hypot(noise[name][key],
                                                                 noise["ddpm1000"][key])
        out[f"max_rel_diff_{name}_vs_ddpm1000"] = max(rel.values())
    # the data itself, for scale
    out["inversion_fraction_data"] = gen.meta["reference"]["inversion_pct_1e-05"] / 100
    return out
