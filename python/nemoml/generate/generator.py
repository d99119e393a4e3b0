"""A trained generator: denoiser + layout + schedule + EOS, with seeded constrained sampling."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from nemoml.eos.density import Density
from nemoml.generate.constraints import ConstraintSet, Physics
from nemoml.generate.guidance import DualState, guidance_shift, identity_gain
from nemoml.generate.project import project
from nemoml.generate.schedule import Schedule
from nemoml.generate.start import GaussianStart
from nemoml.grid.layout import Layout

SAMPLERS = ("ddpm", "ddim")
Progress = bool | Callable[[int, int], None]
# stochastic DDIM by default: with eta = 1 DDIM-50's figures are within 5.5 % of DDPM-1000's,
# with eta = 0 within 6.4 % (192 states; docs/generator_results.md, "Samplers")
DEFAULT_ETA = 1.0
# guidance acts on the steps with t <= GUIDE_BELOW * t_start only (DDIM-50: the last 16).
# Guided at every step, GYRE's per-state search kept half the spread of the levels below
# 1000 m (0.52 of the data moved onto the same constraints; unguided plus the projection:
# 0.85) and left the raw states further from C1 (RMS 0.026 kg m-3): the network undoes early
# shifts. From 0.1 t_start down: 0.72 of the deep spread, raw C1 RMS 0.006
# (docs/generator_results.md, "Guidance and the spread")
GUIDE_BELOW = 0.1


class SamplingError(FloatingPointError):
    """Non-finite values during sampling; the message names the step."""


def dual_key(names, sampler: str, steps: int, eta: float) -> str:
    return f"{'+'.join(sorted(names))}|{sampler}|{steps}|{eta:g}"


class Generator:
    """Sample NEMO states in physical units from a trained denoiser.

    Parameters
    ----------
    net : callable
        ``net(x, t, mask) -> eps`` (an ``nn.Module``, TorchScript or exported program).
    layout : Layout
        Channel layout with the normalisation statistics.
    schedule : Schedule
        Training noise schedule.
    density : Density
        The model's own EOS.
    targets : dict
        Constraint targets (``c1``, ``c2``, ``ts``, ``stability``): the database's means.
    duals : dict, optional
        Calibrated duals keyed by ``dual_key``.
    clip : float
        Bound on the normalised denoised estimate (``clip_sample``).
    start : GaussianStart, optional
        The database's mean and leading modes for the first state (``start.py``); without
        it sampling starts from pure noise at ``t_start``.
    device : str
        Where the denoiser runs (``to``): each step's state goes there and its noise
        estimate comes back. Noise, guidance and projection stay on the CPU, so a state is the
        same on every device up to the float32 rounding of the convolutions.
    guide_below : float
        Guidance acts on the steps with ``t <= guide_below * t_start`` (1: every step).
    """

    def __init__(self, net, layout: Layout, schedule: Schedule, density: Density,
                 targets: dict, duals: dict | None = None, clip: float = 6.0, meta=None,
                 start: GaussianStart | None = None, device: str = "cpu",
                 guide_below: float = GUIDE_BELOW):
        self.net = net
        self.guide_below = guide_below
        self.layout = layout
        self.schedule = schedule
        self.density = density
        self.targets = targets
        self.duals = dict(duals or {})
        self.clip = clip
        self.meta = meta or {}
        self.start = start
        self.last_duals: DualState | None = None  # per-state duals of the last sample()
        # the last sample()'s states as the sampler left them, before the final projection:
        # what the model (and its guidance) did, apart from what the projection imposes
        self.last_raw: dict | None = None
        self.physics = Physics(layout, density)
        self.mask = layout.mask_tensor()
        self.to(device)

    def to(self, device: str) -> Generator:
        """Run the denoiser on ``device`` (``cpu``, ``cuda:N``); returns ``self``."""
        self.device = str(device)
        if hasattr(self.net, "to"):
            self.net = self.net.to(self.device)
        self._net_mask = self.mask.to(self.device)
        return self

    # -- building blocks ---------------------------------------------------------------------
    def constraint_set(self, names, targets: dict | None = None) -> ConstraintSet:
        merged = {**self.targets, **(targets or {})}
        for name, value in (targets or {}).items():
            if len(value) != len(self.targets[name]):
                raise ValueError(
                    f"target {name!r} has {len(value)} values, the model needs "
                    f"{len(self.targets[name])}"
                )
        return ConstraintSet(self.physics, names, merged)

    def encode_condition(self, condition: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """``{var: (values, mask)}`` in physical (z, y, x) / (y, x) -> normalised (y, m)."""
        lay = self.layout
        y = torch.zeros(1, lay.channels, lay.height, lay.width)
        m = torch.zeros_like(y)
        for var, (values, obs) in condition.items():
            if var not in lay.slices:
                raise KeyError(f"condition on {var!r}, which the model does not generate")
            values = np.asarray(values, np.float64)
            obs = np.asarray(obs, bool)
            want = lay.grid.shape[1:] if var == "SSH" else lay.grid.shape
            if values.shape != want or obs.shape != want:
                raise ValueError(
                    f"condition {var}: shape {values.shape} (mask {obs.shape}), expected {want}"
                )
            if var != "SSH":
                values, obs = values[lay.levels], obs[lay.levels]
            else:
                values, obs = values[None], obs[None]
            sl = lay.slices[var]
            ocean = lay.mask[sl, : lay.ny, : lay.nx]
            obs = obs & ocean
            if not np.isfinite(values[obs]).all():
                raise ValueError(f"condition {var}: NaN/inf at observed points")
            norm = (np.where(obs, values, 0) - lay.mean[sl, None, None]) / lay.std[sl, None, None]
            y[0, sl, : lay.ny, : lay.nx] = torch.from_numpy(np.where(obs, norm, 0))
            m[0, sl, : lay.ny, : lay.nx] = torch.from_numpy(obs.astype(np.float32))
        return y, m

    def _eps(self, x: torch.Tensor, t: int) -> torch.Tensor:
        tt = torch.full((x.shape[0],), t, dtype=torch.long, device=self.device)
        with torch.no_grad():
            return self.net(x.to(self.device), tt, self._net_mask).to(x.device)

    def run(self, n: int, seed: int, steps: int, sampler: str = "ddim", eta: float | None = None,
            cset: ConstraintSet | None = None, lam: torch.Tensor | None = None,
            condition=None, batch_size: int = 16, progress: Progress = False) -> torch.Tensor:
        """Normalised samples (n, C, H, W). Sample ``i`` uses its own noise stream seeded by
        ``(seed, i)``, so results do not depend on ``batch_size`` (beyond float32 rounding of
        batched convolutions)."""
        if sampler not in SAMPLERS:
            raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
        steps = self._steps(sampler, steps)
        eta = DEFAULT_ETA if eta is None else eta
        ts = self.schedule.timesteps(steps)
        out = []
        for start in range(0, n, batch_size):
            idx = range(start, min(n, start + batch_size))
            gens = [torch.Generator().manual_seed(int(seed) * 1_000_003 + i) for i in idx]
            rows = lam[idx.start: idx.stop] if lam is not None and lam.dim() == 2 else lam
            out.append(self._run_batch(gens, ts, eta, cset, rows, condition, progress))
        return torch.cat(out, 0)

    def _noise(self, gens) -> torch.Tensor:
        shape = (self.layout.channels, self.layout.height, self.layout.width)
        return torch.stack([torch.randn(shape, generator=g) for g in gens]) * self.mask

    def _first(self, gens, t: int, condition) -> torch.Tensor:
        noise = self._noise(gens)
        if self.start is None:
            return noise
        return self.start.sample(gens, self.schedule.ab(t), noise, condition) * self.mask

    def _run_batch(self, gens, ts, eta, cset, lam, condition, progress) -> torch.Tensor:
        x = self._first(gens, ts[0], condition)
        guided = cset is not None and lam is not None and cset.size > 0 and bool(lam.any())
        y, m = condition if condition is not None else (None, None)
        steps = list(zip(ts, ts[1:] + [-1], strict=True))
        report = progress if callable(progress) else None  # (step, of) after each step
        if progress and report is None:
            from tqdm import tqdm

            steps = tqdm(steps, desc="sampling", leave=False)
        for i, (t, t_prev) in enumerate(steps):
            x0 = self.schedule.x0_from_eps(x, self._eps(x, t), t).clamp(-self.clip, self.clip)
            if guided and t <= self.guide_below * ts[0]:
                x0 = x0 - guidance_shift(cset, lam, x0) * self.mask
            if m is not None:
                x0 = m * y + (1 - m) * x0
            noise = self._noise(gens) if eta > 0 and t_prev >= 0 else None
            x = self.schedule.step(x, x0, t, t_prev, eta, noise) * self.mask
            if not torch.isfinite(x).all():
                raise SamplingError(
                    f"non-finite values at sampling step {i + 1}/{len(ts)} (t={t}); "
                    "check the duals/targets and the model weights"
                )
            if report is not None:
                report(i + 1, len(ts))
        return x

    # -- public API --------------------------------------------------------------------------
    def calibrate(self, constraints, steps: int, sampler: str = "ddim", eta: float | None = None,
                  n: int = 16, rounds: int = 4, seed: int = 10_000, targets=None,
                  lam=None, progress: bool = False) -> DualState:
        """Damped Newton dual steps between whole runs; stores the final duals for
        ``(constraints, sampler, steps)`` unless ``targets`` override the training ones."""
        cset = self.constraint_set(constraints, targets)
        steps = self._steps(sampler, steps)
        # the gain of every step, as measured with the late window (docs/generator_results.md): the
        # guided steps' own (3.9 against 5.5 for DDIM-50) left raw C1 RMS at 0.024, not 0.006
        gain = identity_gain(self.schedule, self.schedule.timesteps(steps))
        state = DualState(cset, lam, gain)
        for r in range(rounds):
            x = self.run(n, seed + r, steps, sampler, eta, cset, state.current, progress=progress)
            state.update(x, self.mask)
        if targets is None:
            self.duals[self._key(constraints, sampler, steps, eta)] = cset.split(state.best)
        return state

    def _steps(self, sampler: str, steps: int | None) -> int:
        """Requested steps, defaulting to every training step for DDPM and 50 for DDIM."""
        if steps is not None:
            return steps
        return self.schedule.n_train if sampler == "ddpm" else 50

    def _key(self, constraints, sampler, steps, eta) -> str:
        steps = self._steps(sampler, steps)
        return dual_key(constraints, sampler, steps, DEFAULT_ETA if eta is None else eta)

    def sample(self, n: int, seed: int = 0, constraints=(), condition: dict | None = None,
               steps: int | None = None, sampler: str = "ddim", eta: float | None = None,
               targets: dict | None = None, batch_size: int = 16, dual_rounds: int = 4,
               per_state: bool = True, progress: Progress = False) -> dict:
        """Generate ``n`` states; deterministic given ``seed``.

        Parameters
        ----------
        constraints : sequence of str
            Any of ``c1``, ``c2``, ``ts``, ``stability``. Every constrained run ends with
            the projection (``project.py``) onto the set's targets, stable columns (with
            ``stability``) and the steric SSH; observed points of a ``condition`` keep their
            values. With ``per_state`` (default) the same noise is redrawn for
            ``dual_rounds`` runs, each state with its own duals (warm-started from the duals
            calibrated for this set, sampler and step count) and each state keeps its best
            run. Otherwise the calibrated ensemble duals are used in one run (guidance then
            aims at the ensemble mean), after ``dual_rounds`` calibration runs if there are
            none yet.
        condition : dict, optional
            ``{var: (values, mask)}`` with physical values and observed-point masks in NEMO
            (z, y, x) (or (y, x) for SSH) layout; samples honour the observed points.
        steps : int, optional
            Sampler steps (default 50 for DDIM, all training steps for DDPM).
        targets : dict, optional
            Override constraint targets (e.g. ``{"c1": profile}``).
        progress : bool or callable
            A progress bar, or ``progress(step, steps)`` called after every sampler step.

        Returns
        -------
        dict
            ``T``, ``S`` (n, z, y, x) and ``SSH`` (n, y, x) (and ``U``, ``V``) in physical
            units, land = 0.
        """
        steps = self._steps(sampler, steps)
        cond = self.encode_condition(condition) if condition else None
        if not constraints:
            x = self.run(n, seed, steps, sampler, eta, None, None, cond, batch_size, progress)
            self.last_raw = self.layout.decode(x)
            return self.last_raw
        cset = self.constraint_set(constraints, targets)
        key = self._key(constraints, sampler, steps, eta)
        lam = cset.join(self.duals[key]) if targets is None and key in self.duals else None
        if not per_state:
            if lam is None:
                lam = self.calibrate(constraints, steps, sampler, eta, rounds=dual_rounds,
                                     seed=seed + 7_919, targets=targets).best
            x = self.run(n, seed, steps, sampler, eta, cset, lam, cond, batch_size, progress)
            return self._finish(x, cset, cond)
        # per-state search, warm-started from the calibrated ensemble duals: the same noise is
        # redrawn each round and every state keeps its best run
        ts = self.schedule.timesteps(steps)
        state = DualState(cset, lam, identity_gain(self.schedule, ts), per_state=True, rows=n)
        for _ in range(max(1, dual_rounds)):
            x = self.run(n, seed, steps, sampler, eta, cset, state.current, cond, batch_size,
                         progress)
            state.update(x, self.mask)
        self.last_duals = state
        return self._finish(state.best_x, cset, cond)

    def constrain(self, fields: dict, constraints) -> dict:
        """``fields`` moved onto ``constraints`` by the final projection alone, no sampling:
        what the constraints leave of a set of states (the report card's spread reference)."""
        cset = self.constraint_set(constraints)
        return self._finish(self.layout.encode(fields, "states"), cset, None)

    def _finish(self, x: torch.Tensor, cset: ConstraintSet, cond) -> dict:
        self.last_raw = self.layout.decode(x)
        if not cset.names:
            return self.last_raw
        lay = self.layout
        fixed = ssh_fixed = None
        if cond is not None:  # observed T, S or SSH cells keep their values through the projection
            m = cond[1][0, :, : lay.ny, : lay.nx].numpy() > 0
            fixed = m[lay.slices["T"]] | m[lay.slices["S"]]
            ssh_fixed = m[lay.slices["SSH"]][0] if "SSH" in lay.slices else None
        fields, self.last_projection = project(x, cset, self.density, fixed=fixed,
                                               ssh_fixed=ssh_fixed)
        return fields
