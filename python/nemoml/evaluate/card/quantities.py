"""The quantities the constraints name and the report card measures, as differentiable
functions of a layout's normalised channels: level-mean sigma0 (C1), its vertical difference
(C2), level-mean T and S (T-S) and the static-stability hinge on N² (stability).

They live with the report card because they are what it judges; the generator
(:mod:`nemoml.generate.constraints`) asks its samples to meet them.
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
