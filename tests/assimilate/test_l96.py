"""Lorenz-96 twin: the model, the observation operator, the baselines and a tiny full run."""

import numpy as np
import torch

from nemoml.assimilate.l96_twin import (
    FORCING,
    K,
    TwinConfig,
    fourdvar_true_model,
    interpolate,
    observe,
    rk4,
    run_twin,
    simulate,
    tendency,
)


def test_tendency_against_the_loop_formula():
    x = torch.randn(3, K, dtype=torch.float64)
    ref = torch.empty_like(x)
    for i in range(K):
        ref[:, i] = (x[:, (i + 1) % K] - x[:, i - 2]) * x[:, i - 1] - x[:, i] + FORCING
    assert torch.allclose(tendency(x), ref)
    fixed = torch.full((1, K), FORCING, dtype=torch.float64)  # x = F is a fixed point
    assert torch.allclose(rk4(fixed), fixed)


def test_rk4_is_fourth_order():
    x0 = simulate(1, 1, np.random.default_rng(0))[:, 0]
    # dx/dt = f(x) for a short time with a fine reference: halving dt divides the error by ~16
    import nemoml.assimilate.l96_twin as l96

    def run(dt, n):
        saved = l96.DT
        l96.DT = dt
        x = x0.clone()
        for _ in range(n):
            x = l96.rk4(x)
        l96.DT = saved
        return x

    ref = run(0.0025, 40)
    e1 = (run(0.05, 2) - ref).abs().max()
    e2 = (run(0.025, 4) - ref).abs().max()
    assert 10 < float(e1 / e2) < 22


def test_observation_pattern_and_noise():
    cfg = TwinConfig()
    rng = np.random.default_rng(1)
    truth = simulate(4, 100, rng)
    obs, mask = observe(truth, cfg, rng)
    assert not mask[:, 1::4].any() and not mask[:, 2::4].any()
    frac = mask[:, ::4].float().mean().item()
    assert abs(frac - cfg.obs_fraction) < 0.05
    err = (obs - truth)[mask]
    assert abs(err.var().item() - cfg.noise_var) < 0.2


def test_interpolation_is_exact_on_linear_signals():
    t = torch.arange(20, dtype=torch.float64)[None, :, None]
    truth = (0.5 * t + torch.arange(K)[None, None, :]).expand(2, 20, K).clone()
    mask = torch.zeros(truth.shape, dtype=torch.bool)
    mask[:, 0] = True
    mask[:, 8] = True
    mask[:, 19] = True
    obs = torch.where(mask, truth, torch.nan)
    assert torch.allclose(interpolate(obs, mask), truth)


def test_fourdvar_with_the_true_model_beats_interpolation():
    cfg = TwinConfig(fourdvar_iter=150, fourdvar_step=0.02)
    rng = np.random.default_rng(2)
    truth = simulate(4, 60, rng)
    obs, mask = observe(truth, cfg, rng)
    init = interpolate(obs, mask)
    out = fourdvar_true_model(obs, mask, init, cfg)
    assert ((out - truth) ** 2).mean() < ((init - truth) ** 2).mean()


def test_quick_twin_run_reports_every_method():
    res = run_twin(quick=True)
    for name in ("interpolation", "4dvar_true_model", "4dvarnet"):
        assert np.isfinite(res[name]["nmse"]) and res[name]["nmse"] > 0
