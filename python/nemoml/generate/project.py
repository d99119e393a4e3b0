"""Final projection of sampled states onto their constraints: exact where guidance is close.

Guidance makes the samples meet the constraints closely but not exactly, and a hinge on N²
cannot remove every inversion of a network's noisy columns. Every constrained run therefore
ends with a projection in sigma0, where the sets are convex:

- **C1/C2 profiles**: the smallest sigma0 change (volume-weighted norm) that meets the set's
  C1 and C2 targets exactly; for C1 alone it is one uniform shift per level, so the spatial
  structure and spread of every level are kept;
- with ``stability``, **statically stable columns**, judged as N² (NEMO's ``bn2``) judges them:
  by the locally referenced density step of each interface (both cells at the interface
  depth, ``Density.local_step``), not by sigma0, which inverts in stable deep water where cold
  water lies under warmer, saltier water (thermobaricity). The local step is written as a
  sigma0 step minus an offset per interface, ``local >= 0  <=>  dsigma0 >= o``, with ``o``
  exact for the current water (``stability_offsets``). For fixed offsets the stable set is a
  shifted monotone cone in sigma0, and its projection is the thickness-weighted isotonic
  regression of ``sigma0 - cumsum(o)`` down each column (unstable runs of cells pool: what
  convective adjustment does to density). It alternates with the profile step and ends on the
  stability step once the C1/C2 residual is below ``tol``.

Temperature then takes the projected sigma0 by Newton's method at fixed salinity; only where
that would need water colder than freezing does salinity change too. With T-S in the set,
each level's salinity then takes one uniform shift to its target mean, along isopycnals (T
follows from sigma0), so C1 and C2 are untouched and the level-mean T is left close to its
target by C1; with T-S alone, T takes its own uniform shift per level as well.

The offsets depend on the water, so with ``stability`` this is repeated from the new water
(offsets re-made once per outer round) until every interface is locally stable to
``STABLE_TOL``. The offsets scale the local step by ``alpha(0) / alpha(p)`` so that, to first
order, they do not depend on the temperature difference across the interface, the variable the
Newton step moves: one or two outer rounds are enough. Columns that are already stable are
left bit-for-bit as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nemoml.eos.density import RHO0
from nemoml.generate.constraints import ConstraintSet

LAND_VALUE = 1e6  # below the bottom: heavier than any water, so never pooled with it
LAND_WEIGHT = 1e-30
FIXED_WEIGHT = 1e8  # observed cells: a pooled run takes their value (to ~1e-7 relative;
# larger weights would cost precision in the prefix sums of `isotonic`)
STABLE_TOL = 1e-9  # kg m-3: a locally referenced step above -STABLE_TOL counts as stable
OUTER_ROUNDS = 8  # offsets re-made from the new water at most this often
T_RANGE = (-2.0, 40.0)  # degC: about the freezing point of sea water up; the EOS range
S_RANGE = (0.0, 42.0)


def _normalise(w: np.ndarray) -> np.ndarray:
    return w / np.maximum(w.sum((1, 2), keepdims=True), 1e-30)


@dataclass
class Projection:
    """Outcome of ``project``: rounds used, C1/C2 residual left (kg m-3), largest T and S
    changes, largest SSH change (m), outer rounds (offsets made) and the most negative locally
    referenced density step left (kg m-3, 0 when every judged interface is stable)."""

    rounds: int
    residual: float
    max_dt: float
    max_ds: float
    max_dssh: float = 0.0
    outer: int = 1
    unstable: float = 0.0


def isotonic(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-decreasing fit of each row of ``values`` (n, L).

    Spans whose weights round to zero (land only) count as ``LAND_VALUE``. Uses the min-max
    formula ``fit_k = max_{i<=k} min_{j>=k} mean_w(values[i..j])``, exact and
    vectorised over rows (L is a number of levels, so the (n, L, L) table is small).
    """
    w = np.broadcast_to(weights, values.shape)
    zero = np.zeros((values.shape[0], 1))
    cwv = np.concatenate([zero, np.cumsum(w * values, 1)], 1)
    cw = np.concatenate([zero, np.cumsum(w, 1)], 1)
    n_lev = values.shape[1]
    upper = np.arange(n_lev)[None, :] >= np.arange(n_lev)[:, None]  # j >= i
    span = cw[:, None, 1:] - cw[:, :-1, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (cwv[:, None, 1:] - cwv[:, :-1, None]) / span
    mean = np.where(upper, np.where(span > 0, mean, LAND_VALUE), np.inf)
    tail_min = np.minimum.accumulate(mean[:, :, ::-1], axis=2)[:, :, ::-1]
    return np.where(upper, tail_min, -np.inf).max(1)


class SigmaProjector:
    """Alternating projections of sigma0 fields (B, L, y, x) of the modelled levels."""

    def __init__(self, tmask: np.ndarray, area: np.ndarray, e3t: np.ndarray,
                 targets: dict[str, np.ndarray], fixed: np.ndarray | None = None,
                 stable: bool = True, chunk: int = 4096, level_area: np.ndarray | None = None):
        self.tmask = tmask.astype(bool)
        self.stable = stable  # alternate with the columns' isotonic regression
        # observed cells (``fixed``) have an infinite weight in the norm: they do not move
        self.fixed = np.zeros(tmask.shape, bool) if fixed is None else fixed & self.tmask
        self.chunk = chunk
        # normalised level and interface weights: profiles are weighted sums with them
        # e3t (L,) or per cell (L, y, x) (3-D e3t_0); level means weighted by ``level_area``
        # (L, y, x) (``GridInfo.level_area``: the area on full cells), else by the area
        e3t = e3t if e3t.ndim == 3 else e3t[:, None, None]
        level_area = area[None] if level_area is None else level_area
        self.n_level = _normalise(self.tmask * level_area)
        self.n_pair = _normalise((self.tmask[:-1] & self.tmask[1:]) * area[None])
        # per column (y*x, L): land cells, and isotonic weights (observed cells heavy)
        n_lev = tmask.shape[0]
        self.col_wet = self.tmask.reshape(n_lev, -1).T
        heavy = np.where(self.fixed, FIXED_WEIGHT, 1.0) * e3t
        self.col_w = np.where(self.col_wet, heavy.reshape(n_lev, -1).T, LAND_WEIGHT)
        self.names = [n for n in ("c1", "c2") if n in targets]
        self.sizes = [len(self.n_level) if n == "c1" else len(self.n_pair) for n in self.names]
        self.target = np.concatenate([np.asarray(targets[n], np.float64)
                                      for n in self.names]) if self.names else np.zeros(0)
        # both steps are projections in the volume-weighted norm: weights area * e3t
        self.inv_metric = ~self.fixed / (area[None] * e3t)
        eye = np.eye(len(self.target))
        self.gram = np.concatenate([self.profiles(self.spread(eye[i: i + 8]))
                                    for i in range(0, len(eye), 8)]).T if self.names else eye
        # a component whose cells are all observed cannot move: it is not waited for
        self.movable = np.diag(self.gram) > 0

    def profiles(self, sig: np.ndarray) -> np.ndarray:
        """The constrained quantities (B, K): C1 level means, then C2 mean differences."""
        parts = []
        for name in self.names:
            if name == "c1":
                parts.append((sig * self.n_level).sum((2, 3)))
            else:
                parts.append(((sig[:, :-1] - sig[:, 1:]) * self.n_pair).sum((2, 3)))
        return np.concatenate(parts, 1) if parts else np.zeros((sig.shape[0], 0))

    def spread(self, mu: np.ndarray) -> np.ndarray:
        """The adjoint of ``profiles`` in the volume-weighted norm: (B, K) -> (B, L, y, x)."""
        out = np.zeros((mu.shape[0],) + self.tmask.shape)
        for name, part in zip(self.names, np.split(mu, np.cumsum(self.sizes)[:-1], 1),
                              strict=True):
            if name == "c1":
                out += part[:, :, None, None] * self.n_level
            else:
                q = part[:, :, None, None] * self.n_pair
                out[:, :-1] += q
                out[:, 1:] -= q
        return out * self.inv_metric

    def stabilise(self, sig: np.ndarray, offsets: np.ndarray | None = None) -> np.ndarray:
        """Nearest column (volume-weighted norm) with ``sigma0[k+1] - sigma0[k] >= offsets[k]``
        at every wet interface (``offsets`` (B, L-1, y, x); none: sigma0 non-decreasing)."""
        n_b, n_lev, ny, nx = sig.shape
        cum = np.zeros_like(sig)
        if offsets is not None:
            cum[:, 1:] = np.cumsum(offsets * (self.tmask[:-1] & self.tmask[1:]), axis=1)
        cols = sig.transpose(0, 2, 3, 1).reshape(-1, n_lev)
        shift = cum.transpose(0, 2, 3, 1).reshape(-1, n_lev)
        wet = np.tile(self.col_wet, (n_b, 1))
        vals = np.where(wet, cols - shift, LAND_VALUE)
        fit = np.where(wet, cols, LAND_VALUE)  # stable columns are left bit-for-bit as they are
        todo = np.flatnonzero((np.diff(vals, axis=1) < 0).any(1))
        n_col = ny * nx
        for a in range(0, len(todo), self.chunk):
            rows = todo[a: a + self.chunk]
            fit[rows] = isotonic(vals[rows], self.col_w[rows % n_col]) + shift[rows]
        return fit.reshape(n_b, ny, nx, n_lev).transpose(0, 3, 1, 2) * self.tmask

    def shift(self, sig: np.ndarray) -> np.ndarray:
        """Orthogonal projection onto the C1/C2 targets (uniform per level for C1 alone)."""
        resid = self.target[None] - self.profiles(sig)
        mu = np.linalg.lstsq(self.gram, resid.T, rcond=None)[0].T
        return (sig + self.spread(mu)) * self.tmask

    def residual(self, sig: np.ndarray) -> float:
        if not self.names:
            return 0.0
        return float(np.abs(self.profiles(sig) - self.target[None])[:, self.movable].max())

    def __call__(self, sig: np.ndarray, tol: float, rounds: int,
                 offsets: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        for n in range(1, rounds + 1):
            if self.stable:
                sig = self.stabilise(sig, offsets)
            if self.residual(sig) <= tol:
                return sig, n
            sig = self.shift(sig)
        return sig, rounds


def stability_offsets(temp: torch.Tensor, sal: torch.Tensor, density,
                      dep_w: torch.Tensor) -> np.ndarray:
    """Per-interface offsets ``o`` (B, L-1, y, x) with ``local_step >= 0 <=> dsigma0 >= o`` for
    this water: ``o = dsigma0 - lam * local_step``, ``lam = alpha(0) / alpha(dep_w) > 0`` at
    the interface's mean T and S (both steps are then ~``rho0 beta dS`` apart, whatever dT)."""
    with torch.no_grad():
        sig = density.sigma0(temp, sal)
        local = density.local_step(temp, sal, dep_w)
        tm = 0.5 * (temp[:, 1:] + temp[:, :-1])
        sm = 0.5 * (sal[:, 1:] + sal[:, :-1])
        a0, ap = density.alpha(tm, sm, 0.0), density.alpha(tm, sm, dep_w)
        lam = torch.where((a0 > 1e-7) & (ap > 1e-7), a0 / ap.clamp_min(1e-7),
                          torch.ones_like(a0)).clamp(0.1, 10.0)
        return ((sig[:, 1:] - sig[:, :-1]) - lam * local).numpy()


def unstable_steps(temp: torch.Tensor, sal: torch.Tensor, density, dep_w: torch.Tensor,
                   pair: np.ndarray) -> float:
    """The most negative locally referenced step over wet interfaces (0 if none), kg m-3."""
    with torch.no_grad():
        local = density.local_step(temp, sal, dep_w).numpy()
    return float(max(0.0, -np.where(pair, local, 0.0).min()))


def _newton(sigma: torch.Tensor, var: torch.Tensor, fn, lo: float, hi: float,
            iters: int) -> torch.Tensor:
    """Solve fn(var) = sigma point-wise by Newton's method, kept inside [lo, hi]."""
    for _ in range(iters):
        v = var.detach().requires_grad_(True)
        s0 = fn(v)
        (slope,) = torch.autograd.grad(s0.sum(), v)
        slope = torch.where(slope.abs() > 1e-9, slope, torch.full_like(slope, 1e-9))
        var = (v - (s0 - sigma) / slope).clamp(lo, hi).detach()
    return var


def water_for(sigma: torch.Tensor, temp: torch.Tensor, sal: torch.Tensor, density,
              iters: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """T and S with sigma0(T, S) = ``sigma``: T at fixed S first; where that would leave the
    EOS range (water denser than its salinity allows at the freezing point), S takes the rest.
    """
    temp = _newton(sigma, temp, lambda t: density.sigma0(t, sal), *T_RANGE, iters)
    with torch.no_grad():
        left = (density.sigma0(temp, sal) - sigma).abs() > 1e-9
    if left.any():
        fixed = _newton(sigma, sal, lambda s: density.sigma0(temp, s), *S_RANGE, iters)
        sal = torch.where(left, fixed, sal)
    return temp, sal


def match_salinity(sigma: torch.Tensor, temp: torch.Tensor, sal: torch.Tensor,
                   target: np.ndarray, weights: np.ndarray, free: np.ndarray, density,
                   iters: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """Meet per-level mean salinity targets along isopycnals (spice), sigma0 unchanged.

    Free cells of each level take one uniform S shift that brings the level's area-weighted
    mean to ``target``; T then follows from sigma0 and the new S.
    """
    sal = level_shift(sal, target, weights, free)
    temp = _newton(sigma, temp, lambda t: density.sigma0(t, sal), *T_RANGE, iters)
    return temp, sal


def level_shift(field: torch.Tensor, target: np.ndarray, weights: np.ndarray,
                free: np.ndarray) -> torch.Tensor:
    """One uniform shift per level of the free cells that brings the level's weighted mean
    to ``target``: the orthogonal projection onto a level-mean target."""
    w = torch.as_tensor(weights)
    wf = w * torch.as_tensor(free)
    mean = (field * w).sum((-1, -2)) / w.sum((-1, -2)).clamp_min(1e-30)
    delta = (torch.as_tensor(target) - mean) * w.sum((-1, -2)) / wf.sum((-1, -2)).clamp_min(1e-30)
    return field + delta[..., None, None] * (wf > 0)


def steric_ssh(ssh: np.ndarray, old: tuple, new: tuple, density, grid, levels,
               fixed: np.ndarray | None = None) -> np.ndarray:
    """SSH (B, y, x) moved by the steric change of T and S from ``old`` to ``new`` (pairs of
    (B, L, y, x) arrays on ``levels``): ``dSSH = -sum_k (rho_new - rho_old) / rho0 e3t``, with
    in-situ density at each cell's depth, the bottom pressure held (no motion at the bottom).

    The change's area mean over the free ocean surface is removed, so the basin-mean SSH (the
    model's volume) stays as sampled; ``fixed`` (y, x) observed SSH cells keep their values.
    """
    dep = torch.as_tensor(grid.gdept[levels])[:, None, None]
    with torch.no_grad():
        drho = (density.rho(*(torch.as_tensor(a) for a in new), dep)
                - density.rho(*(torch.as_tensor(a) for a in old), dep)).numpy()
    wet = grid.tmask[levels]
    dssh = -(np.where(wet, drho, 0.0) * grid.thickness()[levels]).sum(1) / RHO0
    free = grid.tmask[0] & (True if fixed is None else ~fixed)
    w = grid.area * free
    dssh -= (dssh * w).sum((-1, -2), keepdims=True) / max(w.sum(), 1e-30)
    return ssh + dssh * free


def project(x: torch.Tensor, cset: ConstraintSet, density, tol: float = 1e-6,
            rounds: int = 200, fixed: np.ndarray | None = None,
            ssh_fixed: np.ndarray | None = None) -> tuple[dict, Projection]:
    """Project normalised samples (B, C, H, W); returns physical fields and a summary.

    ``fixed`` (modelled levels, y, x) marks observed cells, which keep their T and S (two
    observed cells that are unstable with respect to each other stay so). SSH, when the layout
    has it, takes the steric change of the projection (``steric_ssh``); ``ssh_fixed`` (y, x)
    marks observed SSH cells, which keep theirs.
    """
    layout = cset.physics.layout
    grid = layout.grid
    lv = layout.levels
    fields = layout.decode(x)
    temp = torch.as_tensor(fields["T"][:, lv])
    sal = torch.as_tensor(fields["S"][:, lv])
    tmask = grid.tmask[lv]
    targets = {n: cset.targets[n].numpy() for n in ("c1", "c2") if n in cset.names}
    stable = "stability" in cset.names
    moves_sigma = stable or bool(targets)  # otherwise only T-S: sigma0 stays as sampled
    proj = SigmaProjector(tmask, grid.area, grid.thickness()[lv], targets, fixed, stable=stable,
                          level_area=grid.level_area(lv))
    keep = tmask == 0 if fixed is None else (tmask == 0) | fixed
    keep_t = torch.as_tensor(keep)
    # interfaces judged: wet below and above, and not between two observed cells (they stay)
    pair = (tmask[:-1] & tmask[1:]) & ~(keep[:-1] & keep[1:])
    dep_w = cset.physics.dep_w
    new_t, new_s, new_sig, n, left = temp, sal, None, 0, 0.0
    for outer in range(1, (OUTER_ROUNDS if stable else 1) + 1):  # noqa: B007 (reported)
        with torch.no_grad():
            sig = density.sigma0(new_t, new_s).numpy()
        offsets = stability_offsets(new_t, new_s, density, dep_w) if stable else None
        new_sig, used = proj(sig * tmask, tol, rounds, offsets)
        n += used
        new_sig = np.where(tmask, new_sig, sig)  # land keeps its own value: no Newton step there
        if moves_sigma:
            new_t, new_s = water_for(torch.as_tensor(new_sig), new_t, new_s, density)
        if "ts" in cset.names:
            # level-mean S exactly, along isopycnals; level-mean T then follows from C1, and
            # when no density step ties T, it takes its own uniform shift per level
            ts_target = cset.targets["ts"].numpy()
            weights = tmask * grid.level_area(lv)
            new_t, new_s = match_salinity(torch.as_tensor(new_sig), new_t, new_s,
                                          ts_target[len(lv):], weights, ~keep, density)
            if not moves_sigma:
                new_t = level_shift(new_t, ts_target[: len(lv)], weights, ~keep)
        new_t, new_s = torch.where(keep_t, temp, new_t), torch.where(keep_t, sal, new_s)
        left = unstable_steps(new_t, new_s, density, dep_w, pair) if stable else 0.0
        if left <= STABLE_TOL:
            break
    new_t = np.where(keep, temp.numpy(), new_t.numpy()) * tmask
    new_s = np.where(keep, sal.numpy(), new_s.numpy()) * tmask
    max_dt = float(np.abs(new_t - temp.numpy()).max())
    max_ds = float(np.abs(new_s - sal.numpy()).max())
    max_dssh = 0.0
    if "SSH" in fields:
        old_ssh = np.array(fields["SSH"], copy=True)
        fields["SSH"] = steric_ssh(old_ssh, (temp.numpy(), sal.numpy()), (new_t, new_s),
                                   density, grid, lv, ssh_fixed)
        max_dssh = float(np.abs(fields["SSH"] - old_ssh).max())
    fields["T"][:, lv], fields["S"][:, lv] = new_t, new_s
    return fields, Projection(n, proj.residual(new_sig), max_dt, max_ds, max_dssh, outer, left)
