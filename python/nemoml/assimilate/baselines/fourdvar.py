"""Classic 4DVar: fixed-step gradient descent on the 4DVarNet cost with a fixed prior.

This is the unsupervised setting: nothing is learned from the truth at solve time, the prior
``phi`` is frozen and the solver is plain gradient descent from the same first guess as
4DVarNet (or a background).
"""

from __future__ import annotations

import torch
from torch import Tensor

from nemoml.assimilate.fourdvarnet.solver import FourDVarNet


@torch.no_grad()
def fourdvar(model: FourDVarNet, y: Tensor, mask: Tensor, x0: Tensor | None = None,
             n_iter: int = 200, step: float = 0.2) -> Tensor:
    """Minimise ``model.cost`` by ``n_iter`` steps ``x <- x - step * grad J(x)``.

    A step that would raise a window's cost is refused and that window's step halved (simple
    backtracking), so the descent is monotone whatever the stiffness of the prior.
    """
    observed = mask > 0
    mask = observed.to(y.dtype)
    y = torch.where(observed, y, torch.zeros_like(y))
    x = model.guess(y, mask) if x0 is None else x0.clone()
    cost = model.cost(x, y, mask)
    steps = torch.full_like(cost, step)
    for _ in range(n_iter):
        trial = x - steps.reshape(-1, 1, 1, 1) * model.cost_grad(x, y, mask)
        new = model.cost(trial, y, mask)
        better = new <= cost
        x = torch.where(better.reshape(-1, 1, 1, 1), trial, x)
        cost = torch.where(better, new, cost)
        steps = torch.where(better, steps, steps / 2)
    return x
