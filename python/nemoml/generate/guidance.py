"""Primal-dual constrained sampling: frozen duals within a run, Newton dual steps between runs.

Within one reverse trajectory the duals ``lam`` are fixed and the sampler draws from the tilted
law ``p(x) exp(-lam . h(x))`` (Chamon et al. 2024, one dual per constraint component). At every
step the denoised estimate x0_hat = (x_t - sqrt(1 - ab) eps) / sqrt(ab) is moved along
``-grad_x0 (lam . h(x0_hat))`` before the DDPM/DDIM update, i.e. the constraint is computed on
the denoised estimate, where it is meaningful, not on the noisy x_t.

The duals are updated *between* runs, never along a trajectory: a dual integrated along one
reverse run winds up, because at high noise the residual reflects the prior, not the sample
(the reference sheet's toy diverges that way). A shift of the final states by ``-lam . grad h``
changes ``E[h]`` by ``-J lam`` with ``J = E[grad h grad h^T]`` (Gauss-Newton; for an exact tilt
of a Gaussian it is Cov(h)). Guidance applied at every step of a run accumulates, so the
response is ``-gamma J lam`` with a gain ``gamma >= 1`` per constraint: it starts at the value an
identity denoiser would give (``identity_gain``) and is re-estimated by a secant fit after each
run. The update is the damped Newton step ``lam += (gamma J + delta)^-1 E[h]``; inequality duals
are projected on ``lam >= 0`` and may at most halve per run, so a satisfied hinge relaxes
without oscillating.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from nemoml.generate.constraints import ConstraintSet


def identity_gain(schedule, ts: list[int]) -> float:
    """Response of the final state to an x0_hat shift applied at every step, when the denoiser
    is the identity below unit noise: ``1 + sum (1 - sigma_prev / sigma_t)`` with
    ``sigma = sqrt((1 - ab) / ab)``."""
    gain = 1.0
    for t, t_prev in zip(ts[:-1], ts[1:], strict=True):
        sig = math.sqrt((1 - schedule.ab(t)) / schedule.ab(t))
        sig_prev = math.sqrt((1 - schedule.ab(t_prev)) / schedule.ab(t_prev))
        if sig < 1.0:
            gain += 1 - sig_prev / sig
    return gain


def jacobian_gram(cset: ConstraintSet, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``J[a, b] = mean_over_states <grad h_a, grad h_b>`` (K x K).

    Components of one class four or more levels apart have disjoint supports, so one
    vector-Jacobian and one Jacobian-vector product recover a whole comb of columns.
    """
    x = x.detach().to(torch.float64).requires_grad_(True)
    m = mask.to(torch.float64)
    with torch.enable_grad():
        h = cset(x)
        # J^T v with v a free variable: differentiating it in v gives J u (double backward,
        # much cheaper here than forward-mode AD through the EOS polynomial)
        v = torch.zeros_like(h, requires_grad=True)
        (jtv,) = torch.autograd.grad(h, x, grad_outputs=v, create_graph=True)
        k = h.shape[1]
        jac = torch.zeros(k, k, dtype=torch.float64)
        level = torch.as_tensor(cset.level)
        for c in np.unique(cset.klass):
            for r in range(4):
                probe = np.flatnonzero((cset.klass == c) & (cset.level % 4 == r))
                if probe.size == 0:
                    continue
                cot = torch.zeros_like(h)
                cot[:, probe] = 1.0
                (u,) = torch.autograd.grad(h, x, grad_outputs=cot, retain_graph=True)
                (jv,) = torch.autograd.grad(jtv, v, grad_outputs=u * m, retain_graph=True)
                col = jv.mean(0)
                # each row b overlaps at most the probe member within one level of it
                dist = (level[:, None] - level[probe][None, :]).abs()
                near, which = dist.min(1)
                rows = torch.nonzero(near <= 1).flatten()
                jac[rows, torch.as_tensor(probe)[which[rows]]] = col[rows]
    return 0.5 * (jac + jac.T)
def guidance_shift(cset: ConstraintSet, lam: torch.Tensor, x0: torch.Tensor) -> torch.Tensor:
    """``grad_x0 sum_states lam . h(x0)`` in the dtype of ``x0``."""
    with torch.enable_grad():
        z = x0.detach().to(torch.float64).requires_grad_(True)
        loss = (cset(z) * lam[None]).sum()
        (grad,) = torch.autograd.grad(loss, z)
    return grad.to(x0.dtype)


class DualState:
    """Duals, per-constraint gains and the history of residuals across runs.

    Each run's residual is scored by a merit (RMS of residuals scaled by the first run's
    Jacobian diagonal; satisfied inequalities count 0). A run that scores worse than the best
    one so far is rejected: the duals go back half-way towards the best ones (backtracking),
    which keeps infeasible or inconsistent targets from blowing the duals up. ``best`` holds
    the duals of the best run, the ones to sample with.
    """

    def __init__(self, cset: ConstraintSet, lam: torch.Tensor | None = None,
                 gain: float = 1.0):
        self.cset = cset
        k = cset.size
        self.lam = torch.zeros(k, dtype=torch.float64) if lam is None else lam.clone()
        self.gain = torch.full((k,), float(gain), dtype=torch.float64)
        self._best: dict | None = None
        self._scale: torch.Tensor | None = None
        self.history: list[dict] = []

    @property
    def best(self) -> torch.Tensor:
        return self.lam if self._best is None else self._best["lam"]

    def merit(self, r: torch.Tensor) -> float:
        r = torch.where(self.cset.is_ineq, r.clamp_min(0), r)
        return float(torch.sqrt(torch.mean((r * self._scale) ** 2)))

    def _fit_gain(self, r: torch.Tensor) -> None:
        """Secant estimate of each constraint's gain from the last accepted dual change."""
        best = self._best
        pred = -(best["jac"] @ (self.lam - best["lam"]))
        for g in np.unique(self.cset.group):
            sel = torch.as_tensor(self.cset.group == g)
            denom = float((pred[sel] ** 2).sum())
            if denom > 0:
                fit = float(((r - best["r"])[sel] * pred[sel]).sum()) / denom
                self.gain[sel] = min(max(fit, 0.25), 100.0)

    def update(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """One damped Newton dual step from the final states ``x`` of a run; returns E[h]."""
        with torch.no_grad():
            r = self.cset(x.to(torch.float64)).mean(0)
        self.history.append(self.cset.split(r))
        jac = None
        if self._scale is None:
            jac = jacobian_gram(self.cset, x, mask)
            d = jac.diagonal().clamp_min(0)
            self._scale = (d + 1e-9 * d.max().clamp_min(1e-300)).sqrt()
        merit = self.merit(r)
        best = self._best
        if best is not None and merit > best["merit"]:
            self.lam = best["lam"] + 0.5 * (self.lam - best["lam"])
            return r
        if best is not None:
            self._fit_gain(r)
        jac = jacobian_gram(self.cset, x, mask) if jac is None else jac
        self._best = {"merit": merit, "lam": self.lam.clone(), "r": r, "jac": jac}
        a = self.gain[:, None] * jac
        diag = a.diagonal().clamp_min(0)
        # Jacobi scaling keeps components with very different units (kg m-3, s-2) comparable;
        # the ridge bounds steps along nearly dependent constraints (C1 vs T-S, C1 vs C2)
        scale = (diag + 1e-9 * diag.max().clamp_min(1e-300)).rsqrt()
        a_s = scale[:, None] * a * scale[None, :] + 1e-3 * torch.eye(len(r), dtype=r.dtype)
        step = scale * torch.linalg.solve(a_s, scale * r)
        new = self.lam + step
        ineq = self.cset.is_ineq
        self.lam = torch.where(ineq, torch.maximum(new.clamp_min(0), 0.5 * self.lam), new)
        return r
