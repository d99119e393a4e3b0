"""Checkpoints of the 3D multivariate 4DVarNet: the solver built on a layout, written and read
back weights-only (:mod:`nemoml.base.serialised`), so a checkpoint named in a namelist can never
run code."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from nemoml.assimilate.fourdvarnet.multivariate import StateNet, StateSolverConfig
from nemoml.assimilate.fourdvarnet.subspace import SubspaceStep
from nemoml.base.files import atomic_write
from nemoml.base.serialised import load_checkpoint as read_checkpoint
from nemoml.base.serialised import plain
from nemoml.grid.gridinfo import GridInfo
from nemoml.grid.layout import Layout
from nemoml.grid.padding import Boundaries

if TYPE_CHECKING:  # annotations only: train builds on this module
    from nemoml.assimilate.gyre.train import Experiment, Train3DConfig

FORMAT = "nemoml-4dvarnet3d-2"


def build_model(cfg: StateSolverConfig, layout: Layout, subspace: SubspaceStep | None = None,
                bounds: Boundaries | None = None) -> StateNet:
    """The solver on ``layout``; ``subspace`` (``Experiment.subspace``) is its first step,
    ``bounds`` (``Experiment.bounds``) the grid's edges."""
    return StateNet(cfg, torch.from_numpy(layout.mask), subspace, bounds)


def untrained_first_step(cfg: StateSolverConfig, layout: Layout) -> SubspaceStep | None:
    """A first step of the right shapes to load a saved state into (None without one)."""
    if cfg.subspace_rank == 0:
        return None
    return SubspaceStep.empty(cfg.subspace_rank, layout.mask.shape, cfg.n_days, cfg.obs_floor)


def save_checkpoint(path: Path, model, opt, cfg: Train3DConfig, exp: Experiment, meta: dict
                    ) -> None:
    """Write a training state (``best.pt``, ``last.pt``): weights, optimiser, the layout, grid
    and edges it was trained on, and the background-error statistics its QC reads."""
    # plain values only: the checkpoint must read back weights-only (base.serialised)
    state = plain({"format": FORMAT, "config": cfg.to_dict(), "state": model.state_dict(),
                      "optimizer": opt.state_dict() if opt is not None else None,
                      "layout": exp.layout.to_json(), "grid": exp.info.to_json(),
                      "bounds": asdict(exp.bounds),
                      "err_scale": exp.err_scale,
                      "background_error_std": exp.background_error_std(cfg.amplitude),
                      **meta})
    atomic_write(path, lambda p: torch.save(state, p))


def load_checkpoint(path: str | Path) -> tuple[StateNet, dict]:
    """The solver of a checkpoint, in eval mode, and the checkpoint (``layout_obj`` added)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"3D 4DVarNet checkpoint not found: {path}")
    ckpt = read_checkpoint(path, what="3D 4DVarNet checkpoint")
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"{path}: not a nemoml 3D 4DVarNet checkpoint ({FORMAT})")
    layout = Layout.from_json(ckpt["layout"], GridInfo.from_json(ckpt["grid"]))
    cfg = StateSolverConfig(**ckpt["config"]["solver"])
    model = build_model(cfg, layout, untrained_first_step(cfg, layout),
                        Boundaries(**ckpt["bounds"]))
    model.load_state_dict(ckpt["state"])
    ckpt["layout_obj"] = layout
    return model.eval(), ckpt
