"""Final projection of sampled states onto their constraints: exact where guidance is close.

Guidance makes the samples meet the constraints closely but not exactly, and a hinge on N²
cannot remove every inversion of a network's noisy columns. Every constrained run therefore
ends with a projection that alternates two steps:

- **C1/C2 profiles and T-S**, in sigma0, where the sets are convex: the smallest sigma0 change
  (volume-weighted norm) that meets the set's C1 and C2 targets exactly (for C1 alone one
  uniform shift per level, so the spatial structure and spread of every level are kept);
  temperature then takes the new sigma0 by Newton's method at fixed salinity (only where that
  would need water colder than freezing does salinity change too). With T-S in the set, each
  level's salinity then takes one uniform shift to its target mean along isopycnals (T follows
  from sigma0); with T-S alone, T takes its own uniform shift per level as well.
- with ``stability``, **statically stable columns**, judged as NEMO's ``bn2`` judges them:
  the two cells of each interface are compared at the interface depth (locally referenced
  potential density), not in sigma0, which inverts in stable deep water where cold water lies
  under warmer, saltier water (thermobaricity). Each unstable run of cells is mixed (the
  thickness-weighted mean of its T and S, heat and salt conserved) and runs grow until no
  interface is unstable: NEMO's convective adjustment. Columns that are stable are left
  bit-for-bit as they are.

The alternation ends on the stability step and stops once the C1/C2 (and T-S) residual is
below ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nemoml.generate.constraints import ConstraintSet
from nemoml.generate.density import RHO0

FIXED_WEIGHT = 1e8  # observed cells: a mixed run takes their value (to ~1e-8 relative)
T_RANGE = (-2.0, 40.0)  # degC: about the freezing point of sea water up; the EOS range
S_RANGE = (0.0, 42.0)


def _normalise(w: np.ndarray) -> np.ndarray:
    return w / np.maximum(w.sum((1, 2), keepdims=True), 1e-30)


@dataclass
class Projection:
    """Outcome of ``project``: rounds used, C1/C2 residual left (kg m-3), largest T and S
    changes, largest steric SSH change (m)."""

    rounds: int
    residual: float
    max_dt: float
    max_ds: float
    max_dssh: float = 0.0


class SigmaProjector:
    """Orthogonal projection of sigma0 fields (B, L, y, x) of the modelled levels onto C1/C2."""

    def __init__(self, tmask: np.ndarray, area: np.ndarray, e3t: np.ndarray,
                 targets: dict[str, np.ndarray], fixed: np.ndarray | None = None):
        self.tmask = tmask.astype(bool)
        # observed cells (``fixed``) have an infinite weight in the norm: they do not move
        self.fixed = np.zeros(tmask.shape, bool) if fixed is None else fixed & self.tmask
        # normalised level and interface weights: profiles are weighted sums with them
        self.n_level = _normalise(self.tmask * area[None])
        self.n_pair = _normalise((self.tmask[:-1] & self.tmask[1:]) * area[None])
        self.names = [n for n in ("c1", "c2") if n in targets]
        self.sizes = [len(self.n_level) if n == "c1" else len(self.n_pair) for n in self.names]
        self.target = np.concatenate([np.asarray(targets[n], np.float64)
                                      for n in self.names]) if self.names else np.zeros(0)
        # both steps are projections in the volume-weighted norm: weights area * e3t
        self.inv_metric = ~self.fixed / (area[None] * e3t[:, None, None])
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

    def shift(self, sig: np.ndarray) -> np.ndarray:
        """Orthogonal projection onto the C1/C2 targets (uniform per level for C1 alone)."""
        resid = self.target[None] - self.profiles(sig)
        mu = np.linalg.lstsq(self.gram, resid.T, rcond=None)[0].T
        return (sig + self.spread(mu)) * self.tmask

    def residual(self, sig: np.ndarray) -> float:
        if not self.names:
            return 0.0
        return float(np.abs(self.profiles(sig) - self.target[None])[:, self.movable].max())


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


def local_drho(temp: torch.Tensor, sal: torch.Tensor, density, dep_w) -> torch.Tensor:
    """In-situ density of the lower minus the upper cell of each interface, both taken to the
    interface depth ``dep_w`` (levels on the second axis): the sign of N² (NEMO's ``bn2``)."""
    with torch.no_grad():
        return (density.rho(temp[:, 1:], sal[:, 1:], dep_w)
                - density.rho(temp[:, :-1], sal[:, :-1], dep_w))


def convect(temp: torch.Tensor, sal: torch.Tensor, density, dep_w: np.ndarray,
            weights: np.ndarray, wet: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Convective adjustment of (B, L, y, x) fields until no interface is unstable.

    An interface between two wet cells is unstable where ``local_drho < 0`` at its depth
    ``dep_w`` (L-1,). Unstable runs of cells are mixed: each takes the run's ``weights``-weighted
    (L, y, x) mean T and S (thickness weights conserve heat and salt), and runs grow until every
    interface between them is stable, so at most L - 1 sweeps. Stable columns and unmixed cells
    keep their values bit-for-bit.
    """
    n_b, n_lev, ny, nx = temp.shape
    dep = torch.as_tensor(np.asarray(dep_w, np.float64).reshape(-1), dtype=temp.dtype)

    def as_cols(f) -> torch.Tensor:  # (B, L, y, x) -> (columns, L)
        f = torch.as_tensor(f).expand(n_b, n_lev, ny, nx)
        return f.permute(0, 2, 3, 1).reshape(-1, n_lev)

    t0, s0 = as_cols(temp), as_cols(sal)
    pair = as_cols(torch.as_tensor(wet.astype(bool)))
    pair = pair[:, :-1] & pair[:, 1:]
    todo = ((local_drho(t0, s0, density, dep) < 0) & pair).any(1)
    if not bool(todo.any()):
        return temp, sal
    t0, s0, pair = t0[todo], s0[todo], pair[todo]
    w = as_cols(torch.as_tensor(weights, dtype=temp.dtype))[todo]
    n_col = len(t0)
    row = torch.arange(n_col)[:, None] * n_lev
    merged = torch.zeros_like(pair)
    t, s = t0, s0
    for _ in range(n_lev - 1):
        bad = (local_drho(t, s, density, dep) < 0) & pair & ~merged
        if not bool(bad.any()):
            break
        merged |= bad
        seg = torch.cat([torch.zeros(n_col, 1, dtype=torch.long),
                         torch.cumsum((~merged).long(), 1)], 1)
        gid = (row + seg).flatten()
        size = n_col * n_lev
        wsum = torch.zeros(size, dtype=t.dtype).index_add_(0, gid, w.flatten())
        alone = torch.zeros(size, dtype=torch.long).index_add_(0, gid, torch.ones_like(gid)) == 1
        mixed = []
        for f in (t0, s0):
            tot = torch.zeros(size, dtype=t.dtype).index_add_(0, gid, (w * f).flatten())
            mean = (tot / wsum.clamp_min(1e-300))[gid].reshape(n_col, n_lev)
            mixed.append(torch.where(alone[gid].reshape(n_col, n_lev), f, mean))
        t, s = mixed
    out_t, out_s = as_cols(temp).clone(), as_cols(sal).clone()
    out_t[todo], out_s[todo] = t, s

    def as_fields(c: torch.Tensor) -> torch.Tensor:
        return c.reshape(n_b, ny, nx, n_lev).permute(0, 3, 1, 2).contiguous()

    return as_fields(out_t), as_fields(out_s)


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
    dssh = -(np.where(wet, drho, 0.0) * grid.e3t[levels][:, None, None]).sum(1) / RHO0
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
    keep = tmask == 0 if fixed is None else (tmask == 0) | fixed
    targets = {n: cset.targets[n].numpy() for n in ("c1", "c2") if n in cset.names}
    stable = "stability" in cset.names
    proj = SigmaProjector(tmask, grid.area, grid.e3t[lv], targets, fixed)
    weights = tmask * grid.area[None]
    ts_target = cset.targets["ts"].numpy() if "ts" in cset.names else None
    # mixing weights: thickness (heat and salt), observed cells heavy so a mixed run keeps them
    mix_w = np.where(keep & (tmask > 0), FIXED_WEIGHT, 1.0) * grid.e3t[lv][:, None, None]
    dep_w = cset.physics.dep_w.numpy()

    def sigma(t, s) -> np.ndarray:
        with torch.no_grad():
            return np.where(tmask, density.sigma0(t, s).numpy(), 0.0)

    def residual(t, s) -> float:
        res = proj.residual(sigma(t, s)) if targets else 0.0
        if ts_target is not None:
            lm = torch.cat([cset.physics.level_mean(t, cset.physics.w),
                            cset.physics.level_mean(s, cset.physics.w)], 1).numpy()
            ocean = np.tile(weights.sum((-1, -2)) > 0, 2)
            # level-mean T is exact only when no density step ties it (T-S alone)
            ocean[: len(lv)] &= not (stable or targets)
            res = max(res, float(np.abs(lm - ts_target)[:, ocean].max()))
        return res

    new_t, new_s = temp, sal
    used = 0
    for used in range(1, rounds + 1):  # noqa: B007 (the count is reported)
        if stable:
            new_t, new_s = convect(new_t, new_s, density, dep_w, mix_w, tmask)
        if residual(new_t, new_s) <= tol:
            break
        if targets:  # C1/C2 in sigma0, then the water that has it
            new_sig = np.where(tmask, proj.shift(sigma(new_t, new_s)), sigma(new_t, new_s))
            new_t, new_s = water_for(torch.as_tensor(new_sig), new_t, new_s, density)
        if ts_target is not None:
            # level-mean S exactly, along isopycnals; level-mean T then follows from C1, and
            # when no density step ties T, it takes its own uniform shift per level
            new_t, new_s = match_salinity(torch.as_tensor(sigma(new_t, new_s)), new_t, new_s,
                                          ts_target[len(lv):], weights, ~keep, density)
            if not (stable or targets):
                new_t = level_shift(new_t, ts_target[: len(lv)], weights, ~keep)
        new_t = torch.where(torch.as_tensor(keep), temp, new_t)
        new_s = torch.where(torch.as_tensor(keep), sal, new_s)
    new_t = np.where(keep, temp.numpy(), new_t.numpy()) * tmask
    new_s = np.where(keep, sal.numpy(), new_s.numpy()) * tmask
    max_dt = float(np.abs(new_t - temp.numpy()).max())
    max_ds = float(np.abs(new_s - sal.numpy()).max())
    fields["T"][:, lv], fields["S"][:, lv] = new_t, new_s
    max_dssh = 0.0
    if "SSH" in fields:
        old_ssh = fields["SSH"]
        fields["SSH"] = steric_ssh(old_ssh, (temp.numpy(), sal.numpy()), (new_t, new_s),
                                   density, grid, lv, ssh_fixed)
        max_dssh = float(np.abs(fields["SSH"] - old_ssh).max())
    res = proj.residual(sigma(torch.as_tensor(new_t), torch.as_tensor(new_s))) if targets else 0.0
    return fields, Projection(used, res, max_dt, max_ds, max_dssh)
