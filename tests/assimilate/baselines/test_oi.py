"""Optimal interpolation: CG against the dense solve, and analytic single-observation cases."""

import numpy as np
import pytest

from nemoml.assimilate.baselines.oi import OIConfig, oi_cg, oi_dense, oi_period

CFG = OIConfig(lx_km=20.0, lt_days=3.0, sigma_b=0.1, sigma_o=0.01, tol=1e-10)


def random_obs(shape=(5, 16, 16), frac=0.06, seed=0):
    rng = np.random.default_rng(seed)
    mask = rng.random(shape) < frac
    obs = np.where(mask, 0.1 * rng.standard_normal(shape), np.nan)
    return obs, mask


@pytest.mark.parametrize("periodic", [True, False])
def test_cg_matches_dense_cholesky(periodic):
    obs, mask = random_obs()
    cg, iters = oi_cg(obs, mask, 15.0, CFG, periodic)
    dense = oi_dense(obs, mask, 15.0, CFG, periodic)
    assert iters > 1
    assert np.abs(cg - dense).max() < 1e-7 * np.abs(dense).max() + 1e-12


def test_long_scales_on_a_small_periodic_domain_stay_positive_definite():
    obs, mask = random_obs((4, 8, 8), frac=0.2, seed=2)
    cfg = OIConfig(lx_km=300.0, lt_days=3.0, sigma_b=0.1, sigma_o=0.02, tol=1e-10)
    cg, _ = oi_cg(obs, mask, 15.0, cfg)  # 120 km domain, 300 km scale
    assert np.allclose(cg, oi_dense(obs, mask, 15.0, cfg), atol=1e-8)


def test_single_observation_gives_the_gaussian():
    obs = np.full((7, 16, 16), np.nan)
    mask = np.zeros(obs.shape, bool)
    obs[3, 5, 6] = 0.2
    mask[3, 5, 6] = True
    ana, _ = oi_cg(obs, mask, 10.0, CFG, periodic=True)
    t, j, i = np.meshgrid(np.arange(7), np.arange(16), np.arange(16), indexing="ij")
    gain = CFG.sigma_b**2 / (CFG.sigma_b**2 + CFG.sigma_o**2)
    # the periodic covariance: a Gaussian summed over the images one domain (160 km) away
    space = sum(np.exp(-(((j - 5) * 10.0 + a * 160) ** 2 + ((i - 6) * 10.0 + b * 160) ** 2)
                       / CFG.lx_km**2) for a in (-1, 0, 1) for b in (-1, 0, 1))
    expect = 0.2 * gain * np.exp(-((t - 3) / CFG.lt_days) ** 2) * space
    assert np.allclose(ana, expect, atol=1e-9)


def test_period_blocks_use_the_halo():
    obs, mask = random_obs((40, 16, 16), frac=0.1, seed=1)
    cfg = OIConfig(lx_km=20.0, lt_days=3.0, sigma_b=0.1, sigma_o=0.02, halo_days=5, tol=1e-9)
    full = oi_period(obs, mask, 15.0, cfg, block=10)
    ref, _ = oi_cg(obs[5:25], mask[5:25], 15.0, cfg)  # block 10..19 with a 5-day halo
    assert np.allclose(full[10:20], ref[5:15], atol=1e-6)


def test_bad_input():
    obs, mask = random_obs()
    with pytest.raises(ValueError, match="empty window"):
        oi_cg(obs, np.zeros_like(mask), 15.0, CFG)
    with pytest.raises(ValueError, match="must be equal"):
        oi_cg(obs, mask[:-1], 15.0, CFG)
    bad = obs.copy()
    bad[mask] = np.nan
    with pytest.raises(ValueError, match="not finite"):
        oi_cg(bad, mask, 15.0, CFG)
