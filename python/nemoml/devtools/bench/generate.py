"""``nemoml bench generate``: DDPM-1000 against DDIM-50 on the packaged GYRE generator.

The samplers draw the same number of states from the same seeds: ancestral DDPM-1000 (every
training step from the schedule's ``t_start``: 979 network evaluations), DDIM-50 with the
default eta = 1 (ancestral on 50 quadratically spaced steps) and DDIM-50 with eta = 0
(deterministic). State ``i`` of every sampler starts from the same first state (seed
``(123, i)``), so the samplers' differences are paired: their standard error is that of the
per-state differences (box means, inversions, N², C1 residual) or, for the set figures
(spreads, C1 bias), of the difference over a paired bootstrap of the states.
``within_10pct_*`` says plainly which figures are within 10 % of DDPM-1000's and
``resolved_*`` whether the difference is beyond two paired standard errors.

A constrained set (C1 + T-S + stability, DDIM-50, per-state duals) shows what the model does
apart from the final projection: its figures before (``*_raw``) and after it, and how far
the projection moves each state (RMS and max of dT and dS over ocean cells).

192 states per sampler (about 12 min on 2 cores); ``-n`` for fewer. Timings are measured in
this run only (the ratio is what carries across machines).
"""

from __future__ import annotations

import time

import numpy as np

from nemoml.base import packaged

PACKAGED = packaged.GENERATOR
N_STATES = 192
N_CONSTRAINED = 64
CONSTRAINED = ("c1", "ts", "stability")
PER_STATE = ("inversion_pct_1e-05", "n2_negative_pct", "bw_T", "dw_T", "bw_S", "dw_S",
             "c1_rms")
SET_FIGURES = ("c1_bias", "spread_sst", "spread_sss")
RELATIVE = ("inversion_pct_1e-05", "n2_negative_pct", "c1_bias", "c1_rms", "spread_sst",
            "spread_sss")
BOOTSTRAP = 400


def _set_figures(card, fields: dict, c1: np.ndarray, idx: np.ndarray) -> dict:
    """Set-level figures of the states ``idx`` (with repeats: a bootstrap draw)."""
    ocean = card.grid.tmask[0]
    return {"c1_bias": float(np.sqrt(np.mean(c1[idx].mean(0) ** 2))),
            "spread_sst": float(fields["T"][idx, 0].std(0)[ocean].mean()),
            "spread_sss": float(fields["S"][idx, 0].std(0)[ocean].mean())}


def _figures(card, fields: dict) -> tuple[dict, dict, np.ndarray]:
    """Report-card figures of one ensemble, its per-state values and C1 residuals."""
    m = card.evaluate("bench", fields)
    s = m.summary()
    out = {k: s[k]["mean"] for k in PER_STATE}
    out.update({k: s[k] for k in SET_FIGURES})
    c1 = card._raw("c1", fields) - card.targets["c1"]
    per = {k: np.asarray(m.per_state[k], np.float64) for k in PER_STATE}
    return out, per, c1


def paired(card, a: tuple, b: tuple, seed: int = 0) -> dict:
    """Paired standard error of each figure's difference between two ensembles whose
    state ``i`` started from the same first state."""
    (_, per_a, c1_a), fields_a = a
    (_, per_b, c1_b), fields_b = b
    n = len(c1_a)
    se = {k: float(np.std(per_a[k] - per_b[k], ddof=1) / np.sqrt(n)) for k in PER_STATE}
    rng = np.random.default_rng(seed)
    draws = {k: [] for k in SET_FIGURES}
    for _ in range(BOOTSTRAP):
        idx = rng.integers(0, n, n)
        fa = _set_figures(card, fields_a, c1_a, idx)
        fb = _set_figures(card, fields_b, c1_b, idx)
        for k in SET_FIGURES:
            draws[k].append(fa[k] - fb[k])
    se.update({k: float(np.std(v, ddof=1)) for k, v in draws.items()})
    return se


def _constrained(gen, card, n: int) -> dict:
    """The constrained set before and after the final projection, and the projection's
    moves."""
    from nemoml.evaluate.card.report import projection_moves

    t0 = time.perf_counter()
    final = gen.sample(n, seed=123, constraints=CONSTRAINED, steps=50, batch_size=n)
    seconds = (time.perf_counter() - t0) / n
    raw = gen.last_raw
    tag = "ddim50_" + "_".join(CONSTRAINED)
    out = {f"seconds_per_state_{tag}": seconds, f"n_states_{tag}": n}
    for label, fields in (("raw", raw), ("final", final)):
        figures = _figures(card, fields)[0]
        for key, value in figures.items():
            out[f"{key}_{tag}_{label}"] = value
    for key, value in projection_moves(raw, final, card.grid.tmask).items():
        out[f"projection_{key}_{tag}"] = value
    return out


def run(args) -> dict:
    import torch

    from nemoml.evaluate.card.physics import ReportCard
    from nemoml.generate import load_generator

    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    gen = load_generator(PACKAGED)
    n = getattr(args, "n", None) or (4 if args.quick else N_STATES)
    card = ReportCard(gen.layout.grid, gen.density)
    card.targets = {k: np.asarray(gen.targets[k]) for k in ("c1", "c2", "ts")}
    results, seconds = {}, {}
    runs = (("ddpm1000", "ddpm", 1000, 1.0), ("ddim50", "ddim", 50, 1.0),
            ("ddim50_eta0", "ddim", 50, 0.0))
    for name, sampler, steps, eta in runs:
        t0 = time.perf_counter()
        fields = gen.sample(n, seed=123, sampler=sampler, steps=steps, eta=eta, batch_size=n)
        seconds[name] = (time.perf_counter() - t0) / n
        results[name] = (_figures(card, fields), fields)
    out = {
        "n_states": n,
        "start_step": gen.schedule.t_start,
        "seconds_per_state_ddpm1000": seconds["ddpm1000"],
        "seconds_per_state_ddim50": seconds["ddim50"],
        "speedup_ddim50_vs_ddpm1000": seconds["ddpm1000"] / seconds["ddim50"],
    }
    for name, ((metrics, _, _), _) in results.items():
        for key, value in metrics.items():
            out[f"{key}_{name}"] = value
    ref = results["ddpm1000"][0][0]
    out["inversion_fraction_ddpm1000"] = ref["inversion_pct_1e-05"] / 100
    out["inversion_fraction_ddim50"] = results["ddim50"][0][0]["inversion_pct_1e-05"] / 100
    # relative difference of the sampler-sensitive metrics (box means are compared as
    # anomalies: their absolute values would make any difference look tiny)
    for name in ("ddim50", "ddim50_eta0"):
        se = paired(card, results[name], results["ddpm1000"])
        rel, within, apart = {}, [], []
        for key in RELATIVE:
            diff = abs(results[name][0][0][key] - ref[key])
            rel[key] = diff / max(abs(ref[key]), 1e-12)
            out[f"rel_diff_{key}_{name}"] = rel[key]
            out[f"paired_se_{key}_{name}"] = se[key]
            # the difference in units of its paired standard error: below 2 the ensembles
            # cannot tell the samplers apart at this n
            out[f"diff_in_paired_se_{key}_{name}"] = diff / max(se[key], 1e-300)
            out[f"within_10pct_{key}_{name}"] = bool(rel[key] <= 0.1)
            out[f"resolved_{key}_{name}"] = bool(diff > 2 * se[key])
            (within if rel[key] <= 0.1 else apart).append(key)
        for key in ("bw_T", "dw_T", "bw_S", "dw_S"):
            out[f"diff_{key}_{name}"] = results[name][0][0][key] - ref[key]
            out[f"paired_se_{key}_{name}"] = se[key]
        out[f"max_rel_diff_{name}_vs_ddpm1000"] = max(rel.values())
        out[f"within_10pct_{name}"] = within
        out[f"not_within_10pct_{name}"] = apart
    out.update(_constrained(gen, card, min(n, N_CONSTRAINED)))
    # the data itself, for scale
    out["inversion_fraction_data"] = gen.meta["reference"]["inversion_pct_1e-05"] / 100
    return out
