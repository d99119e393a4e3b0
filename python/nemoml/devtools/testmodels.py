"""Small models with known answers, written for the selftest and the bridge benchmark."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn


class Identity(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.clone()


class Affine(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 2.0 * x + 1.0


class BoxConv(nn.Module):
    """3x3 box sum on each level of a (k, j, i) field, zero outside: a stencil across ranks."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3, padding=1, bias=False, dtype=torch.float64)
        with torch.no_grad():
            self.conv.weight.fill_(1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x.unsqueeze(1)).squeeze(1)


class Faulty(nn.Module):
    """Raises where its input holds the marker -999: a failure on one rank only."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool((x == -999.0).any()):
            raise RuntimeError("marker value -999 found in the input")
        return x.clone()


class IState(nn.Module):
    def forward(self, t, s, u, v, ssh):
        return t + 1.0, s - 1.0, -u, 2.0 * v, ssh + 0.5


class Increments(nn.Module):
    def forward(self, t, s, u, v, ssh):
        return 0.5 * t, -0.25 * s, v.clone(), u.clone(), 2.0 * ssh


def write_all(directory: Path) -> dict[str, Path]:
    """Write every test model as TorchScript (and the conv also as ``.pt2``)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, cls in (("identity", Identity), ("affine", Affine), ("conv", BoxConv),
                      ("faulty", Faulty), ("istate", IState), ("increments", Increments)):
        paths[name] = directory / f"{name}.pt"
        torch.jit.script(cls()).save(str(paths[name]))
    x = torch.zeros(3, 8, 8, dtype=torch.float64)
    dims = {"x": {0: torch.export.Dim("k"), 1: torch.export.Dim("j"), 2: torch.export.Dim("i")}}
    paths["conv_pt2"] = directory / "conv.pt2"
    torch.export.save(torch.export.export(BoxConv(), (x,), dynamic_shapes=dims),
                      str(paths["conv_pt2"]))
    return paths
