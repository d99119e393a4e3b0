"""The final projection: exact isotonic fits, stable columns with C1/C2 met, T by Newton."""

import numpy as np
import pytest
import torch

from nemoml.eos.density import Density
from nemoml.generate.constraints import Physics, default_targets
from nemoml.generate.generator import Generator
from nemoml.generate.project import SigmaProjector, isotonic, match_salinity, water_for
from nemoml.generate.schedule import Schedule
from nemoml.grid.layout import Layout

from .helpers import GaussianDenoiser, small_grid, stratified_states


def _pava(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pool-adjacent-violators, the textbook algorithm (independent of the min-max formula)."""
    blocks = []  # [mean, weight, count]
    for yi, wi in zip(y, w, strict=True):
        blocks.append([yi, wi, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return np.concatenate([np.full(c, m) for m, _, c in blocks])


def test_isotonic_equals_pool_adjacent_violators():
    rng = np.random.default_rng(0)
    vals = rng.standard_normal((200, 12)).cumsum(1) * 0.3 + rng.standard_normal((200, 12))
    w = rng.uniform(0.5, 20, 12)
    fit = isotonic(vals, w)
    for row, got in zip(vals, fit, strict=True):
        np.testing.assert_allclose(got, _pava(row, w), rtol=0, atol=1e-12)
    assert (np.diff(fit, axis=1) >= -1e-12).all()
    np.testing.assert_allclose(isotonic(np.sort(vals, 1), w), np.sort(vals, 1), atol=1e-12)


def _sigma_fields(grid, n, seed, stable=False):
    rng = np.random.default_rng(seed)
    base = 25 + 2 * np.tanh(grid.gdept / 100)[None, :, None, None]
    sig = base + 0.4 * rng.standard_normal((n,) + grid.shape)
    return (np.sort(sig, axis=1) if stable else sig) * grid.tmask


def test_sigma_projection_is_stable_and_meets_c1_c2():
    grid = small_grid()
    sig = _sigma_fields(grid, 6, 1)
    ref = _sigma_fields(grid, 50, 2, stable=True)  # the targets are reachable
    targets = {}
    for name in ("c1", "c2"):
        probe = SigmaProjector(grid.tmask, grid.area, grid.e3t, {name: np.zeros(1)})
        targets[name] = probe.profiles(ref).mean(0)
    proj = SigmaProjector(grid.tmask, grid.area, grid.e3t, targets)
    assert proj.residual(sig) > 0.05
    out, rounds = proj(sig, tol=1e-8, rounds=500)
    both = grid.tmask[:-1] & grid.tmask[1:]
    assert not ((out[:, :-1] - out[:, 1:] > 1e-10) & both).any()
    assert proj.residual(out) <= 1e-8 and rounds > 1
    assert (out[:, ~grid.tmask] == 0).all()
    # a column that is already stable and has the target profile is left alone
    ok = SigmaProjector(grid.tmask, grid.area, grid.e3t, {})
    np.testing.assert_array_equal(ok.stabilise(ref[:2]), ref[:2] * grid.tmask)


def test_water_takes_the_projected_density():
    density = Density("eos80")
    grid = small_grid()
    st = stratified_states(grid, 2, seed=3)
    temp, sal = torch.as_tensor(st["T"]), torch.as_tensor(st["S"])
    wet = torch.as_tensor(grid.tmask)
    with torch.no_grad():
        target = density.sigma0(temp, sal) + 0.05 * wet
        target[0, 0, 4, 4] = 29.5  # denser than any water of S = 35 above freezing
    new_t, new_s = water_for(target, temp, sal, density)
    with torch.no_grad():
        got = density.sigma0(new_t, new_s)
    np.testing.assert_allclose(got[:, wet].numpy(), target[:, wet].numpy(), rtol=0, atol=1e-10)
    colder = new_t < temp
    assert colder[:, wet].all()  # denser means colder at fixed salinity...
    assert new_t[0, 0, 4, 4] == -2.0 and new_s[0, 0, 4, 4] > sal[0, 0, 4, 4]  # ...or saltier
    changed_s = (new_s != sal) & wet
    assert changed_s.sum() == 1


def _toy_generator():
    """Exact Gaussian denoiser over weakly stratified states: its samples have many inversions."""
    grid = small_grid()
    layout = Layout(grid, ("T", "S", "SSH"), multiple=2)
    data = stratified_states(grid, 64)
    data["T"] += 4 * np.random.default_rng(5).standard_normal(data["T"].shape) * grid.tmask
    layout.fit(data)
    sched = Schedule()
    density = Density("eos80")
    targets = default_targets(Physics(layout, density), layout.encode(data, dtype=np.float64))
    gen = Generator(GaussianDenoiser(sched.alpha_bar), layout, sched, density, targets)
    return gen, grid, layout, density


def _local_drops(fields, grid, density, thr):
    """Interfaces whose locally referenced density decreases downward by more than ``thr``."""
    with torch.no_grad():
        step = density.local_step(torch.as_tensor(fields["T"]), torch.as_tensor(fields["S"]),
                                  grid.gdepw[1:]).numpy()
    return (step < -thr) & grid.tmask[:-1] & grid.tmask[1:]


def test_stability_sampling_ends_stable_with_c1_met():
    gen, grid, layout, density = _toy_generator()
    free = gen.sample(6, seed=4, steps=10)
    out = gen.sample(6, seed=4, steps=10, constraints=["c1", "stability"], dual_rounds=1)

    assert _local_drops(free, grid, density, 1e-9).sum() > 20
    assert not _local_drops(out, grid, density, 1e-9).any()
    assert gen.last_projection.unstable <= 1e-9
    cset = gen.constraint_set(["c1"])
    h = cset(layout.encode(out, dtype=np.float64))
    assert float(h.abs().max()) <= 1e-5
    assert gen.last_projection.residual <= 1e-6


@pytest.mark.parametrize("names", [["c1"], ["c2"], ["ts"]])
def test_every_constraint_is_met_exactly_at_the_end(names):
    """Without stability too, the final projection meets what guidance left close."""
    gen, grid, layout, density = _toy_generator()
    cset = gen.constraint_set(names)
    free = cset(layout.encode(gen.sample(6, seed=4, steps=10), dtype=np.float64))
    out = gen.sample(6, seed=4, steps=10, constraints=names, dual_rounds=1)
    h = cset(layout.encode(out, dtype=np.float64))
    assert float(free.abs().max()) > 1e-2
    assert float(h.abs().max()) <= 1e-5


def test_observed_cells_keep_their_values_through_the_projection():
    gen, grid, layout, density = _toy_generator()
    sst = np.full(grid.shape, 0.0)  # cold, dense water observed on half the surface: unstable
    obs = np.zeros(grid.shape, bool)
    obs[0, :, :5] = grid.tmask[0, :, :5]
    out = gen.sample(4, seed=1, steps=10, constraints=["c1", "stability"], dual_rounds=1,
                     condition={"T": (sst, obs)})
    np.testing.assert_allclose(out["T"][:, obs], 0.0, rtol=0, atol=1e-5)  # float32 sampling
    assert not _local_drops(out, grid, density, 1e-5).any()
    assert gen.last_projection.residual <= 1e-6


def test_salinity_targets_are_met_along_isopycnals():
    density = Density("eos80")
    grid = small_grid()
    st = stratified_states(grid, 3, seed=6)
    temp, sal = torch.as_tensor(st["T"]), torch.as_tensor(st["S"])
    wet = grid.tmask
    with torch.no_grad():
        sig = density.sigma0(temp, sal)
    w = wet * grid.area[None]
    level_s = (st["S"] * w).sum((-1, -2)).mean(0) / np.maximum(w.sum((-1, -2)), 1e-30)
    target = level_s + 0.05
    free = wet.copy()
    free[0, 3, 3] = False  # an observed cell keeps its salinity
    new_t, new_s = match_salinity(sig, temp, sal, target, w, free, density)
    got = (new_s.numpy() * w).sum((-1, -2)) / np.maximum(w.sum((-1, -2)), 1e-30)
    ocean = w.sum((-1, -2)) > 0
    np.testing.assert_allclose(got[:, ocean], np.broadcast_to(target[ocean], (3, ocean.sum())),
                               rtol=0, atol=1e-12)
    with torch.no_grad():
        np.testing.assert_allclose(density.sigma0(new_t, new_s)[:, wet].numpy(),
                                   sig[:, wet].numpy(), rtol=0, atol=1e-10)
    assert (new_s[:, 0, 3, 3] == sal[:, 0, 3, 3]).all()
    assert (new_t[:, wet & free] > temp[:, wet & free]).all()  # saltier at equal density: warmer


def test_constrain_moves_given_states_onto_the_constraints():
    """``Generator.constrain``: the projection alone, on states that were not sampled."""
    gen, grid, layout, density = _toy_generator()
    states = gen.sample(5, seed=8, steps=10)
    for names in (["c1"], ["ts"]):
        cset = gen.constraint_set(names)
        before = cset(layout.encode(states, dtype=np.float64))
        after = cset(layout.encode(gen.constrain(states, names), dtype=np.float64))
        assert float(before.abs().max()) > 1e-2 and float(after.abs().max()) <= 1e-5
