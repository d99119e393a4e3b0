"""Cosine noise schedule and the DDPM/DDIM reverse steps (epsilon-prediction)."""

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


def timesteps(n_train: int, n_steps: int) -> list[int]:
    """Decreasing timesteps for an ``n_steps`` sampler; ``n_steps == n_train`` gives all."""
    if not 1 <= n_steps <= n_train:
        raise ValueError(f"steps must be in 1..{n_train}, got {n_steps}")
    if n_steps == n_train:
        return list(range(n_train - 1, -1, -1))
    # evenly spaced, always starting at the noisiest step and ending at t = 0
    grid = torch.linspace(n_train - 1, 0, n_steps).round().long().tolist()
    return sorted(set(grid), reverse=True)


class Schedule:
    """Diffusion schedule with ``alpha_bar`` per training step."""

    def __init__(self, n_train: int = 1000, s: float = 0.008):
        self.n_train = n_train
        self.s = s
        self.alpha_bar = cosine_alpha_bar(n_train, s)

    def add_noise(self, x0: torch.Tensor, eps: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        ab = self.alpha_bar.to(x0.device)[t].to(x0.dtype).view(-1, *([1] * (x0.dim() - 1)))
        return ab.sqrt() * x0 + (1 - ab).sqrt() * eps

    def ab(self, t: int) -> float:
        return 1.0 if t < 0 else float(self.alpha_bar[t])

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
