"""numpy API over libnemoml_eos: NEMO's rhd, rhop/sigma0, alpha/beta and bn2, zero-copy.

Arrays are NEMO-ordered ``(..., z, y, x)`` or anything numpy broadcasts together; float32 in
gives float32 out, anything else real is computed in float64. Depth (metres, positive down) may
be a scalar, one value per level (a 1-D array of length ``shape[-3]`` when the fields have 3 or
more dims) or an array broadcastable to the fields. C-contiguous inputs of the working dtype and
full shape are passed to C without a copy; outputs are fresh arrays unless ``out=`` is given.

NaN policy: NaN in T or S propagates to the outputs at the same points (as in NEMO), and a
:class:`EOSRangeWarning` reports how many wet points are non-finite or outside
T in [-3, 40] degC, S in [0, 42], with the first index. Mismatched shapes raise ValueError.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from nemoml.eos import kernels
from nemoml.eos.params import EOS


class EOSRangeWarning(RuntimeWarning):
    """Wet points with non-finite T/S or values outside the range of the EOS fits."""


def _real(name: str, a) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    return a


def _dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 when every field is float32 (or narrower float), else float64."""
    small = all(a.dtype.kind == "f" and a.dtype.itemsize <= 4 for a in arrays)
    return np.dtype(np.float32 if small else np.float64)


def _shape(fn: str, **arrays: np.ndarray) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k}{tuple(a.shape)}" for k, a in arrays.items())
        raise ValueError(f"nemoml.eos.{fn}: shapes do not match: {shapes}") from None


def _full(a: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """C-contiguous array of the given shape and dtype; no copy when ``a`` already is one."""
    if a.shape != shape:
        a = np.broadcast_to(a, shape)
    return np.ascontiguousarray(a, dtype=dtype)


def _per_level(d: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """The nz per-level values if ``d`` is constant over (y, x) and leading axes, else None."""
    if len(shape) < 3:
        return None
    nz = shape[-3]
    if d.ndim == 1 and d.shape[0] == nz:
        return d
    if 3 <= d.ndim <= len(shape) and d.shape[-2:] == (1, 1) and d.shape[-3] == nz:
        if math.prod(d.shape[:-3]) == 1:
            return d.reshape(nz)
    return None


def _depth(fn: str, name: str, d, shape, dtype) -> tuple[np.ndarray, bool]:
    """(array, full): per-level values (full=False) or a full C-contiguous array."""
    d = _real(name, d)
    lev = _per_level(d, shape)
    if lev is not None:
        return np.ascontiguousarray(lev, dtype=dtype), False
    if len(shape) >= 3 and d.ndim == 1 and d.size > 1:
        raise ValueError(
            f"nemoml.eos.{fn}: 1-D {name} has {d.size} values but the fields have "
            f"{shape[-3]} levels (shape {shape})"
        )
    try:
        np.broadcast_shapes(d.shape, shape)
    except ValueError:
        raise ValueError(
            f"nemoml.eos.{fn}: {name}{tuple(d.shape)} does not broadcast to the fields {shape}"
        ) from None
    return _full(d, shape, dtype), True


def _rows(shape: tuple[int, ...], full: bool) -> tuple[int, int, int]:
    """(nrow, nz, n) of the C block layout."""
    size = math.prod(shape)
    if full or len(shape) < 3:
        return (1 if size else 0), 1, size
    n = shape[-1] * shape[-2]
    return (size // n if n else 0), shape[-3], n


def _report(fn: str, bad: int, T: np.ndarray, S: np.ndarray, mask: np.ndarray | None) -> None:
    """Turn the kernels' count of suspicious wet points into one warning naming them."""
    if not bad:
        return
    wet = np.ones(T.shape, bool) if mask is None else mask != 0
    nonfinite = wet & ~(np.isfinite(T) & np.isfinite(S))
    outside = (
        wet & ~nonfinite
        & ((T < kernels.TMIN) | (T > kernels.TMAX) | (S < kernels.SMIN) | (S > kernels.SMAX))
    )
    parts = []
    for what, sel in (
        ("non-finite T/S (NaN propagates)", nonfinite),
        (
            f"T outside [{kernels.TMIN}, {kernels.TMAX}] or S outside "
            f"[{kernels.SMIN}, {kernels.SMAX}]",
            outside,
        ),
    ):
        count = int(sel.sum())
        if count:
            first = np.unravel_index(int(np.argmax(sel)), sel.shape)
            parts.append(f"{count} wet points with {what}, first at index {tuple(map(int, first))}")
    warnings.warn(f"nemoml.eos.{fn}: " + "; ".join(parts), EOSRangeWarning, stacklevel=3)


def _check_backend(fn: str, backend: str) -> None:
    if backend not in ("cpu", "cuda", "auto"):
        raise ValueError(
            f"nemoml.eos.{fn}: backend must be 'cpu', 'cuda' or 'auto', got {backend!r}"
        )


def _run(fn: str, backend: str, size: int, gpu_name: str, gpu_args, cpu_name: str, cpu_args) -> int:
    """Run the CUDA host-array kernel when asked for and usable, else (after one log line) the
    CPU one; a CUDA failure (e.g. out of device memory) also falls back with a log line.
    Returns the kernels' count of suspicious wet points."""
    if not size:
        return 0
    gpu = kernels.cuda() if backend != "cpu" else None
    if gpu is not None:
        ffi, lib = gpu
        bad = ffi.new("int64_t *")
        err = getattr(lib, gpu_name)(*gpu_args, bad)
        if not err:
            return bad[0]
        msg = ffi.string(lib.nemoml_eos_cuda_last_error()).decode()
        kernels.log.warning("nemoml.eos.%s: CUDA error %d (%s); using the CPU kernels", fn, err,
                            msg)
    return getattr(kernels.cpu()[1], cpu_name)(*cpu_args)


def _outputs(fn: str, out, shape, dtype, inputs) -> tuple[np.ndarray, np.ndarray]:
    """Fresh outputs, or the caller's ``out`` pair after checking it can be written in place."""
    if out is None:
        return np.empty(shape, dtype), np.empty(shape, dtype)
    if len(out) != 2:
        raise ValueError(f"nemoml.eos.{fn}: out must be a pair of arrays")
    for k, o in enumerate(out):
        if not (
            isinstance(o, np.ndarray)
            and o.shape == shape
            and o.dtype == dtype
            and o.flags.c_contiguous
            and o.flags.writeable
        ):
            raise ValueError(
                f"nemoml.eos.{fn}: out[{k}] must be a writeable C-contiguous {dtype} array of "
                f"shape {shape}"
            )
        if any(a is not None and np.shares_memory(o, a) for a in inputs):
            raise ValueError(f"nemoml.eos.{fn}: out[{k}] overlaps an input")
    if np.shares_memory(out[0], out[1]):
        raise ValueError(f"nemoml.eos.{fn}: the two outputs overlap")
    return out[0], out[1]


def _pointwise(fn: str, op: int, T, S, depth, eos: EOS, mask, backend: str, out=None):
    if not isinstance(eos, EOS):
        raise TypeError(f"nemoml.eos.{fn}: eos must be an nemoml.eos.EOS, got {type(eos).__name__}")
    _check_backend(fn, backend)
    T, S = _real("T", T), _real("S", S)
    arrays = {"T": T, "S": S}
    if mask is not None:
        arrays["mask"] = _real("mask", mask)
    shape = _shape(fn, **arrays)
    dtype = _dtype(T, S)
    z, zfull = _depth(fn, "depth", depth, shape, dtype)
    Tc, Sc = _full(T, shape, dtype), _full(S, shape, dtype)
    mc = None if mask is None else _full(arrays["mask"], shape, dtype)
    nrow, nz, n = _rows(shape, zfull)
    o1, o2 = _outputs(fn, out, shape, dtype, (Tc, Sc, z, mc))
    sfx = "f64" if dtype == np.float64 else "f32"
    p = kernels.params(eos)
    args = (p, nrow, nz, n, *map(kernels.ptr, (Tc, Sc, z)), int(zfull), kernels.ptr(mc))
    outs = tuple(map(kernels.ptr, (o1, o2)))
    op_name = ("insitu", "rab")[op]
    bad = _run(
        fn,
        backend,
        nrow,
        f"nemoml_eos_cuda_host_{sfx}",
        (op, *args, *outs),
        f"nemoml_eos_{op_name}_{sfx}",
        (*args, *outs),
    )
    _report(fn, bad, Tc, Sc, mc)
    return o1, o2


def insitu(T, S, depth, eos: EOS, mask=None, *, backend: str = "cpu", out=None):
    """NEMO's ``eos_insitu_pot``: ``(rd, rhop)`` in one pass.

    ``rd = (rho/rho0 - 1)*mask`` with rho NEMO's polynomial at depth ``depth`` (no r0(z)
    profile), ``rhop`` the surface-referenced potential density [kg m-3] times mask.
    ``backend="cuda"`` or ``"auto"`` runs on a GPU when one is usable and otherwise logs one
    line and uses the CPU kernels. ``out=(rd, rhop)`` writes into existing C-contiguous arrays
    of the result shape and dtype (no allocation, e.g. in a time loop).
    """
    return _pointwise("insitu", 0, T, S, depth, eos, mask, backend, out)


def rhd(T, S, depth, eos: EOS, mask=None, *, backend: str = "cpu") -> np.ndarray:
    """NEMO's in-situ density anomaly ``prd = (rho/rho0 - 1)*mask`` (see :func:`insitu`)."""
    return insitu(T, S, depth, eos, mask, backend=backend)[0]


def rhop(T, S, depth, eos: EOS, mask=None, *, backend: str = "cpu") -> np.ndarray:
    """NEMO's potential density ``prhop`` [kg m-3] (independent of depth; see :func:`insitu`)."""
    return insitu(T, S, depth, eos, mask, backend=backend)[1]


def sigma0(T, S, depth, eos: EOS, mask=None, *, backend: str = "cpu") -> np.ndarray:
    """Potential density anomaly ``rhop - 1000`` [kg m-3], 0 on masked points."""
    r = rhop(T, S, depth, eos, mask, backend=backend)
    sig = r - r.dtype.type(1000)
    if mask is not None:
        sig[np.broadcast_to(np.asarray(mask), sig.shape) == 0] = 0
    return sig


def rab(T, S, depth, eos: EOS, mask=None, *, backend: str = "cpu", out=None):
    """NEMO's ``rab_3d``: ``(alpha, beta)``, alpha = -drho/dT/rho0 [1/K], beta = drho/dS/rho0.

    ``out=(alpha, beta)`` as in :func:`insitu`.
    """
    return _pointwise("rab", 1, T, S, depth, eos, mask, backend, out)


def bn2(T, S, gdept, gdepw, e3w, wmask, eos: EOS, *, backend: str = "cpu") -> np.ndarray:
    """N² [s-2] on w-points as NEMO's ``bn2``, from alpha/beta (never density differences).

    Fields are ``(..., z, y, x)`` (or one ``(z,)`` column); ``gdept``, ``gdepw`` [m] and ``e3w``
    [m] are per level (1-D, length z) or broadcastable to the fields; ``wmask`` may be None.
    Level 0 (surface) and the last level are 0, as in NEMO. ``backend`` as in :func:`insitu`.
    """
    _check_backend("bn2", backend)
    if not isinstance(eos, EOS):
        raise TypeError(f"nemoml.eos.bn2: eos must be an nemoml.eos.EOS, got {type(eos).__name__}")
    T, S = _real("T", T), _real("S", S)
    arrays = {"T": T, "S": S}
    if wmask is not None:
        arrays["wmask"] = _real("wmask", wmask)
    shape = _shape("bn2", **arrays)
    if len(shape) not in (1,) and len(shape) < 3:
        raise ValueError(f"nemoml.eos.bn2: fields must be (..., z, y, x) or (z,), got {shape}")
    col = shape if len(shape) >= 3 else (shape[0], 1, 1)
    dtype = _dtype(T, S)
    depths = [
        _depth("bn2", k, v, col, dtype)
        for k, v in (("gdept", gdept), ("gdepw", gdepw), ("e3w", e3w))
    ]
    zfull = any(full for _, full in depths)
    if zfull:
        depths = [(_full(d.reshape(-1, 1, 1) if not f else d, col, dtype), True) for d, f in depths]
    Tc, Sc = _full(T, shape, dtype).reshape(col), _full(S, shape, dtype).reshape(col)
    wm = None if wmask is None else _full(arrays["wmask"], shape, dtype).reshape(col)
    nz, n = col[-3], col[-1] * col[-2]
    nout = math.prod(col) // (nz * n) if nz * n else 0
    n2 = np.empty(col, dtype)
    sfx = "f64" if dtype == np.float64 else "f32"
    args = (kernels.params(eos), nout, nz, n, kernels.ptr(Tc), kernels.ptr(Sc))
    args += (*[kernels.ptr(d) for d, _ in depths], int(zfull), kernels.ptr(wm), kernels.ptr(n2))
    bad = _run(
        "bn2", backend, nout, f"nemoml_eos_cuda_bn2_host_{sfx}", args, f"nemoml_eos_bn2_{sfx}", args
    )
    _report("bn2", bad, Tc, Sc, wm)
    return n2.reshape(shape)


def r0(depth) -> np.ndarray:
    """Roquet et al. (2015) depth-only profile r0(z) [kg m-3] that NEMO's polynomial omits.

    True Boussinesq in-situ density is ``(rhd + 1)*rho0 + r0(z)`` (TEOS-10, z in place of p).
    """
    from nemoml.eos.params import coefficients

    c = coefficients()["TEOS10_bsq_r0"]["coefficients"]
    pp = _real("depth", depth).astype(np.float64) * 1e-4
    acc = np.full_like(pp, c["R05"])
    for k in range(4, -1, -1):
        acc = acc * pp + c[f"R0{k}"]
    return acc * pp
