"""The 4DVarNet variational cost and its trainable gradient-based solver.

``J(x) = w_obs * ||m * (x - y)||^2 + w_prior * ||x - phi(x)||^2`` summed over one window, with
``m`` the observation mask. The solver iterates ``x <- x - [LSTM(g / |g0|) / (k + 1) +
lr_grad * (k + 1) / K * g / |g0|]`` with ``g = grad J(x)`` computed in closed form (see
``layers``) and ``|g0|`` the RMS of the first gradient of each window, so train mode and inference
mode run the same arithmetic and return the same ``x_K``. Unlike 4dvarnet-starter the direct
gradient term is normalised too: a trained bilinear prior can make ``grad J`` stiff, and a fixed
step on the raw gradient then diverges.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from nemoml.assimilate.fourdvarnet.layers import BilinAE, ConvLstmGrad, FirstGuess


@dataclass(frozen=True)
class SolverConfig:
    """Architecture of one 4DVarNet (time or a fixed channel axis is the conv channel axis)."""

    channels: int = 15
    hidden_prior: int = 32
    hidden_lstm: int = 32
    n_step: int = 8
    lstm_downsample: int = 2
    lr_grad: float = 0.2
    guess_sigma_px: float = 2.0  # first guess from the observations (0: zero-filled obs)
    guess_sigma_t: float = 4.0
    w_obs: float = 1.0
    w_prior: float = 1.0
    circular_y: bool = True
    circular_x: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


def batch_sum(a: Tensor) -> Tensor:
    """Sum over every axis but the first (one cost per window)."""
    return a.flatten(1).sum(dim=1)


class FourDVarNet(nn.Module):
    """Trainable 4DVarNet solver on normalised windows shaped (batch, channels, ny, nx)."""

    def __init__(self, cfg: SolverConfig, prior: nn.Module | None = None):
        """``prior`` replaces the bilinear auto-encoder (any module with ``forward`` and
        ``value_and_vjp``, e.g. a known dynamical model)."""
        super().__init__()
        self.cfg = cfg
        self.prior = prior if prior is not None else BilinAE(cfg.channels, cfg.hidden_prior,
                                                             cfg.circular_y, cfg.circular_x)
        self.grad_mod = ConvLstmGrad(cfg.channels, cfg.hidden_lstm, cfg.circular_y,
                                     cfg.circular_x, cfg.lstm_downsample)
        self.guess = FirstGuess(cfg.channels, max(cfg.guess_sigma_px, 0.5),
                                max(cfg.guess_sigma_t, 0.5), cfg.circular_y, cfg.circular_x)
        self.use_guess = cfg.guess_sigma_px > 0
        self.n_step = cfg.n_step
        self.lr_grad = cfg.lr_grad
        self.w_obs = cfg.w_obs
        self.w_prior = cfg.w_prior
        self.hidden = cfg.hidden_lstm
        self.downsample = cfg.lstm_downsample

    def cost(self, x: Tensor, y: Tensor, mask: Tensor) -> Tensor:
        """Variational cost of each window; ``y`` must be finite (zero where unobserved)."""
        prior = batch_sum((x - self.prior(x)) ** 2)
        return self.w_obs * batch_sum(mask * (x - y) ** 2) + self.w_prior * prior

    def cost_grad(self, x: Tensor, y: Tensor, mask: Tensor) -> Tensor:
        """Gradient of :meth:`cost` with respect to ``x``, in closed form."""
        phi, jt_r = self.prior.value_and_vjp(x)
        return 2.0 * self.w_obs * mask * (x - y) + 2.0 * self.w_prior * (x - phi - jt_r)

    def forward(self, y: Tensor, mask: Tensor, x0: Tensor | None = None) -> Tensor:
        """Minimise the cost from ``x0`` (a background) or, without one, from a first guess
        (a normalised convolution of the observations, or the zero-filled obs).

        Parameters
        ----------
        y, mask : (batch, channels, ny, nx) normalised observations and their 0/1 mask; ``y``
            may hold NaN where ``mask`` is 0.
        x0 : optional first guess of the same shape (e.g. NEMO's background window).
        """
        observed = mask > 0
        mask = observed.to(y.dtype)
        y = torch.where(observed, y, torch.zeros_like(y))
        if x0 is not None:
            x = x0
        elif self.use_guess:
            x = self.guess(y, mask)
        else:
            x = y
        b, _, ny, nx = y.shape
        d = self.downsample
        h = torch.zeros(b, self.hidden, ny // d, nx // d, dtype=y.dtype, device=y.device)
        c = torch.zeros_like(h)
        norm = torch.ones(b, 1, 1, 1, dtype=y.dtype, device=y.device)
        for k in range(self.n_step):
            g = self.cost_grad(x, y, mask)
            if k == 0:
                # one scale per window, so a window's analysis does not depend on its batch
                norm = torch.sqrt((g**2).flatten(1).mean(dim=1) + 1e-12).reshape(b, 1, 1, 1)
            upd, h, c = self.grad_mod(g / norm, h, c)
            x = x - upd / (k + 1) - self.lr_grad * (k + 1) / self.n_step * (g / norm)
        return x
