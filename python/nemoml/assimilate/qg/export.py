"""Export a trained 4DVarNet for inline use, and load it back.

``export`` writes ``solver.ts`` (TorchScript), ``solver.pt2`` (``torch.export``) and
``solver.json`` (metadata). The exported module maps (background, observations, mask), each
(time, ny, nx) or (batch, time, ny, nx) in metres, to the analysis in metres; NEMO's increment is
``analysis - background``. Normalisation happens inside, with the training constants.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from nemoml.assimilate.fourdvarnet.exported import read_exported
from nemoml.assimilate.fourdvarnet.solver import FourDVarNet
from nemoml.base.files import atomic_write

FORMAT = "nemoml-4dvarnet-1"


class InlineSolver(nn.Module):
    """Physical-units wrapper: normalise, solve from the background, de-normalise."""

    def __init__(self, model: FourDVarNet, mean: float, std: float):
        super().__init__()
        self.model = model
        self.mean = mean
        self.std = std

    def forward(self, background: Tensor, obs: Tensor, mask: Tensor) -> Tensor:
        squeeze = background.dim() == 3
        if squeeze:
            background = background.unsqueeze(0)
            obs = obs.unsqueeze(0)
            mask = mask.unsqueeze(0)
        x0 = (background - self.mean) / self.std
        y = (obs - self.mean) / self.std
        out = self.model(y, mask.to(background.dtype), x0) * self.std + self.mean
        return out.squeeze(0) if squeeze else out


def export(model: FourDVarNet, meta: dict, out_dir: str | Path) -> dict:
    """Write the solver as TorchScript and ``.pt2`` plus ``solver.json``; returns the metadata.

    ``meta`` needs ``norm`` ({"mean", "std"}) and ``grid`` ([ny, nx]); it may carry anything
    else (dx, variables, scores). A ``.pt2`` that fails to export is recorded, not fatal.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    inline = InlineSolver(model, float(meta["norm"]["mean"]), float(meta["norm"]["std"])).eval()
    n_t = model.cfg.channels
    ny, nx = (int(v) for v in meta["grid"])
    example = tuple(torch.zeros(2, n_t, ny, nx) for _ in range(3))
    batch = torch.export.Dim("batch", min=1, max=1024)
    dynamic = {name: {0: batch} for name in ("background", "obs", "mask")}
    atomic_write(out / "solver.ts", lambda p: torch.jit.script(inline).save(str(p)))
    info = {"format": FORMAT, "window": n_t, "centre_index": n_t // 2, "grid": [ny, nx],
            "n_step": model.cfg.n_step, "solver": model.cfg.to_dict(),
            "inputs": ["background", "obs", "mask"], "units": "m",
            "axes": "(batch, time, y, x) or (time, y, x)",
            "fully_convolutional": "H and W divisible by 2", "torchscript": "solver.ts"}
    info.update({k: v for k, v in meta.items() if k not in info})
    try:
        program = torch.export.export(inline, example, dynamic_shapes=dynamic)
        atomic_write(out / "solver.pt2", lambda p: torch.export.save(program, str(p)))
        info["pt2"] = "solver.pt2"
    except Exception as err:  # torch.export coverage varies by version; TorchScript remains
        info["pt2"] = None
        info["pt2_error"] = f"{type(err).__name__}: {err}"[:500]
    atomic_write(out / "solver.json", lambda p: p.write_text(json.dumps(info, indent=1)))
    return info


class Solver:
    """A loaded solver with input checks. Call it with numpy or torch windows (metres); it runs
    on ``device`` (``cn_nemoml_device``), checks on the CPU."""

    def __init__(self, module, meta: dict, source: str, device: str = "cpu"):
        self.device = str(device)
        self.module = module.to(self.device)
        self.meta = meta
        self.source = source

    @property
    def window(self) -> int:
        return int(self.meta["window"])

    def background_variance(self) -> float:
        """The background-error variance of the observations' background check (:mod:`qc`):
        the variance of the SSH the solver was trained on (its normalisation). It is trained
        from observations alone and carries no background-error statistics; a background
        further from the truth than the field's own spread is outside what it knows."""
        return float(self.meta["norm"]["std"]) ** 2

    def _check(self, background, obs, mask) -> tuple[Tensor, Tensor, Tensor]:
        b = torch.as_tensor(np.asarray(background, dtype=np.float32))
        o = torch.as_tensor(np.asarray(obs, dtype=np.float32))
        m = torch.as_tensor(np.asarray(mask)).to(torch.bool)
        if not (b.shape == o.shape == m.shape) or b.dim() not in (3, 4):
            raise ValueError(f"{self.source}: background {tuple(b.shape)}, obs {tuple(o.shape)} "
                             f"and mask {tuple(m.shape)} must share one (time, y, x) shape")
        if b.shape[-3] != self.window:
            raise ValueError(f"{self.source}: window of {b.shape[-3]} days, the solver was "
                             f"trained on {self.window}")
        if b.shape[-1] % 2 or b.shape[-2] % 2:
            raise ValueError(f"{self.source}: grid {tuple(b.shape[-2:])} must be even")
        if not torch.isfinite(b).all():
            raise ValueError(f"{self.source}: the background has "
                             f"{int((~torch.isfinite(b)).sum())} NaN/inf values")
        if not m.any():
            raise ValueError(f"{self.source}: empty window, the mask observes nothing")
        if not torch.isfinite(o[m]).all():
            raise ValueError(f"{self.source}: observations are NaN/inf where the mask is set")
        return b, torch.where(m, o, torch.zeros_like(o)), m.to(torch.float32)

    def __call__(self, background, obs, mask) -> np.ndarray:
        """The analysis window (metres) as numpy."""
        b, o, m = self._check(background, obs, mask)
        single = b.dim() == 3
        if single:
            b, o, m = b[None], o[None], m[None]
        with torch.no_grad():
            out = self.module(*(a.to(self.device) for a in (b, o, m))).cpu().numpy()
        return out[0] if single else out

    def increment(self, background, obs, mask) -> np.ndarray:
        """``analysis - background`` at the centre day of the window."""
        c = int(self.meta["centre_index"])
        ana = self(background, obs, mask)
        return ana[..., c, :, :] - np.asarray(background, dtype=np.float32)[..., c, :, :]


def load_solver(path: str | Path, prefer: str = "ts", device: str = "cpu") -> Solver:
    """Load an exported solver (its folder or ``solver.json``) or a training checkpoint (.pt),
    to run on ``device``.

    ``prefer`` picks "ts" (TorchScript) or "pt2" when both exist.
    """
    path = Path(path)
    if path.suffix == ".pt":
        from nemoml.assimilate.qg.train import load_model

        model, ckpt = load_model(path)
        meta = {k: v for k, v in ckpt.items() if k not in ("state", "config")}
        n_t = model.cfg.channels
        meta.update({"window": n_t, "centre_index": n_t // 2, "solver": model.cfg.to_dict()})
        inline = InlineSolver(model, meta["norm"]["mean"], meta["norm"]["std"]).eval()
        return Solver(inline, meta, str(path), device)
    module, meta, folder = read_exported(path, FORMAT, prefer, device)
    return Solver(module, meta, str(folder), device)

