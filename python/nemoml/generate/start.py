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
    def fit(cls, x: torch.Tensor, mask: torch.Tensor, snr: float) -> GaussianStart:
        """Modes of the normalised states ``x`` (n, C, H, W) with signal fraction
        ``snr * var / (snr * var + 1) >= MIN_SIGNAL`` at the start's ``snr``."""
        n = x.shape[0]
        mean = x.mean(0)
        anomalies = (x - mean).reshape(n, -1).double() / math.sqrt(max(n - 1, 1))
        _, s, vh = torch.linalg.svd(anomalies, full_matrices=False)
        var = s**2
        keep = snr * var / (snr * var + 1) >= MIN_SIGNAL
        modes = (s[keep, None] * vh[keep]).reshape(-1, *x.shape[1:]).float()
        residual = float(var[~keep].sum() / mask.expand_as(x[:1]).sum()) if n > 1 else 0.0
        return cls(mean.float(), modes, residual)

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
