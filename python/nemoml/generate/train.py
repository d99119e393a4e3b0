"""DDPM training (cosine schedule, epsilon-prediction) with EMA, checkpoints and resume."""

from __future__ import annotations

import copy
import json
import logging
import math
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from nemoml.base import distributed
from nemoml.base.files import atomic_write
from nemoml.base.serialised import load_checkpoint, plain
from nemoml.eos.density import Density
from nemoml.generate.constraints import Physics, default_targets
from nemoml.generate.data import StateFile, open_states, split_by_time
from nemoml.generate.export import export
from nemoml.generate.schedule import Schedule
from nemoml.generate.start import GaussianStart
from nemoml.generate.unet import UNet
from nemoml.grid.gridinfo import GridInfo
from nemoml.grid.layout import Layout

CHECKPOINT = "checkpoint.pt"
BATCH_STATES = 8  # states read, encoded or put through the constraints' physics at a time
log = logging.getLogger("nemoml.generate")


@dataclass
class TrainConfig:
    """Everything that defines a training run (stored in checkpoints and metadata)."""

    database: str
    mesh_mask: str
    out: str
    variables: tuple = ("T", "S", "SSH")
    levels: list | None = None
    min_year: int | None = None
    max_year: int | None = None
    val_fraction: float = 0.1
    eos: str = "eos80"
    eos_params: dict = field(default_factory=dict)
    base: int = 32
    mults: tuple = (1, 2, 2)
    blocks: int = 1
    n_train: int = 1000
    steps: int = 4000
    batch: int = 16
    lr: float = 2e-3
    ema: float = 0.995
    grad_clip: float = 1.0
    clip: float = 6.0
    seed: int = 0
    val_every: int = 250
    ckpt_every: int = 500
    threads: int | None = None
    device: str = "cpu"  # "cpu", "cuda", "cuda:N" or "auto"; noise and batches drawn on the CPU
    ddp: bool = False  # data-parallel over the MPI ranks (``distributed``)
    pt2: bool = True


def build(cfg: TrainConfig):
    """Grid, layout (fitted on the training split), the encoded states, the number of training
    states, an untrained UNet and the training split's ``StateFile``.

    The database is read ``BATCH_STATES`` states at a time into one float32 (n, C, H, W)
    tensor, the training states first: no float64 copy of the database is ever whole in memory.
    """
    grid = GridInfo.from_mesh_mask(cfg.mesh_mask)
    states = open_states(cfg.database, cfg.variables, nz=grid.shape[0],
                         min_year=cfg.min_year, max_year=cfg.max_year)
    train_set, val_set = split_by_time(states, cfg.val_fraction)
    layout = Layout(grid, cfg.variables, cfg.levels, multiple=2 ** (len(cfg.mults) - 1))
    # batches in the file's dtype: float64 files are normalised before rounding to float32
    layout.fit(fields for _, fields in train_set.batches(BATCH_STATES, None))
    x = np.zeros((len(states), layout.channels, layout.height, layout.width), np.float32)
    n = len(train_set)
    for part, rows, name in ((train_set, slice(0, n), "training"),
                             (val_set, slice(n, None), "validation")):
        out = x[rows]
        for start, fields in part.batches(BATCH_STATES, None):
            where = f"{cfg.database} ({name} split, from state {start})"
            out[start: start + BATCH_STATES] = layout.encode(fields, where).numpy()
    x = torch.from_numpy(x)
    with torch.random.fork_rng(devices=[]):  # the same initial weights for the same seed
        torch.manual_seed(cfg.seed)
        net = UNet(layout.channels, cfg.base, tuple(cfg.mults), cfg.blocks,
                   bounds=layout.edges(cfg.mesh_mask))
    return grid, layout, x, n, net, train_set


def targets_by_batches(physics: Physics, x: torch.Tensor) -> dict:
    """``default_targets`` (means over the states) accumulated ``BATCH_STATES`` at a time."""
    total = None
    for chunk in x.split(BATCH_STATES):
        part = default_targets(physics, chunk)
        w = chunk.shape[0] / x.shape[0]
        total = {k: [w * a for a in v] for k, v in part.items()} if total is None else \
            {k: [t + w * a for t, a in zip(total[k], v, strict=True)] for k, v in part.items()}
    return total


def reference_card(grid, density, states: StateFile) -> tuple[dict, dict]:
    """Report-card figures of the training states (read again, in the file's dtype), kept with
    the model for comparisons: the mean of each figure, and the std over states of each
    per-state figure (the spread a generated state is judged against)."""
    from nemoml.evaluate.card.physics import ReportCard

    fields = states.read(dtype=None)
    summary = ReportCard(grid, density, fields).evaluate("data", fields).summary()
    means = {k: v["mean"] if isinstance(v, dict) else v for k, v in summary.items()}
    stds = {k: v["std"] for k, v in summary.items() if isinstance(v, dict)}
    return means, stds


def training_states(cfg: TrainConfig) -> StateFile:
    """The training split of ``cfg``'s database, as ``build`` makes it."""
    grid = GridInfo.from_mesh_mask(cfg.mesh_mask)
    states = open_states(cfg.database, cfg.variables, nz=grid.shape[0],
                         min_year=cfg.min_year, max_year=cfg.max_year)
    return split_by_time(states, cfg.val_fraction)[0]


def _loss(net, sched: Schedule, x0, mask, gen, device="cpu", part=slice(None)) -> torch.Tensor:
    """Steps and noise drawn on the CPU (the same on every device), the network on ``device``.

    ``part``: the rows of the batch this rank computes (``--ddp``); steps and noise are drawn
    for the whole batch, so every rank's generator stays in step with the others.
    """
    t = torch.randint(0, sched.n_train, (x0.shape[0],), generator=gen)
    eps = torch.randn(x0.shape, generator=gen) * mask
    x0, t, eps = x0[part], t[part], eps[part]
    x_t, eps, t, m = (a.to(device) for a in (sched.add_noise(x0, eps, t), eps, t, mask))
    pred = net(x_t, t, m)
    return ((pred - eps) ** 2 * m).sum() / (mask.sum() * x0.shape[0])


def _val_loss(net, sched, x_val, mask, seed: int, device="cpu") -> float:
    """Fixed noise and steps every time, so validation curves are comparable."""
    gen = torch.Generator().manual_seed(seed + 12345)
    with torch.no_grad():
        return float(sum(_loss(net, sched, x_val, mask, gen, device) for _ in range(4)) / 4)


def resolve_device(device: str) -> torch.device:
    """``auto``: the first CUDA device if there is one, else the CPU (said once)."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        log.info("--device auto: no CUDA device visible, training on the CPU")
        return torch.device("cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"--device {device}: no CUDA device visible "
                           f"(torch.cuda.is_available() is False)")
    return torch.device(device)


def train(cfg: TrainConfig, resume: bool = False, progress: bool = True) -> dict:
    """Train, checkpoint every ``ckpt_every`` steps and export the EMA weights at the end.

    Returns a summary with the final training and validation losses and the export path.
    """
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    ranks = distributed.start(cfg.device) if cfg.ddp else None
    try:
        return _train(cfg, resume, progress, ranks or distributed.Ranks())
    finally:
        if ranks is not None:
            ranks.close()


def _train(cfg: TrainConfig, resume: bool, progress: bool, ranks) -> dict:
    out = Path(cfg.out)
    grid, layout, states, n_train, net, train_set = build(cfg)
    x_train, x_val = states[:n_train], states[n_train:]
    mask = layout.mask_tensor()
    sched = Schedule(cfg.n_train)
    device = ranks.device if cfg.ddp else resolve_device(cfg.device)
    part = ranks.part(cfg.batch)
    net = net.to(device)
    ema = copy.deepcopy(net).requires_grad_(False)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(cfg.seed)
    step, history, before = 0, [], 0.0  # before: training seconds of earlier segments
    ckpt = out / CHECKPOINT
    if resume and ckpt.is_file():
        state = load_checkpoint(ckpt, device, "generator checkpoint (resume)")
        if state["layout"]["channel_names"] != layout.channel_names:
            raise ValueError(
                f"{ckpt}: checkpoint channels {len(state['layout']['channel_names'])} do not "
                f"match the database/levels ({layout.channels} channels); levels differ"
            )
        net.load_state_dict(state["net"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["rng"].cpu())
        step, history = state["step"], state["history"]
        before = state.get("seconds", 0.0)
    n_params = sum(p.numel() for p in net.parameters())
    model = ranks.wrap(net)  # gradients averaged over the ranks
    bar = None
    if progress and ranks.root:
        from tqdm import tqdm

        bar = tqdm(total=cfg.steps, initial=step, desc="train-generator", unit="step")
    t0, loss_avg = time.perf_counter(), None
    while step < cfg.steps:
        for group in opt.param_groups:  # cosine decay, no warm-up
            group["lr"] = cfg.lr * 0.5 * (1 + math.cos(math.pi * step / cfg.steps))
        idx = torch.randint(0, x_train.shape[0], (cfg.batch,), generator=gen)
        loss = _loss(model, sched, x_train[idx], mask, gen, device, part)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        loss = ranks.mean(loss)  # the global batch's loss, the same on every rank
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training loss is {loss.item()} at step {step + 1}")
        torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
        opt.step()
        with torch.no_grad():
            decay = min(cfg.ema, (1 + step) / (10 + step))  # short warm-up of the average
            for pe, p in zip(ema.parameters(), net.parameters(), strict=True):
                pe.lerp_(p, 1 - decay)
        step += 1
        loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{loss_avg:.4f}")
        if step % cfg.val_every == 0 or step == cfg.steps:
            history.append({"step": step, "train": loss_avg,
                            "val": _val_loss(ema, sched, x_val, mask, cfg.seed, device)})
        if ranks.root and (step % cfg.ckpt_every == 0 or step == cfg.steps):
            state = {"net": net.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                     "rng": gen.get_state(), "step": step, "history": history,
                     "seconds": before + time.perf_counter() - t0,
                     "layout": layout.to_json(), "config": asdict(cfg)}
            state = plain(state)  # plain values only: resume reads it back weights-only
            atomic_write(ckpt, lambda p, s=state: torch.save(s, p))
    if bar is not None:
        bar.close()
    summary = {"steps": step, "history": history, "parameters": n_params}
    if cfg.ddp:
        summary["ddp"] = {"ranks": ranks.world, "rank": ranks.rank,
                          "max_weight_difference": ranks.max_difference(net)}
    if not ranks.root:  # rank 0 exports
        return {"export": str(out / "generator.json"), **summary}
    density = Density(cfg.eos, cfg.eos_params)
    # Targets are the database's profile: the validation states are part of it, and the deep
    # ocean drifts, so a training-split mean would leave a floor under every C1 residual.
    targets = targets_by_batches(Physics(layout, density), states)
    start = GaussianStart.fit(states, mask, sched.snr(sched.t_start))
    # peak resident memory of data, training, targets and start, before the report card
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # Linux: kB
    model_config = {"base": cfg.base, "mults": list(cfg.mults), "blocks": cfg.blocks,
                    "parameters": n_params, "clip": cfg.clip,
                    "bounds": asdict(layout.edges(cfg.mesh_mask))}
    ref_mean, ref_std = reference_card(grid, density, train_set)
    extra = {"reference": ref_mean, "reference_std": ref_std,
             "training": {"config": {k: v for k, v in asdict(cfg).items()},
                          "history": history, "n_train_states": int(x_train.shape[0]),
                          "n_val_states": int(x_val.shape[0]),
                          "peak_rss_gb_before_reference_card": round(peak_gb, 3),
                          "seconds": before + time.perf_counter() - t0}}
    meta = export(out, ema.cpu(), layout, density, sched, targets, model_config, extra=extra,
                  pt2=cfg.pt2, start=start)
    atomic_write(out / "history.json", lambda p: Path(p).write_text(json.dumps(history)))
    return {"export": str(meta), **summary}
