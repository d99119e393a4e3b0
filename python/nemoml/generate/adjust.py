"""Convective adjustment of generated states: the static-instability fix NEMO itself applies
(``npc``-style mixing), as an optional last step after guided sampling."""

from __future__ import annotations

import numpy as np
import torch

from nemoml.generate.density import Density
from nemoml.generate.gridinfo import GridInfo


def convective_adjustment(fields: dict, grid: GridInfo, density: Density,
                          max_passes: int = 200) -> tuple[dict, int]:
    """Mix every statically unstable pair of cells until no column has an inversion.

    Where sigma0 decreases downward between two ocean cells, both cells take their
    thickness-weighted mean T and S (heat and salt are conserved); passes repeat until no
    inversion is left, which converges to NEMO's non-penetrative convective adjustment.

    Returns
    -------
    (dict, int)
        Adjusted copies of the fields and the number of passes used.
    """
    temp = np.array(fields["T"], np.float64)
    sal = np.array(fields["S"], np.float64)
    both = grid.tmask[:-1] & grid.tmask[1:]
    e3 = grid.e3t[:, None, None] * np.ones(grid.shape[1:])
    n_pass = 0
    while n_pass < max_passes:
        n_pass += 1
        changed = False
        for k in range(grid.shape[0] - 1):
            t2 = torch.as_tensor(temp[:, k: k + 2])
            s2 = torch.as_tensor(sal[:, k: k + 2])
            with torch.no_grad():
                sig = density.sigma0(t2, s2).numpy()
            bad = (sig[:, 0] > sig[:, 1]) & both[k]
            if not bad.any():
                continue
            changed = True
            w0, w1 = e3[k], e3[k + 1]
            for arr in (temp, sal):
                mixed = (w0 * arr[:, k] + w1 * arr[:, k + 1]) / (w0 + w1)
                arr[:, k] = np.where(bad, mixed, arr[:, k])
                arr[:, k + 1] = np.where(bad, mixed, arr[:, k + 1])
        if not changed:
            break
    out = dict(fields)
    out["T"], out["S"] = temp * grid.tmask, sal * grid.tmask
    return out, n_pass
