"""The trained GYRE generator shipped with the package (made by ``nemoml train-generator``)."""

import argparse

import numpy as np
import pytest
import torch

from nemoml.base.packaged import GENERATOR as PACKAGED
from nemoml.generate import load_generator

pytestmark = pytest.mark.skipif(not (PACKAGED / "generator.json").is_file(),
                                reason="packaged generator not built")


@pytest.fixture(scope="module")
def gen():
    return load_generator(PACKAGED)


def test_packaged_generator_is_self_contained_gyre(gen):
    assert gen.layout.grid.shape == (31, 22, 32)
    assert gen.density.eos == "eos80"
    assert gen.layout.variables == ("T", "S", "SSH")
    assert "c1+stability+ts|ddim|50|1" in gen.duals
    assert gen.start is not None and gen.start.modes.shape[0] >= 1
    assert sum(f.stat().st_size for f in PACKAGED.iterdir()) < 4 * 2**20


def test_sampling_starts_where_the_denoised_estimate_needs_no_clip(gen):
    """Why ``t_start``: from pure noise at the capped top step the x0 estimate is amplified
    epsilon error, mostly beyond the clip; from the sampler's first state at ``t_start``
    almost none of it is."""
    gens = [torch.Generator().manual_seed(i) for i in range(4)]

    def clipped(x: torch.Tensor, t: int) -> float:
        x0 = gen.schedule.x0_from_eps(x, gen._eps(x, t), t)
        return float((x0[gen.mask.bool().expand_as(x)].abs() > gen.clip).float().mean())

    assert clipped(gen._noise(gens), gen.schedule.n_train - 1) > 0.5
    assert clipped(gen._first(gens, gen.schedule.t_start, None), gen.schedule.t_start) < 1e-3


def test_unconstrained_states_are_plausible_and_diverse(gen):
    out = gen.sample(8, seed=4, steps=20)
    ocean = gen.layout.grid.tmask
    t, s = out["T"][:, ocean], out["S"][:, ocean]
    assert np.isfinite(t).all() and (t > -3).all() and (t < 35).all()
    assert (s > 30).all() and (s < 40).all()
    sst = out["T"][:, 0][:, ocean[0]]
    assert sst.std(0).mean() > 0.1  # states differ point by point


def test_c1_is_met_by_every_state(gen):
    """Guidance alone: the states before the final projection (``last_raw``)."""
    cset = gen.constraint_set(["c1"])
    free = gen.sample(8, seed=77, steps=50)
    gen.sample(8, seed=77, steps=50, constraints=["c1"])
    guided = gen.last_raw
    with torch.no_grad():
        h = [cset(gen.layout.encode(f, dtype=np.float64)) for f in (free, guided)]
    bias = [float(v.mean(0).pow(2).mean().sqrt()) for v in h]
    per_state = [v.pow(2).mean(1).sqrt() for v in h]
    # guidance alone, before the projection, brings the ensemble closer to C1 but not onto it
    # (measured: 0.012 against 0.019 kg m-3 unguided); the projection meets it exactly
    # (test_projection_alone_puts_every_state_on_c1). Without guidance the two are equal.
    assert bias[1] < 0.8 * bias[0]
    assert per_state[1].mean() < 0.8 * per_state[0].mean()


def test_projection_alone_puts_every_state_on_c1(gen):
    cset = gen.constraint_set(["c1"])
    free = gen.sample(4, seed=77, steps=20)
    out = gen.constrain(free, ["c1"])
    with torch.no_grad():
        before = cset(gen.layout.encode(free, dtype=np.float64)).pow(2).mean(1).sqrt()
        after = cset(gen.layout.encode(out, dtype=np.float64)).pow(2).mean(1).sqrt()
    assert (before > 1e-3).all() and (after < 1e-6).all()


@pytest.mark.slow
def test_bench_quick(gen):
    from nemoml.devtools.bench.generate import run

    out = run(argparse.Namespace(json=True, quick=True))
    for key in ("seconds_per_state_ddpm1000", "seconds_per_state_ddim50",
                "inversion_fraction_data", "inversion_fraction_ddim50"):
        assert key in out
    assert out["seconds_per_state_ddpm1000"] > out["seconds_per_state_ddim50"] > 0
    assert 0 <= out["inversion_fraction_ddim50"] <= 1
    # paired statistics and a plain statement of what is within 10 %
    for key in ("inversion_pct_1e-05", "c1_rms", "spread_sst", "c1_bias"):
        assert out[f"paired_se_{key}_ddim50"] > 0
        assert out[f"within_10pct_{key}_ddim50"] == (out[f"rel_diff_{key}_ddim50"] <= 0.1)
    assert sorted(out["within_10pct_ddim50"] + out["not_within_10pct_ddim50"]) == sorted(
        ["inversion_pct_1e-05", "n2_negative_pct", "c1_bias", "c1_rms", "spread_sst",
         "spread_sss"])
    # the constrained set before and after the projection, and how far it moved
    tag = "ddim50_c1_ts_stability"
    assert out[f"inversion_pct_1e-05_{tag}_final"] == 0
    assert out[f"c1_bias_{tag}_raw"] > out[f"c1_bias_{tag}_final"]
    assert out[f"projection_max_dT_{tag}"] >= out[f"projection_rms_dT_{tag}"] > 0
