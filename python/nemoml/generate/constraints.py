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

from nemoml.eos.density import Density
from nemoml.grid.layout import Layout

NAMES = ("c1", "c2", "ts", "stability")
# the hinge asks for a little stratification, not just N2 >= 0: across a 10 m surface layer
# 1e-8 s-2 is a sigma0 step of ~1e-5 kg m-3, the report card's inversion threshold
N2_MIN = 1e-8
KIND = {"c1": "eq", "c2": "eq", "ts": "eq", "stability": "ineq"}


class Physics:
    """Torch view of a layout's T and S channels: physical values, weights and density."""

    def __init__(self, layout: Layout, density: Density, dtype=torch.float64):
        self.layout = layout
        self.density = density
        self.dtype = dtype
        g = layout.grid
        ny, nx = layout.ny, layout.nx
        lv = layout.levels
        tmask = g.tmask[lv].astype(np.float64)
        self.w = torch.as_tensor(tmask * g.level_area(lv))  # (L, y, x) volume weights, ocean
        both = tmask[:-1] * tmask[1:]
        self.w_pair = torch.as_tensor(both * g.area[None])
        st, ss = layout.slices["T"], layout.slices["S"]
        self.t_mean = torch.as_tensor(layout.mean[st])[:, None, None]
        self.t_std = torch.as_tensor(layout.std[st])[:, None, None]
        self.s_mean = torch.as_tensor(layout.mean[ss])[:, None, None]
        self.s_std = torch.as_tensor(layout.std[ss])[:, None, None]
        self.st, self.ss, self.ny, self.nx = st, ss, ny, nx
        # interface between modelled levels k1 < k2: at w-depth of k2, spacing of T depths
        k1, k2 = np.array(lv[:-1]), np.array(lv[1:])
        self.dep_w = torch.as_tensor(g.gdepw[k2])[:, None, None]
        self.dz = torch.as_tensor(g.gdept[k2] - g.gdept[k1])[:, None, None]

    def ts(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = x.to(self.dtype)
        temp = x[:, self.st, : self.ny, : self.nx] * self.t_std + self.t_mean
        sal = x[:, self.ss, : self.ny, : self.nx] * self.s_std + self.s_mean
        return temp, sal

    def level_mean(self, field: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return (field * weights).sum((-1, -2)) / weights.sum((-1, -2)).clamp_min(1e-30)

    def sigma0(self, temp, sal) -> torch.Tensor:
        return self.density.sigma0(temp, sal)

    def n2(self, temp, sal) -> torch.Tensor:
        """N² of each interface from its locally referenced density step (``local_step``)."""
        from nemoml.eos.density import GRAV, RHO0

        return GRAV / RHO0 * self.density.local_step(temp, sal, self.dep_w) / self.dz

    def raw(self, name: str, x: torch.Tensor) -> torch.Tensor:
        """The constrained quantity itself, before subtracting its target."""
        temp, sal = self.ts(x)
        if name == "c1":
            return self.level_mean(self.sigma0(temp, sal), self.w)
        if name == "c2":
            sig = self.sigma0(temp, sal)
            return self.level_mean(sig[:, :-1] - sig[:, 1:], self.w_pair)
        if name == "ts":
            return torch.cat([self.level_mean(temp, self.w), self.level_mean(sal, self.w)], 1)
        if name == "stability":
            return self.level_mean(torch.relu(N2_MIN - self.n2(temp, sal)), self.w_pair)
        raise ValueError(f"unknown constraint {name!r}; choose from {NAMES}")


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
