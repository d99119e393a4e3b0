"""Export the 3D multivariate 4DVarNet (TorchScript + ``.pt2``) and run it on physical fields.

``export_state_solver`` writes ``solver.ts``, ``solver.pt2`` and ``solver.json`` (format
``nemoml-4dvarnet3d-2``: window, channel layout with its normalisation, the training grid).
The exported graph maps normalised (background, obs, weight) tensors of shape
(batch, n_days * per_day, H, W) to the normalised analysis; :class:`StateSolver` does the
normalisation with the saved layout, checks its inputs (naming the variable and the index of
a bad value) and returns physical T, S and SSH. The solver runs on its ``device``
(``cn_nemoml_device``); normalisation and checks stay on the CPU.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from nemoml.assimilate.fourdvarnet.exported import read_exported, solver_format
from nemoml.assimilate.fourdvarnet.multivariate import Codec, StateSolverConfig
from nemoml.assimilate.obs.binning import Binned
from nemoml.base.files import atomic_write
from nemoml.grid.gridinfo import GridInfo
from nemoml.grid.layout import Layout

FORMAT = "nemoml-4dvarnet3d-2"


def export_state_solver(model, ckpt: dict, out_dir: str | Path) -> dict:
    """Write the solver of a training checkpoint (``checkpoint.load_checkpoint``) to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    layout: Layout = ckpt["layout_obj"]
    cfg: StateSolverConfig = model.cfg
    c = cfg.n_days * layout.channels
    example = tuple(torch.zeros(2, c, layout.height, layout.width) for _ in range(3))
    atomic_write(out / "solver.ts", lambda p: torch.jit.script(model).save(str(p)))
    info = {"format": FORMAT, "window": cfg.n_days, "centre_index": cfg.n_days // 2,
            "solver": cfg.to_dict(), "layout": ckpt["layout"], "grid": ckpt["grid"],
            "bounds": ckpt["bounds"], "variables": list(layout.variables),
            "inputs": ["background", "obs", "weight"],
            "torchscript": "solver.ts", "velocity_increments": "none (zero)",
            "val_ratio_T": ckpt.get("val_ratio_T"), "train_steps": ckpt.get("step"),
            "train_minutes": ckpt.get("minutes"),
            # per channel: the training backgrounds' error spread (observations' QC)
            "background_error_std": ckpt.get("background_error_std")}
    try:
        batch = torch.export.Dim("batch", min=1, max=64)
        program = torch.export.export(model, example, dynamic_shapes={
            "x0": {0: batch}, "y": {0: batch}, "w": {0: batch}})
        atomic_write(out / "solver.pt2", lambda p: torch.export.save(program, str(p)))
        info["pt2"] = "solver.pt2"
    except Exception as err:  # torch.export coverage varies by version; TorchScript remains
        info["pt2"] = None
        info["pt2_error"] = f"{type(err).__name__}: {err}"[:500]
    atomic_write(out / "solver.json", lambda p: p.write_text(json.dumps(info)))
    return info


class StateSolver:
    """A loaded 3D solver: physical windows in, physical analysis out, inputs checked."""

    def __init__(self, module, meta: dict, source: str, device: str = "cpu"):
        self.device = str(device)
        self.module = module.to(self.device)
        self.meta = meta
        self.source = source
        self.layout = Layout.from_json(meta["layout"], GridInfo.from_json(meta["grid"]))
        cfg = StateSolverConfig(**meta["solver"])
        self.codec = Codec(self.layout, cfg.n_days, cfg.obs_floor)

    @property
    def window(self) -> int:
        return int(self.meta["window"])

    @property
    def centre(self) -> int:
        return int(self.meta["centre_index"])

    def check_background(self, background: dict, where: str) -> None:
        lay = self.layout
        for var in lay.variables:
            if var not in background:
                raise KeyError(f"{where}: the background has no {var}")
            a = np.asarray(background[var])
            if a.shape[0] != self.window:
                raise ValueError(f"{where}: background {var} covers {a.shape[0]} days, the "
                                 f"solver {self.source} was trained on {self.window}-day windows")
            m = lay.grid.tmask[0] if var == "SSH" else lay.grid.tmask
            bad = ~np.isfinite(a) & m[None]
            if bad.any():
                idx = tuple(int(v) for v in np.argwhere(bad)[0])
                axes = "(day, j, i)" if var == "SSH" else "(day, k, j, i)"
                raise ValueError(f"{where}: background {var} has {int(bad.sum())} NaN/inf "
                                 f"ocean value(s), first at {axes} = {idx}")

    def check_obs(self, binned: Binned, where: str) -> None:
        for var, count in binned.count.items():
            if var not in self.layout.variables:
                raise ValueError(f"{where}: variable {var} unknown to the solver {self.source} "
                                 f"(it knows {list(self.layout.variables)})")
            if count.shape[0] != self.window:
                raise ValueError(f"{where}: observations binned over {count.shape[0]} days, the "
                                 f"solver {self.source} was trained on {self.window}-day windows")

    def background_variance(self, located) -> np.ndarray:
        """The background-error variance at each located observation (``binning.Located``)
        for the observations' background check (:mod:`qc`): per channel, the RMS error of the
        backgrounds the solver was trained on (``background_error_std`` in ``solver.json``);
        an export without it: the training states' spread (the layout's normalisation,
        wider). A level the solver does not carry: infinite (never rejected here; the
        solver's own checks apply)."""
        layout = self.layout
        spread = self.meta.get("background_error_std") or list(layout.std)
        std = dict(zip(layout.channel_names, spread, strict=True))
        keys = [str(n) if n == "SSH" else f"{n}{k}"
                for n, k in zip(located.names(), located.level, strict=True)]
        return np.array([std.get(key, np.inf) ** 2 for key in keys])

    def analyse(self, background: dict, binned: Binned, where: str = "input") -> dict:
        """Analysis window {T, S: (days, z, y, x), SSH: (days, y, x)} in physical units."""
        self.check_background(background, where)
        self.check_obs(binned, where)
        x0 = self.codec.encode_state({v: np.nan_to_num(np.asarray(background[v]))
                                      for v in self.layout.variables}, where)
        y, w = self.codec.encode_obs(binned)
        with torch.no_grad():
            out = self.module(*(a.to(self.device) for a in (x0, y, w))).cpu()
        return self.codec.decode(out)

    def increment(self, background: dict, binned: Binned, where: str = "input") -> dict:
        """``analysis - background`` at the window's centre day, land 0."""
        ana = self.analyse(background, binned, where)
        c = self.centre
        lay = self.layout
        out = {}
        for var in lay.variables:
            m = lay.grid.tmask[0] if var == "SSH" else lay.grid.tmask
            out[var] = (ana[var][c] - np.asarray(background[var], dtype=np.float64)[c]) * m
        return out


def load_state_solver(path: str | Path, prefer: str = "ts", device: str = "cpu") -> StateSolver:
    """Load an exported 3D solver (its folder or ``solver.json``) or a training checkpoint,
    to run on ``device``."""
    path = Path(path)
    if path.suffix == ".pt":
        from nemoml.assimilate.gyre.checkpoint import load_checkpoint

        model, ckpt = load_checkpoint(path)
        cfg = model.cfg
        meta = {"format": FORMAT, "window": cfg.n_days, "centre_index": cfg.n_days // 2,
                "solver": cfg.to_dict(), "layout": ckpt["layout"], "grid": ckpt["grid"]}
        return StateSolver(model, meta, str(path), device)
    module, meta, folder = read_exported(path, FORMAT, prefer, device)
    return StateSolver(module, meta, str(folder), device)


def is_state_solver(path: str | Path) -> bool:
    """Whether ``path`` holds a 3D solver (else the QG SSH solver of ``inline``)."""
    path = Path(path)
    if path.suffix == ".pt":
        from nemoml.base.serialised import UnsafeFileError, load_checkpoint

        try:  # weights-only: a checkpoint that would run code is refused here, not sniffed
            ckpt = load_checkpoint(path, what="4DVarNet checkpoint")
        except UnsafeFileError:
            raise
        except (ValueError, OSError):
            return False  # the QG loader reports what is wrong with it
        return isinstance(ckpt, dict) and ckpt.get("format") == FORMAT
    return solver_format(path) == FORMAT
