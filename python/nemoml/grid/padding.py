"""Padding of (…, y, x) tensors by the grid's own boundaries, for convolutions (torch).

NEMO grids close in one of three ways along their edges: walls (GYRE, DINO: zero padding),
east-west periodicity (``jperio`` 1, 4, 6, 7: the column left of ``i = 0`` is ``i = Ni0glo-1``)
and, on ORCA grids, the north fold: the rows above the last one are the grid's top rows read
backwards (T-point pivot, ``jperio`` 3/4: rows ``y-1-k`` at ``i -> -i mod Ni0glo``; F-point
pivot, ``jperio`` 5/6: rows ``y-k`` at ``i -> Ni0glo-1-i``). Arrays are NEMO's inner (no-halo)
global fields; scalars fold with sign +1 (a network's padding carries neighbourhoods, not
vector components). The south edge is always closed.

``Boundaries`` says which; :func:`pad` pads (:func:`pad_adjoint`, its transpose, for hand-written
adjoints as 4DVarNet's); :class:`Conv2d` and :class:`ConvTranspose2d` are
drop-in 3x3 / 4x4-stride-2 layers with the same parameters as torch's, so checkpoints load
either way, and TorchScript-friendly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

FOLDS = {"": 0, "T": 1, "F": 2}
JPERIO = {0: (False, ""), 1: (True, ""), 2: (False, ""), 3: (False, "T"), 4: (True, "T"),
          5: (False, "F"), 6: (True, "F"), 7: (True, "")}


@dataclass(frozen=True)
class Boundaries:
    """``periodic``: east-west cyclic; ``fold``: "" (none), "T" or "F" north-fold pivot."""

    periodic: bool = False
    fold: str = ""

    def __post_init__(self):
        if self.fold not in FOLDS:
            raise ValueError(f"north fold {self.fold!r}: choose '', 'T' or 'F'")

    @property
    def closed(self) -> bool:
        return not self.periodic and not self.fold

    @classmethod
    def from_jperio(cls, jperio: int) -> Boundaries:
        if jperio not in JPERIO:
            raise ValueError(f"jperio = {jperio}: NEMO defines 0..7")
        return cls(*JPERIO[jperio])

    @classmethod
    def from_grid(cls, grid) -> Boundaries:
        """From the grid's ``jperio`` attribute, else from its own coordinates: longitudes that
        close the circle make it periodic; a top row whose latitudes read the same backwards
        (``i -> -i``) is a T-point fold."""
        jperio = grid.attrs.get("jperio") if grid.attrs else None
        if jperio is not None:
            return cls.from_jperio(int(np.asarray(jperio).reshape(-1)[0]))
        if grid.glamt is None or grid.gphit is None or grid.nx < 4:
            return cls()
        return cls(*wrap_of(np.asarray(grid.glamt), np.asarray(grid.gphit)))


def wrap_of(glamt: np.ndarray, gphit: np.ndarray) -> tuple[bool, str]:
    """(periodic, fold) detected from (y, x) T-point longitudes and latitudes in degrees."""
    step = np.diff(glamt, axis=1)
    step = (step + 180.0) % 360.0 - 180.0
    dx = np.median(np.abs(step))
    if not dx > 0:
        return False, ""
    gap = (glamt[:, 0] - glamt[:, -1] + 180.0) % 360.0 - 180.0
    periodic = bool(np.allclose(np.abs(gap), np.abs(step[:, -1]), rtol=1e-3, atol=1e-6 * dx)
                    and abs(glamt.shape[1] * dx - 360.0) < 2 * dx)
    top = gphit[-1]
    mirrored = top[(-np.arange(top.size)) % top.size]
    fold = periodic and np.ptp(top) > 0 and np.allclose(top, mirrored, atol=1e-6)
    return periodic, "T" if fold else ""


def pad(x: Tensor, width: int, periodic: bool, fold: int) -> Tensor:
    """Pad the last two axes by ``width``: west/east cyclic or zero, south zero, north zero or
    folded (``fold`` as ``FOLDS``: 0 none, 1 T pivot, 2 F pivot)."""
    if fold == 1:
        rows = x[..., -1 - width:-1, :].flip(-2)  # rows y-2 ... y-1-width, nearest first
        n = x.shape[-1]
        index = (n - torch.arange(n, device=x.device)) % n
        x = torch.cat([x, rows.index_select(-1, index)], dim=-2)
    elif fold == 2:
        rows = x[..., x.shape[-2] - width:, :].flip(-2).flip(-1)  # rows y-1 ... y-width
        x = torch.cat([x, rows], dim=-2)
    top = 0 if fold else width
    x = F.pad(x, (0, 0, width, top))
    if periodic:
        return torch.cat([x[..., -width:], x, x[..., :width]], dim=-1)
    return F.pad(x, (width, width, 0, 0))


def pad_adjoint(g: Tensor, width: int, periodic: bool, fold: int) -> Tensor:
    """Transpose of :func:`pad`: a padded-shape gradient summed back onto the grid (for
    hand-written adjoints such as 4DVarNet's)."""
    if periodic:
        core = g[..., width:-width].clone()
        core[..., -width:] += g[..., :width]
        core[..., :width] += g[..., -width:]
    else:
        core = g[..., width:-width]
    core = core[..., width:, :]  # the closed south rows carry nothing back
    ny = core.shape[-2] - width  # north rows: zero or folded, width of them either way
    out = core[..., :ny, :].clone()
    rows = core[..., ny:, :]
    if fold == 1:
        n = out.shape[-1]
        index = (n - torch.arange(n, device=g.device)) % n
        out[..., ny - 1 - width:ny - 1, :] += rows.index_select(-1, index).flip(-2)
    elif fold == 2:
        out[..., ny - width:, :] += rows.flip(-1).flip(-2)
    return out


class Conv2d(nn.Conv2d):
    """``nn.Conv2d(c_in, c_out, k, stride, padding=k // 2)`` padded by the grid's boundaries."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1,
                 bounds: Boundaries | None = None):
        bounds = bounds or Boundaries()
        super().__init__(c_in, c_out, kernel, stride=stride,
                         padding=kernel // 2 if bounds.closed else 0)
        self.width = kernel // 2
        self.periodic = bounds.periodic
        self.fold = FOLDS[bounds.fold]

    def forward(self, x: Tensor) -> Tensor:
        if self.periodic or self.fold > 0:
            x = pad(x, self.width, self.periodic, self.fold)
        return self._conv_forward(x, self.weight, self.bias)


class ConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d(c, c, 4, stride=2, padding=1)``: a factor-2 upsampling whose edge
    outputs see the wrapped neighbours (one padded input cell, three output cells cropped)."""

    def __init__(self, c_in: int, c_out: int, bounds: Boundaries | None = None):
        bounds = bounds or Boundaries()
        super().__init__(c_in, c_out, 4, stride=2, padding=1 if bounds.closed else 0)
        self.periodic = bounds.periodic
        self.fold = FOLDS[bounds.fold]

    def forward(self, x: Tensor) -> Tensor:
        if not (self.periodic or self.fold > 0):
            return F.conv_transpose2d(x, self.weight, self.bias, stride=2, padding=1)
        h, w = x.shape[-2], x.shape[-1]
        y = F.conv_transpose2d(pad(x, 1, self.periodic, self.fold), self.weight, self.bias,
                               stride=2)
        return y[..., 3:3 + 2 * h, 3:3 + 2 * w]
