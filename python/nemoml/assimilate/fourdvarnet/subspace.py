"""The 3D 4DVarNet's first step: the exact analysis in the span of the truth's leading EOFs.

A window's state on day ``d`` is written ``x_d = m + V^T a_d`` with ``m`` the training truth's
mean and ``V`` (rank r, orthonormal rows) its leading EOFs in normalised units. The background
gives ``a0_d = V (x0_d - m)``; the correction ``delta`` minimises

``sum_d (y_d - m - V^T (a0_d + delta_d))^T (W_d / floor^2) (...) + delta^T diag(1/var) delta
+ gamma sum_d |delta_d - delta_{d+1}|^2``

(``W_d`` the day's observation weights, ``var`` the background error variance of each
coefficient, ``gamma`` the coupling of consecutive days: a forecast carries its initial
error through the window). It is a dense (n_days r) x (n_days r) solve per window, exact, and
the step returns ``m + V^T (a0 + delta)``: what the background holds outside the span is
dropped, since the training truth says the ocean does not go there. ``log_var`` and
``log_gamma`` are learnt with the rest of the solver.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn


def _path_laplacian(n: int) -> Tensor:
    """Graph Laplacian of the chain of ``n`` days: ``sum_d (a_d - a_{d+1})^2 = a^T L a``."""
    lap = torch.zeros(n, n, dtype=torch.float64)
    for d in range(n - 1):
        lap[d, d] += 1.0
        lap[d + 1, d + 1] += 1.0
        lap[d, d + 1] -= 1.0
        lap[d + 1, d] -= 1.0
    return lap


class SubspaceStep(nn.Module):
    """Exact reduced-space analysis of (batch, n_days * per_day, H, W) normalised windows."""

    def __init__(self, mean: Tensor, basis: Tensor, var: Tensor, n_days: int, gamma: float,
                 obs_floor: float):
        """``mean``: (per_day, H, W); ``basis``: (r, per_day, H, W) orthonormal; ``var``: (r,)."""
        super().__init__()
        r = basis.shape[0]
        self.n_days = n_days
        self.rank = r
        self.obs_precision = 1.0 / obs_floor**2
        self.register_buffer("mean", mean.reshape(-1).to(torch.float32))
        self.register_buffer("basis", basis.reshape(r, -1).to(torch.float32))
        self.register_buffer("lap", torch.kron(_path_laplacian(n_days),
                                               torch.eye(r, dtype=torch.float64)).float())
        self.register_buffer("eye_n", torch.eye(n_days))
        self.log_var = nn.Parameter(torch.log(var.to(torch.float32).clamp_min(1e-12)))
        self.log_gamma = nn.Parameter(torch.tensor(float(np.log(gamma))))

    @classmethod
    def empty(cls, rank: int, shape: tuple[int, int, int], n_days: int, obs_floor: float
              ) -> SubspaceStep:
        """A step of the right shapes, to load a checkpoint's state into."""
        return cls(torch.zeros(shape), torch.zeros((rank, *shape)), torch.ones(rank), n_days,
                   1.0, obs_floor)

    def forward(self, x0: Tensor, y: Tensor, w: Tensor) -> Tensor:
        b = x0.shape[0]
        n, r = self.n_days, self.rank
        flat = (b, n, self.basis.shape[1])
        x0f, yf, wf = x0.reshape(flat), y.reshape(flat), w.reshape(flat)
        a0 = torch.einsum("bnp,rp->bnr", x0f - self.mean, self.basis)
        resid = yf - self.mean - torch.einsum("bnr,rp->bnp", a0, self.basis)
        rhs = self.obs_precision * torch.einsum("bnp,rp->bnr", wf * resid, self.basis)
        gram = torch.matmul(self.basis * wf[:, :, None, :], self.basis.t())  # (b, n, r, r)
        block = self.obs_precision * gram + torch.diag_embed(torch.exp(-self.log_var))
        a = torch.einsum("bnrs,nm->bnrms", block, self.eye_n).reshape(b, n * r, n * r)
        a = a + torch.exp(self.log_gamma) * self.lap
        delta = torch.linalg.solve(a, rhs.reshape(b, n * r, 1)).reshape(b, n, r)
        out = self.mean + torch.einsum("bnr,rp->bnp", a0 + delta, self.basis)
        return out.reshape(x0.shape)


def fit_subspace(states: np.ndarray, errors: np.ndarray, rank: int, n_days: int,
                 obs_floor: float, gamma: float = 10.0) -> SubspaceStep:
    """EOFs of ``states`` (n, per_day, H, W) normalised truth, land 0, from their n x n Gram
    matrix (float64); each coefficient's prior variance from ``errors`` (m, per_day, H, W),
    examples of background errors in the same units."""
    n = states.shape[0]
    if not 0 < rank < n:
        raise ValueError(f"subspace rank {rank} must be in 1..{n - 1} (training states: {n})")
    flat = states.reshape(n, -1)
    mean = flat.mean(axis=0, dtype=np.float64)
    anom = flat - mean  # float64
    vals, vecs = np.linalg.eigh(anom @ anom.T)
    top = np.argsort(vals)[::-1][:rank]
    if vals[top[-1]] <= 0:
        raise ValueError(f"the training states span fewer than {rank} directions")
    basis = vecs[:, top].T @ anom / np.sqrt(vals[top])[:, None]
    coef = errors.reshape(errors.shape[0], -1).astype(np.float64) @ basis.T
    var = (coef**2).mean(axis=0)
    shape = states.shape[1:]
    return SubspaceStep(torch.from_numpy(mean.reshape(shape)),
                        torch.from_numpy(basis.reshape(rank, *shape)), torch.from_numpy(var),
                        n_days, gamma, obs_floor)
