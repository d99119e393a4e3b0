"""Training the 3D multivariate 4DVarNet on the GYRE twin (``nemoml train-da --case gyre``).

Each item is a window of the training years: the truth, a background (the truth plus a random
amplitude in ``amplitude`` times a training drift pattern, see ``gyre``), and observations whose
positions and errors are those of another random window of the simulated observing system
(nadirs, SST with clouds, Argo: the masks are resampled) with values of this window's truth plus
their noise. Loss: the volume-weighted squared error of T, S and SSH in physical units, each
divided by the training backgrounds' error variance of that variable (so the loss is the sum
of the squared error ratios to the background), over the window plus once more at its centre
day (what the increment uses). ``last.pt`` is written every ``val_every`` steps with the
optimiser and generator states (:mod:`.checkpoint`; ``--resume`` continues bit for bit);
``best.pt`` keeps the lowest validation ratio.

Before the first optimiser step: the first step's EOFs are fitted to the training truth
(``Experiment.subspace``), the prior is pre-trained as an auto-encoder of truth windows
(``prior_steps``), the LSTM's gradient scale is calibrated, and the untrained solver (the EOF
analysis alone) is validated as step 0, so ``best.pt`` never holds a solver worse than that.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from nemoml.assimilate.fourdvarnet.multivariate import Codec, StateNet, StateSolverConfig
from nemoml.assimilate.fourdvarnet.subspace import SubspaceStep, fit_subspace
from nemoml.assimilate.gyre import twin as gyre
from nemoml.assimilate.gyre.checkpoint import (
    build_model,
    save_checkpoint,
    untrained_first_step,
)
from nemoml.assimilate.obs import simulators as simobs
from nemoml.assimilate.obs.binning import bin_obs
from nemoml.assimilate.obs.obsfile import ObsSet
from nemoml.assimilate.obs.ocean_grid import OceanGrid
from nemoml.base.distributed import Ranks
from nemoml.base.serialised import load_checkpoint as read_checkpoint
from nemoml.grid.gridinfo import GridInfo
from nemoml.grid.layout import Layout


@dataclass
class Train3DConfig:
    solver: StateSolverConfig = field(default_factory=StateSolverConfig)
    steps: int = 1200
    batch: int = 4
    lr: float = 2e-3
    clip: float = 1.0
    amplitude: tuple[float, float] = (0.5, 1.5)
    argo_per_day: int = 5
    cloud_fraction: float = 0.3
    val_every: int = 100
    val_windows: int = 6
    prior_steps: int = 300
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


class Experiment:
    """Grid, layout and codec of the GYRE twin, with truth, drift patterns and observations."""

    def __init__(self, n_days: int = 10, obs_floor: float = 0.1, layout: Layout | None = None,
                 mesh: Path = gyre.MESH):
        self.grid = OceanGrid.from_mesh_mask(mesh)
        self.info = GridInfo.from_mesh_mask(mesh)
        self.patterns = gyre.drift_patterns()
        self.truth: dict[str, gyre.Fields] = {}
        if layout is None:
            layout = Layout(self.info, ("T", "S", "SSH"), multiple=2)
            tr = self.load("train")
            layout.fit(tr.take(np.arange(0, len(tr), 5)).as_dict())
        self.layout = layout
        self.bounds = layout.edges(mesh)
        self.codec = Codec(layout, n_days, obs_floor)
        self.n_days = n_days
        vol = self.grid.volume()
        self.err_scale = {v: _rms(getattr(self.patterns["train"], v), vol) for v in gyre.VARS}

    def load(self, split: str) -> gyre.Fields:
        if split not in self.truth:
            self.truth[split] = gyre.load_truth(split)
        return self.truth[split]

    def observe(self, split: str, cfg: Train3DConfig, seed: int) -> ObsSet:
        tr = self.load(split)
        return simobs.simulate_all(self.grid, tr.SSH, tr.T, tr.S, tr.days, cfg.argo_per_day,
                                   cfg.cloud_fraction, seed)

    def encoded_patterns(self, split: str) -> np.ndarray:
        """(m, per_day, H, W) drift patterns in normalised units (differences: no mean)."""
        lay = self.layout
        raw = self.codec._raw(self.patterns[split].as_dict())
        return (raw / lay.std[None, :, None, None] * lay.mask[None]).astype(np.float32)

    def subspace(self, cfg: Train3DConfig, states: np.ndarray | None = None
                 ) -> SubspaceStep | None:
        """The solver's first step fitted to the training truth (``states``: its encoded
        (n, per_day, H, W) days, else loaded), with the training backgrounds' error variance
        (patterns times the mean square amplitude); None when ``subspace_rank`` is 0."""
        rank = cfg.solver.subspace_rank
        if rank == 0:
            return None
        if states is None:
            states = self.layout.encode(self.load("train").as_dict(), "truth").numpy()
        lo, hi = cfg.amplitude
        amp2 = (lo * lo + lo * hi + hi * hi) / 3.0  # E[a^2], a uniform in [lo, hi]
        return fit_subspace(states, self.encoded_patterns("train") * np.sqrt(amp2), rank,
                            cfg.solver.n_days, cfg.solver.obs_floor)

    def background_error_std(self, amplitude: tuple[float, float]) -> list[float]:
        """Per channel (the layout's), the RMS error of the training backgrounds: amplitude
        times a training drift pattern, over the patterns and the level's ocean points, with
        ``E[a^2]`` of the uniform amplitude. The export carries it: the spread of background
        errors the solver was trained on, which the observations' background check uses
        (:mod:`qc`)."""
        lo, hi = amplitude
        amp2 = (lo * lo + lo * hi + hi * hi) / 3.0
        pats, tmask, out = self.patterns["train"], self.grid.tmask, []
        for var in self.layout.variables:
            a = np.asarray(getattr(pats, var), np.float64)
            if var == "SSH":
                out.append(float(np.sqrt(amp2 * np.mean(a[:, tmask[0]] ** 2))))
                continue
            out += [float(np.sqrt(amp2 * np.mean(a[:, k][:, tmask[k]] ** 2)))
                    if tmask[k].any() else 0.0 for k in self.layout.levels]
        return out

    def loss_weights(self) -> torch.Tensor:
        """(per_day, H, W): std^2 x volume (area for SSH) fraction / error scale^2."""
        lay = self.layout
        w = np.zeros((lay.channels, lay.height, lay.width))
        vol = self.grid.volume()
        area = self.grid.area * self.grid.tmask[0]
        for var in lay.variables:
            sl = lay.slices[var]
            cell = area[None] / area.sum() if var == "SSH" else vol[lay.levels] / vol.sum()
            w[sl, : lay.ny, : lay.nx] = cell * lay.std[sl, None, None] ** 2 \
                / self.err_scale[var] ** 2
        return torch.from_numpy(w.astype(np.float32))


def _rms(a: np.ndarray, vol: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    w = vol if a.ndim == 4 else vol[0]
    return float(np.sqrt((a**2 * w).sum() / (w.sum() * a.shape[0])))


class Sampler:
    """Training items from the normalised truth, drift patterns and per-day observation cells."""

    def __init__(self, exp: Experiment, obs: ObsSet, cfg: Train3DConfig):
        self.exp, self.cfg = exp, cfg
        codec = exp.codec
        tr = exp.load("train")
        self.truth = exp.layout.encode(tr.as_dict(), "truth").numpy()
        self.pats = exp.encoded_patterns("train")
        self.days = []  # per day: flat channel-cell indices and normalised error variances
        order = np.argsort(obs.time, kind="stable")
        obs = obs.select(order)
        for day in np.floor(tr.days):
            lo, hi = np.searchsorted(obs.time, [day, day + 1])
            b = bin_obs(obs.select(slice(lo, hi)), exp.grid, float(day), 1, "training obs")
            cnt = codec._raw({v: b.count[v] for v in exp.layout.variables})[0]
            var = codec._raw({v: b.noise_var[v] for v in exp.layout.variables})[0]
            idx = np.flatnonzero(cnt * exp.layout.mask)
            sig2 = (var / exp.layout.std[:, None, None] ** 2).ravel()[idx]
            self.days.append((idx, sig2.astype(np.float32)))

    def truth_batch(self, rng: np.random.Generator) -> torch.Tensor:
        """(batch, n_days * per_day, H, W) truth windows at random starts."""
        n_t = self.exp.n_days
        starts = rng.integers(self.truth.shape[0] - n_t + 1, size=self.cfg.batch)
        return torch.from_numpy(np.stack([self.truth[s: s + n_t].reshape(
            -1, *self.truth.shape[2:]) for s in starts]))

    def batch(self, rng: np.random.Generator) -> tuple[torch.Tensor, ...]:
        n_t, cfg = self.exp.n_days, self.cfg
        per = self.truth[0].size
        n_start = self.truth.shape[0] - n_t + 1
        tgt, bkg, ys, ws = [], [], [], []
        for _ in range(cfg.batch):
            s = int(rng.integers(n_start))
            other = int(rng.integers(n_start))
            k = int(rng.integers(self.pats.shape[0]))
            amp = float(rng.uniform(*cfg.amplitude))
            t = self.truth[s: s + n_t]
            y = np.zeros(n_t * per, np.float32)
            w = np.zeros(n_t * per, np.float32)
            for d in range(n_t):
                idx, sig2 = self.days[other + d]
                noise = np.sqrt(sig2) * rng.standard_normal(idx.size).astype(np.float32)
                y[d * per + idx] = t[d].ravel()[idx] + noise
                w[d * per + idx] = cfg.solver.obs_floor**2 / (sig2 + cfg.solver.obs_floor**2)
            tgt.append(t.reshape(-1, *t.shape[2:]))
            bkg.append((t + amp * self.pats[k][None]).reshape(-1, *t.shape[2:]))
            ys.append(y.reshape(tgt[-1].shape))
            ws.append(w.reshape(tgt[-1].shape))
        return tuple(torch.from_numpy(np.stack(a)) for a in (tgt, bkg, ys, ws))


def loss_fn(out: torch.Tensor, tgt: torch.Tensor, weights: torch.Tensor, n_days: int,
            model: StateNet | None = None) -> torch.Tensor:
    """Squared error ratios (window + centre day), plus the prior as auto-encoder of the truth
    (normalised units, ocean mean) when ``model`` is given."""
    err = (out - tgt).reshape(out.shape[0], n_days, *weights.shape) ** 2 * weights
    per_day = err.flatten(2).sum(2)  # (batch, day): sum of squared error ratios
    loss = (per_day.mean(1) + per_day[:, n_days // 2]).mean()
    if model is not None:
        loss = loss + prior_loss(model, tgt)
    return loss


def prior_loss(model: StateNet, tgt: torch.Tensor) -> torch.Tensor:
    """The prior as an auto-encoder of truth windows: squared error, normalised units, ocean
    mean."""
    return ((tgt - model.prior(tgt)) ** 2 * model.ocean).sum() / (model.ocean.sum() * len(tgt))


def validation_windows(exp: Experiment, obs: ObsSet, split: str, n: int) -> list[tuple]:
    """(start, background, y, w) of ``n`` windows spread over the split, real obs values."""
    tr = exp.load(split)
    pats = exp.patterns[split]
    starts = np.linspace(0, len(tr) - exp.n_days, n).astype(int)
    out = []
    for i, s in enumerate(starts):
        bkg = gyre.background(tr, s, exp.n_days, pats, i % len(pats))
        y, w = exp.codec.encode_obs(bin_obs(obs, exp.grid, float(np.floor(tr.days[s])),
                                            exp.n_days, f"{split} obs"))
        out.append((int(s), exp.codec.encode_state(bkg), y, w))
    return out


@torch.no_grad()
def validate(model: StateNet, exp: Experiment, wins: list, split: str = "val") -> float:
    """Mean over windows of the centre day's T RMSE ratio, analysis vs background."""
    model.eval()
    tr = exp.load(split)
    vol = exp.grid.volume()
    c = exp.n_days // 2
    ratios = []
    for s, x0, y, w in wins:
        ana = exp.codec.decode(model(x0, y, w))["T"][c]
        bkg = exp.codec.decode(x0)["T"][c]
        ratios.append(_rms(ana[None] - tr.T[s + c][None], vol)
                      / _rms(bkg[None] - tr.T[s + c][None], vol))
    model.train()
    return float(np.mean(ratios))


def pretrain_prior(model: StateNet, sampler: Sampler, steps: int, lr: float,
                   rng: np.random.Generator, device: str) -> float:
    """Fit the prior as an auto-encoder of truth windows (normalised units, ocean mean), so
    the solver's iterations start with a prior that knows the ocean; returns the last loss."""
    opt = torch.optim.Adam(model.prior.parameters(), lr=lr)
    loss = torch.zeros(())
    for _ in range(steps):
        loss = prior_loss(model, sampler.truth_batch(rng).to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss.detach())


def train(cfg: Train3DConfig, out_dir: Path, resume: bool = False, device: str = "cpu",
          progress: bool = True, exp: Experiment | None = None, ranks: Ranks | None = None
          ) -> dict:
    from tqdm import tqdm

    ranks = ranks or Ranks()  # --ddp: this rank's slice of each batch, gradients averaged
    part = ranks.part(cfg.batch)

    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    exp = exp or Experiment(cfg.solver.n_days, cfg.solver.obs_floor)
    sampler = Sampler(exp, exp.observe("train", cfg, cfg.seed + 100), cfg)
    wins = validation_windows(exp, exp.observe("val", cfg, cfg.seed + 200), "val",
                              cfg.val_windows)
    last = out_dir / "last.pt"
    resuming = resume and last.is_file()
    # resumed: the fitted first step comes with the saved state, not fitted again
    first = untrained_first_step(cfg.solver, exp.layout) if resuming \
        else exp.subspace(cfg, sampler.truth)
    model = build_model(cfg.solver, exp.layout, first, exp.bounds).to(device)
    rng = np.random.default_rng(cfg.seed)
    weights = exp.loss_weights().to(device)
    step, best, history, minutes = 0, math.inf, [], 0.0
    t0 = time.perf_counter()
    val_dev = [(s, x0.to(device), y.to(device), w.to(device)) for s, x0, y, w in wins]
    if not resuming:  # the same on every rank: same seed, whole batches
        prior_loss = pretrain_prior(model, sampler, cfg.prior_steps, cfg.lr, rng, device)
        _, bkg, y, w = (a.to(device) for a in sampler.batch(rng))
        scale = model.calibrate(bkg, y, w)
        best = validate(model, exp, val_dev)
        history.append({"step": 0, "val_ratio_T": best, "prior_loss": prior_loss,
                        "grad_scale": scale, "minutes": (time.perf_counter() - t0) / 60})
        if ranks.root:
            save_checkpoint(out_dir / "best.pt", model, None, cfg, exp,
                            {"step": 0, "best": best, "history": history,
                             "minutes": history[0]["minutes"], "val_ratio_T": best})
        if progress:
            print(f"step 0 (first step alone): validation T error ratio {best:.3f}")
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    if resuming:
        ckpt = read_checkpoint(last, device, "3D 4DVarNet checkpoint (resume)")
        model.load_state_dict(ckpt["state"])
        opt.load_state_dict(ckpt["optimizer"])
        step, best, history = ckpt["step"], ckpt["best"], ckpt["history"]
        minutes = ckpt["minutes"]
        rng.bit_generator.state = ckpt["rng"]
        torch.set_rng_state(ckpt["torch_rng"])
    # cosine decay in closed form of the step (not CosineAnnealingLR's recursion on the current
    # rate), started at the resumed step: a run resumed with more --steps continues on the
    # longer schedule exactly
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: 0.5 * (1.0 + math.cos(math.pi * min(k, cfg.steps) / cfg.steps)),
        last_epoch=step - 1)
    bar = tqdm(total=cfg.steps, initial=step, desc="train-da gyre", disable=not progress)
    while step < cfg.steps:
        tgt, bkg, y, w = (a[part].to(device) for a in sampler.batch(rng))
        loss = loss_fn(model(bkg, y, w), tgt, weights, exp.n_days, model)
        opt.zero_grad()
        if torch.isfinite(ranks.mean(loss)):
            loss.backward()
            ranks.average_gradients(model)
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            opt.step()
        loss = ranks.mean(loss.detach())  # the global batch's, for the log
        sched.step()
        step += 1
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if step % cfg.val_every == 0 or step == cfg.steps:
            val = validate(model, exp, val_dev)
            elapsed = minutes + (time.perf_counter() - t0) / 60
            history.append({"step": step, "loss": float(loss), "val_ratio_T": val,
                            "minutes": elapsed})
            meta = {"step": step, "best": min(best, val), "history": history,
                    "minutes": elapsed, "rng": rng.bit_generator.state,
                    "torch_rng": torch.get_rng_state(), "val_ratio_T": val}
            if val < best:
                best = val
                if ranks.root:
                    save_checkpoint(out_dir / "best.pt", model, None, cfg, exp, meta)
            if ranks.root:
                save_checkpoint(last, model, opt, cfg, exp, meta)
            if progress:
                bar.write(f"step {step}: validation T error ratio {val:.3f}")
    bar.close()
    return {"best_val_ratio_T": best, "history": history, "steps": step,
            "minutes": minutes + (time.perf_counter() - t0) / 60, **ranks.summary(model)}
