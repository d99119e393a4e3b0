"""The sampler's first state: the database's Gaussian marginal at ``t_start``.

Sampling begins at ``Schedule.t_start`` (SNR 1e-3), below the capped top steps where the
network's x0 estimate is amplified error. But at SNR 1e-3 the large-scale modes of the states
are already mostly set: on GYRE the leading mode (the seasonal cycle, 87 % of the variance) is
86 % signal there. Pure noise at ``t_start`` drops it (surface spread 1.35 against the data's
1.59). So the first state is drawn from N(sqrt(ab) mu, ab C + (1 - ab) I), mu and C the
database's mean and covariance restricted to the modes that carry at least 1 % signal at
``t_start``: where the data are effectively Gaussian this is the denoiser's own answer (Wang &
Vastola 2023, "analytical teleportation"). A condition fixes the mode weights it observes by
their Gaussian posterior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

START_FILE = "start.npz"
MIN_SIGNAL = 0.01  # modes with less signal fraction at t_start are left to the noise


@dataclass
class GaussianStart:
    """Mean (C, H, W) and modes (k, C, H, W) scaled by the square root of their variance, in
    normalised units; ``residual`` is the variance per ocean value outside the modes."""

    mean: torch.Tensor
    modes: torch.Tensor
    residual: float

    @classmethod
    def fit(cls, x: torch.Tensor, mask: torch.Tensor, snr: float,
            chunk: int | None = None) -> GaussianStart:
        """Modes of the normalised states ``x`` (n, C, H, W) with signal fraction
        ``snr * var / (snr * var + 1) >= MIN_SIGNAL`` at the start's ``snr``.

        By the states' n x n Gram matrix, accumulated over chunks of ``chunk`` values per state
        (default: 64 MB of float64 for all states): memory is the states, the kept modes and one
        chunk, not the copies of a dense SVD of n x (C H W). Each mode's sign makes its largest
        value positive.
        """
        n = x.shape[0]
        chunk = chunk or max(1024, (1 << 23) // n)
        flat = x.reshape(n, -1)
        mean = torch.cat([c.double().mean(0) for c in flat.split(chunk, dim=1)])
        scale = 1.0 / math.sqrt(max(n - 1, 1))
        gram = torch.zeros(n, n, dtype=torch.float64)
        for c, m in zip(flat.split(chunk, dim=1), mean.split(chunk), strict=True):
            a = c.double().sub_(m).mul_(scale)
            gram += a @ a.T
        var, u = torch.linalg.eigh(gram)  # ascending; var = squared singular values
        var, u = var.flip(0).clamp(min=0), u.flip(1)
        keep = snr * var / (snr * var + 1) >= MIN_SIGNAL
        uk = u[:, keep]
        modes = torch.empty(uk.shape[1], flat.shape[1])
        start = 0
        for c, m in zip(flat.split(chunk, dim=1), mean.split(chunk), strict=True):
            modes[:, start:start + c.shape[1]] = uk.T @ c.double().sub_(m).mul_(scale)  # s v^T
            start += c.shape[1]
        peak = modes.gather(1, modes.abs().argmax(1, keepdim=True))
        modes = modes.mul_(torch.sign(peak)).reshape(-1, *x.shape[1:])
        residual = float(var[~keep].sum() / mask.expand_as(x[:1]).sum()) if n > 1 else 0.0
        return cls(mean.float().reshape(x.shape[1:]), modes, residual)

    def save(self, path: Path) -> None:
        # half precision: the start scales both by sqrt(ab) ~ 0.03, far below its rounding
        np.savez_compressed(path, mean=self.mean.numpy().astype(np.float16),
                            modes=self.modes.numpy().astype(np.float16),
                            residual=np.float64(self.residual))

    @classmethod
    def load(cls, path: Path) -> GaussianStart:
        with np.load(path) as f:
            return cls(torch.from_numpy(f["mean"].astype(np.float32)),
                       torch.from_numpy(f["modes"].astype(np.float32)), float(f["residual"]))

    def weights(self, gens, condition=None) -> torch.Tensor:
        """Mode weights (n, k): standard normal, or their posterior given ``condition``
        ``(y, m)`` (normalised values and observed-point mask, (1, C, H, W))."""
        k = self.modes.shape[0]
        z = torch.stack([torch.randn(k, generator=g, dtype=torch.float64) for g in gens])
        if condition is None or k == 0:
            return z.float()
        y, m = condition
        obs = m[0] > 0
        b = self.modes[:, obs].double().T  # (n_obs, k)
        r = (y[0][obs] - self.mean[obs]).double()
        noise = max(self.residual, 1e-6)  # what the modes cannot explain, per value
        precision = torch.eye(k, dtype=torch.float64) + b.T @ b / noise
        cov = torch.linalg.inv(precision)
        mean = cov @ (b.T @ r) / noise
        return (mean + z @ torch.linalg.cholesky(cov).T).float()

    def sample(self, gens, ab: float, noise: torch.Tensor, condition=None) -> torch.Tensor:
        """x_t at ``ab`` for each generator: sqrt(ab) (mu + modes w) + sqrt(1 - ab) noise."""
        w = self.weights(gens, condition)
        x0 = self.mean + torch.einsum("nk,kchw->nchw", w, self.modes)
        return math.sqrt(ab) * x0 + math.sqrt(1 - ab) * noise
