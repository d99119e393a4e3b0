"""Guided sampling with frozen duals, and dual calibration between whole runs.

This is not primal-dual Langevin sampling (PD-LMC, Chamon et al. 2024), whose duals move inside
the sampling chain. Within one reverse trajectory the duals ``lam`` are fixed (one per
constraint component) and the sampler aims at the tilted law ``p(x) exp(-lam . h(x))``, the law
of PD-LMC's expectation-constrained problem at its optimal duals. At every step the denoised
estimate x0_hat = (x_t - sqrt(1 - ab) eps) / sqrt(ab) is moved along
``-grad_x0 (lam . h(x0_hat))`` before the DDPM/DDIM update, i.e. the constraint is computed on
the denoised estimate, where it is meaningful, not on the noisy x_t.

The duals are calibrated *between* whole runs (``DualState``), never along a trajectory: a
dual integrated along one reverse run winds up, because at high noise the residual reflects
the prior, not the sample (the reference sheet's toy diverges that way). A shift of the final
states by ``-lam . grad h`` changes ``E[h]`` by ``-J lam`` with ``J = E[grad h grad h^T]``
(Gauss-Newton; for an exact tilt of a Gaussian it is Cov(h)). Guidance applied at every step of
a run accumulates, so the response is ``-gamma J lam`` with a gain ``gamma >= 1`` per
constraint: it starts at the value an identity denoiser would give (``identity_gain``) and is
re-estimated by a secant fit after each run. The update is the damped Newton step
``lam += (gamma J + delta)^-1 E[h]``; inequality duals are projected on ``lam >= 0`` and may at
most halve per run, so a satisfied hinge relaxes without oscillating. Exactness comes from the
final projection (``project.py``), not from the duals.
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


def jacobian_gram(cset: ConstraintSet, x: torch.Tensor, mask: torch.Tensor,
                  per_state: bool = False) -> torch.Tensor:
    """``J[a, b] = <grad h_a, grad h_b>``: (B, K, K) per state, or its mean (K, K).

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
        b, k = h.shape
        jac = torch.zeros(b, k, k, dtype=torch.float64)
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
                # each row b overlaps at most the probe member within one level of it
                dist = (level[:, None] - level[probe][None, :]).abs()
                near, which = dist.min(1)
                rows = torch.nonzero(near <= 1).flatten()
                jac[:, rows, torch.as_tensor(probe)[which[rows]]] = jv[:, rows]
    jac = 0.5 * (jac + jac.transpose(1, 2))
    return jac if per_state else jac.mean(0)
def guidance_shift(cset: ConstraintSet, lam: torch.Tensor, x0: torch.Tensor) -> torch.Tensor:
    """``grad_x0 sum_states lam . h(x0)`` in the dtype of ``x0``; ``lam`` is (K,) for the
    whole ensemble or (B, K), one row per state."""
    with torch.enable_grad():
        z = x0.detach().to(torch.float64).requires_grad_(True)
        loss = (cset(z) * (lam if lam.dim() == 2 else lam[None])).sum()
        (grad,) = torch.autograd.grad(loss, z)
    return grad.to(x0.dtype)


class DualState:
    """Duals, per-constraint gains and the history of residuals across runs.

    ``per_state=False``: one dual vector for the ensemble, driven by the mean residual (an
    expectation constraint; calibrated once and stored). ``per_state=True``: a per-state search,
    one dual vector per state driven by that state's own residual; the same noise is redrawn
    every run (the sampler is deterministic given its noise streams) and each state keeps its
    best run (``best_x``), so each state's duals are tuned for that state's noise: a selection
    among a few runs of one noise stream, not sampling from a constrained law.

    Each run is scored per row by a merit (RMS of residuals scaled by the first run's Jacobian
    diagonal; satisfied inequalities count 0). A row that scores worse than its best run so far
    is rejected: its duals go back half-way towards its best ones (backtracking), which keeps
    infeasible or inconsistent targets from blowing them up. ``best`` holds each row's duals of
    its best run, ``best_x`` (per state) the corresponding states.
    """

    def __init__(self, cset: ConstraintSet, lam: torch.Tensor | None = None,
                 gain: float = 1.0, per_state: bool = False, rows: int = 1):
        self.cset = cset
        self.per_state = per_state
        k = cset.size
        lam = torch.zeros(k, dtype=torch.float64) if lam is None else lam.to(torch.float64)
        self.lam = lam.expand(rows, k).clone() if lam.dim() == 1 else lam.clone()
        self.gain = torch.full(self.lam.shape, float(gain), dtype=torch.float64)
        self._best: dict | None = None
        self._scale: torch.Tensor | None = None
        self.best_x: torch.Tensor | None = None
        self.history: list[dict] = []

    @property
    def current(self) -> torch.Tensor:
        """The duals to run next: (rows, K) per state, (K,) for the ensemble."""
        return self.lam if self.per_state else self.lam[0]

    @property
    def best(self) -> torch.Tensor:
        lam = self.lam if self._best is None else self._best["lam"]
        return lam if self.per_state else lam[0]

    def merit(self, r: torch.Tensor) -> torch.Tensor:
        """Scaled RMS residual of each row of ``r`` (rows, K)."""
        r = torch.where(self.cset.is_ineq, r.clamp_min(0), r)
        return torch.sqrt(torch.mean((r * self._scale) ** 2, -1))

    def _fit_gain(self, r: torch.Tensor, rows: torch.Tensor) -> None:
        """Secant estimate of each constraint's gain from the last accepted dual change."""
        best = self._best
        pred = -torch.einsum("rab,rb->ra", best["jac"], self.lam - best["lam"])
        for g in np.unique(self.cset.group):
            sel = torch.as_tensor(self.cset.group == g)
            denom = (pred[:, sel] ** 2).sum(1)
            fit = ((r - best["r"])[:, sel] * pred[:, sel]).sum(1) / denom.clamp_min(1e-300)
            ok = rows & (denom > 0)
            self.gain[:, sel] = torch.where(ok[:, None], fit.clamp(0.25, 100.0)[:, None],
                                            self.gain[:, sel])

    def update(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """One damped Newton dual step from the final states ``x`` of a run; returns the
        residual rows (the mean residual, or one row per state)."""
        with torch.no_grad():
            h = self.cset(x.to(torch.float64))
        r = h if self.per_state else h.mean(0, keepdim=True)
        self.history.append(self.cset.split(r.mean(0)))
        jac = jacobian_gram(self.cset, x, mask, per_state=True)
        jac = jac if self.per_state else jac.mean(0, keepdim=True)
        if self._scale is None:
            d = jac.mean(0).diagonal().clamp_min(0)
            self._scale = (d + 1e-9 * d.max().clamp_min(1e-300)).sqrt()
        merit = self.merit(r)
        best = self._best
        if best is None:
            accept = torch.ones(len(r), dtype=torch.bool)
            self._best = {"merit": merit, "lam": self.lam.clone(), "r": r, "jac": jac}
            self.best_x = x.clone()
        else:
            accept = merit <= best["merit"]
            self._fit_gain(r, accept)
            keep = accept[:, None]
            best["merit"] = torch.where(accept, merit, best["merit"])
            best["lam"] = torch.where(keep, self.lam, best["lam"])
            best["r"] = torch.where(keep, r, best["r"])
            best["jac"] = torch.where(keep[:, :, None], jac, best["jac"])
            if self.per_state:
                self.best_x = torch.where(accept[:, None, None, None], x, self.best_x)
        # Newton step from each row's best point; rejected rows backtrack half-way instead
        a = self.gain[:, :, None] * best["jac"] if best is not None else self.gain[:, :, None] * jac
        diag = a.diagonal(dim1=1, dim2=2).clamp_min(0)
        # Jacobi scaling keeps components with very different units (kg m-3, s-2) comparable;
        # the ridge bounds steps along nearly dependent constraints (C1 vs T-S, C1 vs C2)
        scale = (diag + 1e-9 * diag.amax(1, keepdim=True).clamp_min(1e-300)).rsqrt()
        eye = torch.eye(r.shape[1], dtype=r.dtype)
        a_s = scale[:, :, None] * a * scale[:, None, :] + 1e-3 * eye
        r_best = self._best["r"]
        step = scale * torch.linalg.solve(a_s, scale * r_best)
        lam_best = self._best["lam"]
        new = lam_best + step
        new = torch.where(self.cset.is_ineq, torch.maximum(new.clamp_min(0), 0.5 * lam_best), new)
        back = lam_best + 0.5 * (self.lam - lam_best)
        self.lam = torch.where(accept[:, None], new, back)
        return r
