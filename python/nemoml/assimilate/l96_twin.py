"""Lorenz-96 twin experiment (the seed's table): interpolation, 4DVar with the true model, and
4DVarNet, scored by normalised MSE.

Setup (DinAE_4DVarNN companion): K = 40, F = 8, RK4 with dt = 0.05; a window of ``n_t`` steps
observed every 4 steps on a random half of the components, with noise variance 2. States are
(time, K) images. 4DVar and 4DVarNet minimise the same weak-constraint cost with the true model
from the same first guess (the interpolation): 4DVar by many fixed gradient steps, 4DVarNet by
a few steps of a ConvLSTM solver (one channel, zero padding in time, periodic in K) trained on
the truth, the seed's "true ODE + LSTM solver".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nemoml.assimilate.fourdvarnet.solver import FourDVarNet, SolverConfig

K, FORCING, DT = 40, 8.0, 0.05


@dataclass(frozen=True)
class TwinConfig:
    n_t: int = 100
    obs_every: int = 4
    obs_fraction: float = 0.5
    noise_var: float = 2.0
    n_train: int = 512
    n_test: int = 64
    epochs: int = 6
    batch: int = 8
    fourdvar_iter: int = 1000
    fourdvar_step: float = 0.01
    fourdvar_lambda: float = 1.0
    n_step: int = 10
    lr: float = 3e-3
    seed: int = 7


def tendency(x: torch.Tensor) -> torch.Tensor:
    """``dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F`` on the last axis (periodic)."""
    return (torch.roll(x, -1, -1) - torch.roll(x, 2, -1)) * torch.roll(x, 1, -1) - x + FORCING


def rk4(x: torch.Tensor) -> torch.Tensor:
    k1 = tendency(x)
    k2 = tendency(x + 0.5 * DT * k1)
    k3 = tendency(x + 0.5 * DT * k2)
    k4 = tendency(x + DT * k3)
    return x + DT / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


@torch.no_grad()
def simulate(n: int, n_t: int, rng: np.random.Generator) -> torch.Tensor:
    """``n`` independent trajectories (n, n_t, K) on the attractor (after a 10-unit spin-up)."""
    x = FORCING + torch.from_numpy(rng.standard_normal((n, K))).double()
    for _ in range(200):
        x = rk4(x)
    out = torch.empty(n, n_t, K, dtype=torch.float64)
    for t in range(n_t):
        out[:, t] = x
        x = rk4(x)
    return out


def observe(truth: torch.Tensor, cfg: TwinConfig, rng: np.random.Generator):
    """Noisy observations of a random ``obs_fraction`` of components every ``obs_every`` steps."""
    mask = np.zeros(truth.shape, dtype=bool)
    pick = rng.random((truth.shape[0], truth.shape[1] // cfg.obs_every + 1, K)) < cfg.obs_fraction
    mask[:, :: cfg.obs_every] = pick[:, : mask[:, :: cfg.obs_every].shape[1]]
    noise = np.sqrt(cfg.noise_var) * rng.standard_normal(truth.shape)
    obs = torch.where(torch.from_numpy(mask), truth + torch.from_numpy(noise), torch.nan)
    return obs, torch.from_numpy(mask)


def interpolate(obs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Linear interpolation in time of each component between its observations."""
    out = np.empty(obs.shape)
    t = np.arange(obs.shape[1])
    for b in range(obs.shape[0]):
        for k in range(K):
            seen = mask[b, :, k].numpy()
            out[b, :, k] = np.interp(t, t[seen], obs[b, seen, k].numpy()) if seen.any() else 0.0
    return torch.from_numpy(out)


def fourdvar_true_model(obs, mask, init, cfg: TwinConfig) -> torch.Tensor:
    """Weak-constraint 4DVar with the true model, fixed-step gradient descent:
    ``J = ||m (x - y)||^2 + lambda sum_t ||x_t - M(x_{t-1})||^2``."""
    m = mask.to(torch.float64)
    y = torch.nan_to_num(obs)
    x = init.clone().requires_grad_(True)
    for _ in range(cfg.fourdvar_iter):
        model_err = ((x[:, 1:] - rk4(x[:, :-1])) ** 2).sum()
        j = (m * (x - y) ** 2).sum() + cfg.fourdvar_lambda * model_err
        (g,) = torch.autograd.grad(j, x)
        with torch.no_grad():
            x -= cfg.fourdvar_step * g
    return x.detach()


class ModelPrior(nn.Module):
    """The true L96 model as a 4DVarNet prior on normalised (batch, 1, time, K) windows:
    ``phi(x)_t = M(x_{t-1})`` for t >= 1 and ``phi(x)_0 = x_0``. Its adjoint comes from
    autograd (kept differentiable in training, so the solver can be trained through it)."""

    def __init__(self, mean: float, std: float):
        super().__init__()
        self.mean = mean
        self.std = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        phys = x * self.std + self.mean
        nxt = (rk4(phys[:, :, :-1]) - self.mean) / self.std
        return torch.cat([x[:, :, :1], nxt], dim=2)

    def value_and_vjp(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        train = x.requires_grad and torch.is_grad_enabled()
        with torch.enable_grad():
            xx = x if train else x.detach().requires_grad_(True)
            phi = self.forward(xx)
            (vjp,) = torch.autograd.grad(phi, xx, grad_outputs=(xx - phi).detach() if not train
                                         else xx - phi, create_graph=train)
        return (phi, vjp) if train else (phi.detach(), vjp.detach())


def nmse(est: torch.Tensor, truth: torch.Tensor) -> float:
    return float(((est - truth) ** 2).mean() / truth.var())


def train_4dvarnet(truth, obs, mask, init, mean, std, cfg: TwinConfig) -> FourDVarNet:
    """Supervised training of the ConvLSTM solver on (time, K) images, with the true model as
    the prior (the seed's ODE-prior 4DVarNet) and the interpolation as first guess."""
    torch.manual_seed(cfg.seed)
    solver = SolverConfig(channels=1, hidden_lstm=16, n_step=cfg.n_step, lstm_downsample=1,
                          circular_y=False, circular_x=True, w_obs=1.0,
                          w_prior=cfg.fourdvar_lambda)
    model = FourDVarNet(solver, ModelPrior(mean, std))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    n = truth.shape[0]
    steps = cfg.epochs * (n // cfg.batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    tgt = ((truth - mean) / std).float().unsqueeze(1)
    y = ((obs - mean) / std).float().unsqueeze(1)
    m = mask.float().unsqueeze(1)
    x0 = ((init - mean) / std).float().unsqueeze(1)
    gen = torch.Generator().manual_seed(cfg.seed)
    model.train()
    for _ in range(cfg.epochs):
        perm = torch.randperm(n, generator=gen)
        for i in range(n // cfg.batch):
            idx = perm[i * cfg.batch: (i + 1) * cfg.batch]
            out = model(y[idx], m[idx], x0[idx])
            loss = ((out - tgt[idx]) ** 2).mean() + 0.1 * ((out - model.prior(out)) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
    return model.eval()


def run_twin(cfg: TwinConfig | None = None, quick: bool = False) -> dict:
    """The full table: NMSE of each method on the test windows, and the wall times."""
    if cfg is None:
        small = {"n_train": 32, "n_test": 8, "epochs": 1, "fourdvar_iter": 50}
        cfg = TwinConfig(**small) if quick else TwinConfig()
    rng = np.random.default_rng(cfg.seed)
    tr = simulate(cfg.n_train, cfg.n_t, rng)
    te = simulate(cfg.n_test, cfg.n_t, rng)
    tr_obs, tr_mask = observe(tr, cfg, rng)
    te_obs, te_mask = observe(te, cfg, rng)
    mean, std = float(tr.mean()), float(tr.std())
    res: dict = {"config": cfg.__dict__}
    t0 = time.perf_counter()
    interp = interpolate(te_obs, te_mask)
    res["interpolation"] = {"nmse": nmse(interp, te), "seconds": time.perf_counter() - t0}
    t0 = time.perf_counter()
    var = fourdvar_true_model(te_obs, te_mask, interp, cfg)
    res["4dvar_true_model"] = {"nmse": nmse(var, te), "seconds": time.perf_counter() - t0}
    t0 = time.perf_counter()
    model = train_4dvarnet(tr, tr_obs, tr_mask, interpolate(tr_obs, tr_mask), mean, std, cfg)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with torch.no_grad():
        y = ((te_obs - mean) / std).float().unsqueeze(1)
        x0 = ((interpolate(te_obs, te_mask) - mean) / std).float().unsqueeze(1)
        out = model(y, te_mask.float().unsqueeze(1), x0)[:, 0].double() * std + mean
    res["4dvarnet"] = {"nmse": nmse(out, te), "seconds": time.perf_counter() - t0,
                       "train_seconds": train_s}
    return res
