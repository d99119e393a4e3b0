"""Supervised end-to-end training of 4DVarNet on the QG OSSE.

Loss (4dvarnet-starter base): ``50 wMSE(x - t) + 1000 wMSE(sobel(x) - sobel(t)) +
mse(x, phi(x))`` with triangular time weights. Items are windows of the training years; half of
them are augmented with the observation mask of another date (the truth resampled there, plus
instrument noise); all are shifted circularly (the domain is periodic); a quarter start from a
background (the truth a few days earlier, a persistence forecast) so that inline use from NEMO's
background is trained too.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from nemoml.assimilate.fourdvarnet.solver import FourDVarNet, SolverConfig
from nemoml.base.serialised import load_checkpoint, plain


@dataclass
class TrainConfig:
    solver: SolverConfig = field(default_factory=SolverConfig)
    epochs: int = 8  # 25 min on the 2-core CPU (the budget is 30)
    batch: int = 4
    lr: float = 1e-3
    lr_prior: float = 5e-4
    clip: float = 0.5
    p_augment: float = 0.5
    p_background: float = 0.25
    max_lag: int = 5
    seed: int = 333

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Windows:
    """Normalised daily truth and gridded observations of a period (time, y, x)."""

    truth: np.ndarray
    obs: np.ndarray  # NaN where unobserved
    mask: np.ndarray
    noise: float  # instrument noise, normalised units


def triangle_weights(n: int) -> torch.Tensor:
    """``1 - |1 + 2t - T| / T``: 1 at the centre day, 1/T at both ends."""
    t = torch.arange(n, dtype=torch.float32)
    return 1.0 - torch.abs(1.0 + 2.0 * t - n) / n


def sobel(x: torch.Tensor) -> torch.Tensor:
    """Gradient magnitude with normalised Sobel kernels (per channel, replicate border)."""
    k = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], dtype=x.dtype) / 8
    c = x.shape[1]
    kern = torch.stack([k, k.T]).unsqueeze(1).repeat(c, 1, 1, 1)
    g = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kern, groups=c)
    return torch.sqrt(g[:, 0::2] ** 2 + g[:, 1::2] ** 2 + 1e-6)


def loss_terms(model: FourDVarNet, out: torch.Tensor, tgt: torch.Tensor) -> dict:
    w = triangle_weights(out.shape[1]).to(out.dtype).reshape(1, -1, 1, 1)
    mse = ((out - tgt) ** 2 * w**2).mean()
    grad = ((sobel(out) - sobel(tgt)) ** 2 * w**2).mean()
    prior = ((out - model.prior(out)) ** 2).mean()
    return {"mse": mse, "grad": grad, "prior": prior, "total": 50 * mse + 1000 * grad + prior}


def sample_batch(win: Windows, starts: np.ndarray, n_t: int, cfg: TrainConfig,
                 rng: np.random.Generator, low: int) -> tuple[torch.Tensor, ...]:
    """Cut, augment and shift a batch of windows starting at ``starts``."""
    tgt, obs, mask, bkg = [], [], [], []
    n_all = win.truth.shape[0] - n_t + 1
    for s in starts:
        t = win.truth[s: s + n_t]
        o = win.obs[s: s + n_t]
        m = win.mask[s: s + n_t]
        if rng.random() < cfg.p_augment:
            other = int(rng.integers(0, n_all))
            m = win.mask[other: other + n_t]
            o = np.where(m, t + win.noise * rng.standard_normal(t.shape), np.nan)
        lag = int(rng.integers(1, cfg.max_lag + 1))
        b = win.truth[s - lag: s - lag + n_t] if s - lag >= low else np.full_like(t, np.nan)
        if rng.random() >= cfg.p_background:
            b = np.full_like(t, np.nan)
        shift = (int(rng.integers(0, t.shape[1])), int(rng.integers(0, t.shape[2])))
        for lst, a in ((tgt, t), (obs, o), (mask, m), (bkg, b)):
            lst.append(np.roll(a, shift, axis=(1, 2)))
    as_t = [torch.from_numpy(np.stack(a).astype(np.float32)) for a in (tgt, obs, mask, bkg)]
    return tuple(as_t)


def _forward(model: FourDVarNet, obs: torch.Tensor, mask: torch.Tensor,
             bkg: torch.Tensor) -> torch.Tensor:
    """Run windows with a background from it, the others from the zero-filled observations."""
    has_bkg = torch.isfinite(bkg).flatten(1).all(dim=1)
    out = torch.empty_like(obs)
    if has_bkg.any():
        out[has_bkg] = model(obs[has_bkg], mask[has_bkg], bkg[has_bkg])
    if (~has_bkg).any():
        out[~has_bkg] = model(obs[~has_bkg], mask[~has_bkg])
    return out


@torch.no_grad()
def validate(model: FourDVarNet, win: Windows, n_t: int, batch: int = 8) -> float:
    """RMSE (normalised units) of the centre day over every window of ``win``."""
    model.eval()
    starts = np.arange(0, win.truth.shape[0] - n_t + 1)
    err = []
    for i in range(0, starts.size, batch):
        s = starts[i: i + batch]
        obs = torch.from_numpy(np.stack([win.obs[j: j + n_t] for j in s]))
        mask = torch.from_numpy(np.stack([win.mask[j: j + n_t] for j in s]).astype(np.float32))
        out = model(obs, mask)[:, n_t // 2].numpy()
        err.append(out - win.truth[s + n_t // 2])
    return float(np.sqrt(np.mean(np.concatenate(err) ** 2)))


def save_checkpoint(path: Path, model: FourDVarNet, cfg: TrainConfig, meta: dict) -> None:
    """Write atomically (temporary file renamed into place)."""
    tmp = path.with_suffix(".tmp")
    # plain values only: the checkpoint must read back weights-only (base.serialised)
    torch.save(plain({"config": cfg.to_dict(), "state": model.state_dict(), **meta}), tmp)
    os.replace(tmp, path)


def load_model(path: str | Path) -> tuple[FourDVarNet, dict]:
    """Rebuild a trained model from a checkpoint; returns it (eval mode) and the checkpoint."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"4DVarNet checkpoint not found: {path}")
    ckpt = load_checkpoint(path, what="4DVarNet checkpoint")
    if not isinstance(ckpt, dict) or "state" not in ckpt or "config" not in ckpt:
        raise ValueError(f"{path}: not a nemoml 4DVarNet checkpoint")
    model = FourDVarNet(SolverConfig(**ckpt["config"]["solver"]))
    model.load_state_dict(ckpt["state"])
    return model.eval(), ckpt


def train(train_win: Windows, val_win: Windows, cfg: TrainConfig, out_dir: Path,
          meta: dict, progress: bool = True) -> dict:
    """Train, keeping ``last.pt`` and ``best.pt`` (lowest validation RMSE) in ``out_dir``."""
    from tqdm import tqdm

    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_t = cfg.solver.channels
    model = FourDVarNet(cfg.solver)
    opt = torch.optim.Adam([
        {"params": model.grad_mod.parameters(), "lr": cfg.lr},
        {"params": [p for p in model.prior.parameters() if p.requires_grad], "lr": cfg.lr_prior},
    ])
    low = cfg.max_lag
    starts = np.arange(low, train_win.truth.shape[0] - n_t + 1)
    per_epoch = math.ceil(starts.size / cfg.batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs * per_epoch)
    best = math.inf
    history = []
    skipped = 0
    t0 = time.perf_counter()
    for epoch in range(cfg.epochs):
        model.train()
        order = rng.permutation(starts)
        bar = tqdm(range(per_epoch), desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=not progress)
        for i in bar:
            tgt, obs, mask, bkg = sample_batch(train_win, order[i * cfg.batch:(i + 1) * cfg.batch],
                                               n_t, cfg, rng, low)
            terms = loss_terms(model, _forward(model, obs, mask, bkg), tgt)
            opt.zero_grad()
            if torch.isfinite(terms["total"]):
                terms["total"].backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
                opt.step()
            else:
                skipped += 1  # a diverging solve: skip the batch rather than poison the weights
            sched.step()
            bar.set_postfix(loss=f"{terms['total'].item():.4f}", mse=f"{terms['mse'].item():.4f}")
        val = validate(model, val_win, n_t)
        history.append({"epoch": epoch + 1, "val_rmse": val, "skipped_batches": skipped,
                        "minutes": (time.perf_counter() - t0) / 60})
        info = {**meta, "epoch": epoch + 1, "val_rmse": val, "history": history}
        save_checkpoint(out_dir / "last.pt", model, cfg, info)
        if val < best or not math.isfinite(best):
            best = val
            save_checkpoint(out_dir / "best.pt", model, cfg, info)
        if progress:
            print(f"epoch {epoch + 1}: validation RMSE {val:.4f} (normalised)", flush=True)
    return {"best_val_rmse": best, "history": history,
            "minutes": (time.perf_counter() - t0) / 60}
