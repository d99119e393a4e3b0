"""The 3D 4DVarNet's first step: the exact reduced-space analysis against a float64 dense solve
of the same cost, and on GYRE the step that the trained solver's score rests on."""

import numpy as np
import pytest
import torch

from nemoml.assimilate.fourdvarnet.subspace import SubspaceStep, fit_subspace
from nemoml.assimilate.gyre import twin as gyre

SHAPE = (3, 4, 5)  # (per_day channels, H, W)
N_DAYS, RANK, FLOOR, GAMMA = 3, 4, 0.1, 2.5


def _case(seed=0):
    rng = np.random.default_rng(seed)
    p = int(np.prod(SHAPE))
    basis = np.linalg.qr(rng.standard_normal((p, RANK)))[0].T  # orthonormal rows
    mean = rng.standard_normal(p)
    var = rng.uniform(0.5, 3.0, RANK)
    x0 = rng.standard_normal((N_DAYS, p))
    y = rng.standard_normal((N_DAYS, p))
    w = rng.uniform(0, 1, (N_DAYS, p)) * (rng.uniform(size=(N_DAYS, p)) < 0.4)
    return mean, basis, var, x0, y * (w > 0), w


def _dense(mean, basis, var, x0, y, w):
    """Minimiser of the documented cost, built as one design matrix (float64)."""
    p = basis.shape[1]
    h = np.kron(np.eye(N_DAYS), basis.T)  # (n p, n r): delta -> state
    a0 = (x0 - mean) @ basis.T
    resid = (y - mean - a0 @ basis).ravel()
    rinv = np.diag(w.ravel() / FLOOR**2)
    diff = np.zeros((N_DAYS - 1, N_DAYS))  # consecutive-day differences
    diff[np.arange(N_DAYS - 1), np.arange(N_DAYS - 1)] = -1
    diff[np.arange(N_DAYS - 1), np.arange(1, N_DAYS)] = 1
    binv = np.kron(np.eye(N_DAYS), np.diag(1 / var)) \
        + GAMMA * np.kron(diff.T @ diff, np.eye(RANK))
    delta = np.linalg.solve(h.T @ rinv @ h + binv, h.T @ rinv @ resid).reshape(N_DAYS, RANK)
    return (mean + (a0 + delta) @ basis).reshape(N_DAYS, p)


def _step(mean, basis, var):
    return SubspaceStep(torch.from_numpy(mean.reshape(SHAPE)),
                        torch.from_numpy(basis.reshape(RANK, *SHAPE)), torch.from_numpy(var),
                        N_DAYS, GAMMA, FLOOR)


def _run(step, x0, y, w):
    t = [torch.from_numpy(a.astype(np.float32)).reshape(1, N_DAYS * SHAPE[0], *SHAPE[1:])
         for a in (x0, y, w)]
    with torch.no_grad():
        return step(*t).reshape(N_DAYS, -1).double().numpy()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_step_is_the_dense_solve_of_its_cost(seed):
    mean, basis, var, x0, y, w = _case(seed)
    ref = _dense(mean, basis, var, x0, y, w)
    out = _run(_step(mean, basis, var), x0, y, w)
    assert np.abs(out - ref).max() < 1e-4 * np.abs(ref).max()


def test_without_observations_the_step_projects_the_background():
    mean, basis, var, x0, y, w = _case(3)
    out = _run(_step(mean, basis, var), x0, y, 0 * w)
    proj = mean + (x0 - mean) @ basis.T @ basis
    assert np.abs(out - proj).max() < 1e-5
    assert np.abs(out - x0).max() > 0.1  # what lies outside the span is dropped


def test_fit_gives_orthonormal_eofs_and_error_variances():
    rng = np.random.default_rng(4)
    states = rng.standard_normal((20, *SHAPE)).astype(np.float32)
    errors = rng.standard_normal((6, *SHAPE)).astype(np.float32)
    step = fit_subspace(states, errors, RANK, N_DAYS, FLOOR)
    v = step.basis.double().numpy()
    assert np.abs(v @ v.T - np.eye(RANK)).max() < 1e-5
    anom = states.reshape(20, -1) - states.reshape(20, -1).mean(0)
    lead = np.linalg.svd(anom.astype(np.float64), full_matrices=False)[2][:RANK]
    assert np.abs(np.abs(lead @ v.T) - np.eye(RANK)).max() < 1e-4  # the SVD's EOFs, up to sign
    var = ((errors.reshape(6, -1).astype(np.float64) @ v.T) ** 2).mean(0)
    assert np.allclose(step.log_var.detach().exp().numpy(), var, rtol=1e-5)
    with pytest.raises(ValueError, match="rank 20 must be in 1..19"):
        fit_subspace(states, errors, 20, N_DAYS, FLOOR)


@pytest.mark.skipif(not gyre.DAILY.is_file(), reason="needs ../shared/data/gyre_daily")
def test_on_gyre_the_step_corrects_an_unseen_drift_and_without_it_nothing_does():
    from nemoml.assimilate.fourdvarnet.multivariate import StateSolverConfig
    from nemoml.assimilate.gyre.checkpoint import build_model
    from nemoml.assimilate.gyre.train import Experiment, Train3DConfig, validate
    from nemoml.assimilate.obs.binning import bin_obs

    exp = Experiment()
    cfg = Train3DConfig(solver=StateSolverConfig(hidden_prior=4, hidden_lstm=4, n_step=2))
    val = exp.load("val")
    obs = exp.observe("val", cfg, seed=7)
    wins = []
    for s, k in ((40, 0), (200, 3)):  # validation drift patterns: errors training never saw
        bkg = gyre.background(val, s, 10, exp.patterns["val"], k)
        y, w = exp.codec.encode_obs(bin_obs(obs, exp.grid, float(np.floor(val.days[s])), 10,
                                            "val obs"))
        wins.append((s, exp.codec.encode_state(bkg), y, w))
    with_step = validate(build_model(cfg.solver, exp.layout, exp.subspace(cfg)), exp, wins)
    off = StateSolverConfig(hidden_prior=4, hidden_lstm=4, n_step=2, subspace_rank=0)
    without = validate(build_model(off, exp.layout), exp, wins)
    assert with_step < 0.2, with_step  # T error ratio to the background at the centre day
    assert without > 0.95, without  # untrained iterations alone leave the background
