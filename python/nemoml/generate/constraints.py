"""Physical constraints on generated states, as differentiable functions of normalised channels.

Every constraint maps a batch of normalised states ``x`` (B, C, H, W) to per-state components
(B, K): one component per level (or per interface). Equality constraints ask for
``E[h(x)] = 0``, inequality constraints for ``E[g(x)] <= 0``; the sampler holds one dual per
component (see ``guidance.py``).

- ``c1``: per-level masked (area-weighted) mean sigma0 minus its target profile;
- ``c2``: per-level mean vertical sigma0 difference (level k minus k+1) minus its target;
- ``ts``: per-level mean T and mean S minus their targets (T levels first, then S);
- ``stability``: per-interface mean hinge ``relu(N2_MIN - N2)`` (s-2) minus its allowed level.
"""

from __future__ import annotations

import numpy as np
import torch

from nemoml.evaluate.card.quantities import N2_MIN, NAMES, Physics  # noqa: F401 (API)

# the quantities (and their names) are the report card's: what is constrained is what is judged
KIND = {"c1": "eq", "c2": "eq", "ts": "eq", "stability": "ineq"}


def default_targets(physics: Physics, x_data: torch.Tensor) -> dict[str, list[float]]:
    """Targets from the database: the mean of each quantity over its states.

    The stability allowance is the data's own mean hinge, so a model is asked to be as
    stable as the states it learnt from, not more.
    """
    with torch.no_grad():
        return {n: physics.raw(n, x_data).mean(0).tolist() for n in NAMES}


class ConstraintSet:
    """Selected constraints with their targets, flattened into one component vector."""

    def __init__(self, physics: Physics, names, targets: dict):
        names = [n.lower() for n in names]
        for n in names:
            if n not in NAMES:
                raise ValueError(f"unknown constraint {n!r}; choose from {NAMES}")
        self.physics = physics
        self.names = list(dict.fromkeys(names))
        self.targets = {n: torch.as_tensor(targets[n], dtype=torch.float64) for n in self.names}
        sizes = [len(targets[n]) for n in self.names]
        self.offsets = np.cumsum([0] + sizes)
        self.is_ineq = torch.cat([
            torch.full((s,), KIND[n] == "ineq") for n, s in zip(self.names, sizes, strict=True)
        ]) if self.names else torch.zeros(0, dtype=torch.bool)
        # level index of each component and a class id: components of one class whose levels
        # differ by >= 2 touch disjoint channels (a component touches levels l and l+1 at most)
        level, klass, group = [], [], []
        n_lev = len(physics.layout.levels)
        for gi, (n, size) in enumerate(zip(self.names, sizes, strict=True)):
            idx = np.arange(size)
            level.append(idx % n_lev)
            klass.append(2 * gi + (idx >= n_lev) if n == "ts" else np.full(size, 2 * gi))
            group.append(np.full(size, gi))
        self.level = np.concatenate(level) if level else np.zeros(0, int)
        self.klass = np.concatenate(klass) if klass else np.zeros(0, int)
        self.group = np.concatenate(group) if group else np.zeros(0, int)

    @property
    def size(self) -> int:
        return int(self.offsets[-1])

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Per-state components (B, K): quantity minus target."""
        parts = [self.physics.raw(n, x) - self.targets[n] for n in self.names]
        return torch.cat(parts, 1) if parts else x.new_zeros((x.shape[0], 0))

    def split(self, vec) -> dict[str, list[float]]:
        vec = torch.as_tensor(vec)
        return {n: vec[a:b].tolist() for n, a, b in
                zip(self.names, self.offsets[:-1], self.offsets[1:], strict=True)}

    def join(self, parts: dict) -> torch.Tensor:
        return torch.cat([torch.as_tensor(parts[n], dtype=torch.float64) for n in self.names]) \
            if self.names else torch.zeros(0, dtype=torch.float64)
