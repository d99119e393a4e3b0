"""NEMO's equations of state in torch, differentiable (plain tensor ops, so autograd works on
any device), for the diffusion sampler's physics guidance.

Same names and conventions as the numpy API (:mod:`nemoml.eos.core`): fields ``(..., z, y, x)``,
depth a scalar, one value per level (1-D of length ``shape[-3]``) or broadcastable; masks
multiply the outputs like NEMO's ``tmask``. The polynomials follow NEMO's association order,
so float64 results agree with the C kernels to ~1e-15 relative. ``-d(rhd)/dT`` equals alpha
and ``d(rhd)/dS`` equals beta; :func:`rab` evaluates NEMO's own ALP/BET polynomials.
:mod:`nemoml.eos.torch_fused` has C-backed versions of rhd/sigma0 for CPU tensors (one pass,
analytic backward), far faster than these in eager mode.
"""

from __future__ import annotations

import torch

from nemoml.eos.params import EOS, GRAV, coefficients


def _plan(table: dict[str, float]) -> tuple:
    """Horner plan of one table in NEMO's order: per depth power k (descending), the top
    coefficient C_0,jmax,k and, for each lower j, (Q_j coefficients from i = imax down to 1,
    C_0jk). Plain tuples of floats, so torch.compile traces through without graph breaks."""
    by_k: dict[int, dict[tuple[int, int], float]] = {}
    for key, value in table.items():
        i, j, k = (int(c) for c in key[3:])
        by_k.setdefault(k, {})[(i, j)] = value
    plan = []
    for k in sorted(by_k, reverse=True):
        c = by_k[k]
        jmax = max(j for _, j in c)
        levels = []
        for j in range(jmax - 1, -1, -1):
            imax = max([i for i, jj in c if jj == j] + [0])
            levels.append((tuple(c[(i, j)] for i in range(imax, 0, -1)), c[(0, j)]))
        plan.append((c[(0, jmax)], tuple(levels)))
    return tuple(plan)


# (kind, table) -> plan, and kind -> (rdeltaS, r1_S0, r1_T0, r1_Z0), built once at import
_PLANS = {
    (kind, name): _plan(coefficients()[block][name])
    for kind, block in (("teos10", "TEOS10"), ("eos80", "EOS80"))
    for name in ("EOS", "ALP", "BET")
}
_NORM = {
    kind: tuple(
        coefficients()[block]["normalisation"][k] for k in ("rdeltaS", "r1_S0", "r1_T0", "r1_Z0")
    )
    for kind, block in (("teos10", "TEOS10"), ("eos80", "EOS80"))
}


def _horner(top: float, levels: tuple, zs: torch.Tensor, zt: torch.Tensor) -> torch.Tensor:
    """sum C_ij zs^i zt^j as NEMO writes it: acc = ((acc*zt) + Q_j(zs)*zs) + C_0j."""
    acc = torch.full_like(zt, top)
    for q, c0 in levels:
        acc = acc * zt
        if q:
            qs = torch.full_like(zs, q[0])
            for ci in q[1:]:
                qs = qs * zs + ci
            acc = acc + qs * zs
        acc = acc + c0
    return acc


def _depth_poly(kind: str, name: str, zs, zt, zh) -> tuple[torch.Tensor, torch.Tensor]:
    """(full polynomial ((P3 zh + P2) zh + P1) zh + P0, P0)."""
    parts = [_horner(top, levels, zs, zt) for top, levels in _PLANS[(kind, name)]]
    zn = parts[0]
    for p in parts[1:]:
        zn = zn * zh + p
    return zn, parts[-1]


def _prep(T, S, depth, mask, fn: str):
    if not (isinstance(T, torch.Tensor) and isinstance(S, torch.Tensor)):
        raise TypeError(f"nemoml.eos.torch_eos.{fn}: T and S must be tensors")
    if not (T.is_floating_point() and S.is_floating_point()):
        raise TypeError(f"nemoml.eos.torch_eos.{fn}: T/S must be float, got {T.dtype}/{S.dtype}")
    shapes = [T.shape, S.shape] + ([] if mask is None else [torch.as_tensor(mask).shape])
    try:
        shape = torch.broadcast_shapes(*shapes)
    except RuntimeError:
        raise ValueError(f"nemoml.eos.torch_eos.{fn}: shapes do not match: {shapes}") from None
    z = torch.as_tensor(depth, dtype=T.dtype, device=T.device)
    if z.ndim == 1 and len(shape) >= 3 and z.shape[0] == shape[-3]:
        z = z.view(-1, 1, 1)
    elif len(shape) >= 3 and z.ndim == 1 and z.numel() > 1:
        raise ValueError(
            f"nemoml.eos.torch_eos.{fn}: 1-D depth has {z.numel()} values but the fields have "
            f"{shape[-3]} levels"
        )
    m = None if mask is None else torch.as_tensor(mask, dtype=T.dtype, device=T.device)
    return z, m


def _masked(x: torch.Tensor, m: torch.Tensor | None) -> torch.Tensor:
    return x if m is None else x * m


def insitu(T, S, depth, eos: EOS, mask=None) -> tuple[torch.Tensor, torch.Tensor]:
    """NEMO's ``eos_insitu_pot``: ``(rd, rhop)``; rd = (rho/rho0 - 1)*mask, rhop [kg m-3]."""
    z, m = _prep(T, S, depth, mask, "insitu")
    if eos.kind == "seos":
        zt, zs = T - eos.T0, S - eos.S0
        lin = (
            -eos.a0 * (1 + 0.5 * eos.lambda1 * zt) * zt + eos.b0 * (1 - 0.5 * eos.lambda2 * zs) * zs
        )
        lin = lin - eos.nu * zt * zs
        rd = (lin - eos.a0 * eos.mu1 * z * zt - eos.b0 * eos.mu2 * z * zs) / eos.rho0
        return _masked(rd, m), _masked(eos.rho0 + lin, m)
    rdelta_s, r1_s0, r1_t0, r1_z0 = _NORM[eos.kind]
    zt = T * r1_t0
    zs = torch.sqrt(torch.abs(S + rdelta_s) * r1_s0)
    zn, zn0 = _depth_poly(eos.kind, "EOS", zs, zt, z * r1_z0)
    return _masked(zn * (1.0 / eos.rho0) - 1.0, m), _masked(zn0, m)


def rhd(T, S, depth, eos: EOS, mask=None) -> torch.Tensor:
    """In-situ density anomaly ``(rho/rho0 - 1)*mask`` (NEMO's ``prd``)."""
    return insitu(T, S, depth, eos, mask)[0]


def rhop(T, S, depth, eos: EOS, mask=None) -> torch.Tensor:
    """Surface-referenced potential density [kg m-3] times mask (NEMO's ``prhop``)."""
    return insitu(T, S, depth, eos, mask)[1]


def sigma0(T, S, depth, eos: EOS, mask=None) -> torch.Tensor:
    """``(rhop - 1000)*mask`` [kg m-3]."""
    z, m = _prep(T, S, depth, mask, "sigma0")
    return _masked(insitu(T, S, z, eos)[1] - 1000.0, m)


def rab(T, S, depth, eos: EOS, mask=None) -> tuple[torch.Tensor, torch.Tensor]:
    """NEMO's ``rab_3d``: alpha = -drho/dT/rho0 and beta = drho/dS/rho0, times mask."""
    z, m = _prep(T, S, depth, mask, "rab")
    if eos.kind == "seos":
        zt, zs = T - eos.T0, S - eos.S0
        a = eos.a0 * (1 + eos.lambda1 * zt + eos.mu1 * z) + eos.nu * zs
        b = eos.b0 * (1 - eos.lambda2 * zs - eos.mu2 * z) - eos.nu * zt
        return _masked(a / eos.rho0, m), _masked(b / eos.rho0, m)
    rdelta_s, r1_s0, r1_t0, r1_z0 = _NORM[eos.kind]
    zt = T * r1_t0
    zs = torch.sqrt(torch.abs(S + rdelta_s) * r1_s0)
    zh = z * r1_z0
    a = _depth_poly(eos.kind, "ALP", zs, zt, zh)[0]
    b = _depth_poly(eos.kind, "BET", zs, zt, zh)[0]
    return _masked(a * (1.0 / eos.rho0), m), _masked(b / zs * (1.0 / eos.rho0), m)


def _levels(x, like: torch.Tensor) -> torch.Tensor:
    x = torch.as_tensor(x, dtype=like.dtype, device=like.device)
    return x.view(-1, 1, 1) if x.ndim == 1 else x


def bn2(T, S, gdept, gdepw, e3w, wmask, eos: EOS) -> torch.Tensor:
    """N² [s-2] on w-points as NEMO's ``bn2`` from alpha/beta; 0 at the surface and bottom.

    Fields ``(..., z, y, x)`` or one ``(z,)`` column; depths per level (1-D) or broadcastable.
    """
    column = T.ndim == 1
    if column:
        T, S = T.view(-1, 1, 1), S.view(-1, 1, 1)
        wmask = None if wmask is None else torch.as_tensor(wmask).view(-1, 1, 1)
    if T.ndim < 3 or T.shape != S.shape:
        raise ValueError(
            f"nemoml.eos.torch_eos.bn2: T{tuple(T.shape)} and S{tuple(S.shape)} "
            "must both be (..., z, y, x) or (z,)"
        )
    gt, gw, e3 = (_levels(x, T) for x in (gdept, gdepw, e3w))
    a, b = rab(T, S, gt, eos)
    gt = gt.expand(T.shape)
    zrw = (gw.expand(T.shape)[..., 1:-1, :, :] - gt[..., 1:-1, :, :]) / (
        gt[..., :-2, :, :] - gt[..., 1:-1, :, :]
    )
    zaw = a[..., 1:-1, :, :] * (1 - zrw) + a[..., :-2, :, :] * zrw
    zbw = b[..., 1:-1, :, :] * (1 - zrw) + b[..., :-2, :, :] * zrw
    dT = T[..., :-2, :, :] - T[..., 1:-1, :, :]
    dS = S[..., :-2, :, :] - S[..., 1:-1, :, :]
    n2 = GRAV * (zaw * dT - zbw * dS) / e3.expand(T.shape)[..., 1:-1, :, :]
    if wmask is not None:
        n2 = n2 * torch.as_tensor(wmask, dtype=T.dtype, device=T.device)[..., 1:-1, :, :]
    zero = torch.zeros_like(T[..., :1, :, :])
    out = torch.cat([zero, n2, zero], dim=-3)
    return out.view(-1) if column else out


def level_means(field: torch.Tensor, tmask) -> torch.Tensor:
    """Masked mean over (y, x) of each level, ``(..., z, y, x) -> (..., z)``; 0 if all dry."""
    m = torch.as_tensor(tmask, dtype=field.dtype, device=field.device)
    m = (m != 0).to(field.dtype).expand(field.shape)
    wet = m.sum(dim=(-2, -1))
    return (field * m).sum(dim=(-2, -1)) / wet.clamp(min=1)


def level_diff_means(field: torch.Tensor, tmask) -> torch.Tensor:
    """Masked mean over (y, x) of ``f_k - f_{k+1}`` where both are wet; last level 0."""
    m = torch.as_tensor(tmask, dtype=field.dtype, device=field.device)
    m = (m != 0).to(field.dtype).expand(field.shape)
    both = m[..., :-1, :, :] * m[..., 1:, :, :]
    d = ((field[..., :-1, :, :] - field[..., 1:, :, :]) * both).sum(dim=(-2, -1))
    d = d / both.sum(dim=(-2, -1)).clamp(min=1)
    return torch.cat([d, torch.zeros_like(d[..., :1])], dim=-1)


def sigma0_profiles(T, S, tmask, eos: EOS) -> tuple[torch.Tensor, torch.Tensor]:
    """(C1, C2) profiles: per-level masked means of sigma0 and of its vertical difference."""
    sig = sigma0(T, S, 0.0, eos)
    return level_means(sig, tmask), level_diff_means(sig, tmask)
