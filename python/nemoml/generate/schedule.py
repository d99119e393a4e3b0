"""Cosine noise schedule, the sampler's timesteps and the DDPM/DDIM reverse steps
(epsilon-prediction)."""

from __future__ import annotations

import math

import torch


def cosine_alpha_bar(n_steps: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """Cumulative signal fraction alpha_bar_t, t = 0..n_steps-1 (Nichol & Dhariwal 2021).

    Betas are capped at ``max_beta`` as in diffusers' ``squaredcos_cap_v2``, so the last
    alpha_bar is small but not zero.
    """
    def f(t: float) -> float:
        return math.cos((t / n_steps + s) / (1 + s) * math.pi / 2) ** 2

    betas = [min(1 - f(i + 1) / f(i), max_beta) for i in range(n_steps)]
    return torch.cumprod(1 - torch.tensor(betas, dtype=torch.float64), 0)


# Sampling starts at the noisiest step whose signal-to-noise ratio alpha_bar / (1 - alpha_bar)
# is at least this. Above it the x0 estimate (x - sqrt(1 - ab) eps) / sqrt(ab) amplifies the
# network's epsilon error by more than 30: from pure noise on the packaged GYRE model, 99 % of
# its values hit the clip at t = 999 (SNR 2e-9), 1 % at SNR 2e-4, < 0.01 % at 1e-3. Those clipped
# estimates seed every state with noise the later steps keep, and more so with fewer, larger
# steps: DDIM-50 from t = 999 stayed 12 % above DDPM-1000's inversions whatever the spacing.
# The first state at t_start comes from the database's Gaussian marginal (``start.py``).
SNR_START = 1e-3


class Schedule:
    """Diffusion schedule with ``alpha_bar`` per training step; sampling starts at
    ``t_start``, the noisiest step with SNR >= ``SNR_START``."""

    def __init__(self, n_train: int = 1000, s: float = 0.008):
        self.n_train = n_train
        self.s = s
        self.alpha_bar = cosine_alpha_bar(n_train, s)
        snr = self.alpha_bar / (1 - self.alpha_bar)
        self.t_start = int(torch.nonzero(snr >= SNR_START).max())

    def timesteps(self, n_steps: int | None = None) -> list[int]:
        """Decreasing timesteps from ``t_start`` to 0.

        ``None``, or as many steps as there are from ``t_start``, gives every step (ancestral
        DDPM). Fewer are spaced quadratically in the step index (Song et al. 2021's
        "quadratic" DDIM spacing): the last steps, where the fine vertical structure is set,
        stay short. From ``t_start``, even spacing left DDIM-50 23 % short of DDPM's
        inversions; quadratic spacing brings every figure within 5 % (docs/generator_results.md).
        """
        n_all = self.t_start + 1
        if n_steps is None or n_steps >= n_all:
            if n_steps is not None and n_steps > self.n_train:
                raise ValueError(f"steps must be in 1..{self.n_train}, got {n_steps}")
            return list(range(self.t_start, -1, -1))
        if n_steps < 1:
            raise ValueError(f"steps must be in 1..{self.n_train}, got {n_steps}")
        if n_steps == 1:
            return [self.t_start]
        grid = [round(self.t_start * (i / (n_steps - 1)) ** 2) for i in range(n_steps)]
        for i in range(1, n_steps):  # distinct steps: the first few would round together
            grid[i] = max(grid[i], grid[i - 1] + 1)
        return grid[::-1]

    def add_noise(self, x0: torch.Tensor, eps: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        ab = self.alpha_bar.to(x0.device)[t].to(x0.dtype).view(-1, *([1] * (x0.dim() - 1)))
        return ab.sqrt() * x0 + (1 - ab).sqrt() * eps

    def ab(self, t: int) -> float:
        return 1.0 if t < 0 else float(self.alpha_bar[t])

    def snr(self, t: int) -> float:
        """Signal-to-noise ratio alpha_bar / (1 - alpha_bar) at step ``t``."""
        return self.ab(t) / (1 - self.ab(t))

    def x0_from_eps(self, x_t: torch.Tensor, eps: torch.Tensor, t: int) -> torch.Tensor:
        ab = self.ab(t)
        return (x_t - math.sqrt(1 - ab) * eps) / math.sqrt(ab)

    def eps_from_x0(self, x_t: torch.Tensor, x0: torch.Tensor, t: int) -> torch.Tensor:
        ab = self.ab(t)
        return (x_t - math.sqrt(ab) * x0) / math.sqrt(1 - ab)

    def step(
        self, x_t: torch.Tensor, x0: torch.Tensor, t: int, t_prev: int, eta: float,
        noise: torch.Tensor | None,
    ) -> torch.Tensor:
        """Generalised DDIM step x_t -> x_{t_prev} from the denoised estimate ``x0``.

        With ``eta = 1`` and consecutive steps this is exactly the ancestral DDPM step with the
        posterior ("fixed_small") variance; ``eta = 0`` is deterministic DDIM.
        """
        ab, ab_prev = self.ab(t), self.ab(t_prev)
        eps = self.eps_from_x0(x_t, x0, t)
        sigma = eta * math.sqrt((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev))
        out = math.sqrt(ab_prev) * x0 + math.sqrt(max(1 - ab_prev - sigma**2, 0.0)) * eps
        if sigma > 0 and noise is not None:
            out = out + sigma * noise
        return out
