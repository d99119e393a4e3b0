"""``nemoml bench eos``: ns per point of NEMO's density on this machine, against gsw.rho, torch
and the memory-bandwidth floor measured in the same run.

The C kernels are timed on preallocated outputs (``rhd`` in the lean layout: T, S, one depth
per level, write rd = 24 B/pt in f64). The floor is those bytes over the bandwidth of a large
copy (read + write counted, best of numpy and torch's threaded copy). Every figure is the best
of a few repetitions, all variants timed round-robin. ``gsw.rho`` runs on one thread and gets
depth as a 3D array: ``speedup_vs_gsw_f64`` compares it with the C kernel on the same inputs
(3D depth, one output) on the library's OpenMP threads, ``speedup_vs_gsw_f64_1thread`` with the
same kernel on one thread. ``c_f64_compute_share`` near 1 means the kernel is bound by arithmetic,
not memory, on this machine (then ``bandwidth_fraction_*`` stays below 1 however lean the
layout).
"""

from __future__ import annotations

import functools
import os
import time

import numpy as np

LEAN_BYTES = {"f64": 24, "f32": 12}  # read T, S and write rd per point


def _race(fns: dict, reps: int) -> dict[str, float]:
    """Best time of each callable, run round-robin so that all see the same machine load
    (the ratios stay meaningful on a shared machine)."""
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(reps):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def _best(fn, reps: int) -> float:
    fn()  # warm up (page faults, thread pool, caches)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _fields(n: int, dtype, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(T, S, per-level depth, nz) of an ocean-like (nz, n/nz, 1) block."""
    nz = 50
    ny = n // nz
    z = np.linspace(0.0, 5500.0, nz).astype(dtype)
    T = 20.0 * np.exp(-z[:, None, None] / 800.0) + rng.uniform(-1.5, 3.0, (nz, ny, 1))
    S = rng.uniform(33.0, 37.0, (nz, ny, 1))
    return T.astype(dtype), S.astype(dtype), z, nz


def _c_kernel(T, S, z, nz, zfull=False, mask=None, rhop=False):
    from nemoml.eos import EOS, kernels

    sfx = "f64" if T.dtype == np.float64 else "f32"
    kernel = getattr(kernels.cpu()[1], f"nemoml_eos_insitu_{sfx}")
    p = kernels.params(EOS("teos10"))
    rd = np.empty_like(T)
    rp = np.empty_like(T) if rhop else None
    rows, n = (1, T.size) if zfull else (T.shape[0], T.size // T.shape[0])
    args = [kernels.ptr(a) for a in (T, S, z)] + [int(zfull), kernels.ptr(mask), kernels.ptr(rd)]
    args.append(kernels.ptr(rp))
    keep = (T, S, z, mask, rd, rp)  # the pointers above borrow these buffers

    def call(keep=keep):
        return kernel(p, rows, nz, n, *args)

    return call


def _one_thread(call):
    """``call`` run on one OpenMP thread (the library's default restored after)."""
    from nemoml.eos import kernels

    lib = kernels.cpu()[1]

    def one():
        before = lib.nemoml_eos_set_threads(1)
        try:
            return call()
        finally:
            lib.nemoml_eos_set_threads(before)

    return one


def _copy(n: int) -> dict:
    """Large copies (numpy, and torch's threaded one) of n float64."""
    import torch

    src = np.random.default_rng(0).random(n)
    dst = np.empty_like(src)
    return {
        "copy_numpy": functools.partial(np.copyto, dst, src),
        "copy_torch": functools.partial(torch.from_numpy(dst).copy_, torch.from_numpy(src)),
    }


def _fwd_bwd(f, T, S, z, e) -> None:
    f(T, S, z, e).sum().backward()


def _torch(n: int, reps: int, compile_too: bool) -> dict:
    import torch

    from nemoml.eos import EOS
    from nemoml.eos import torch_eos as te
    from nemoml.eos.torch_fused import fused_rhd

    e = EOS("teos10")
    out: dict = {}
    T, S, z, _ = _fields(n, np.float64, np.random.default_rng(1))
    for name, dt in (("f64", torch.float64), ("f32", torch.float32)):
        tT, tS, tz = (torch.tensor(a, dtype=dt) for a in (T, S, z))
        with torch.no_grad():
            call = functools.partial(te.rhd, tT, tS, tz, e)
            out[f"torch_eager_{name}_ns"] = _best(call, reps) / n * 1e9
        call = functools.partial(_fwd_bwd, te.rhd, tT.clone().requires_grad_(True), tS, tz, e)
        out[f"torch_eager_fwd_bwd_{name}_ns"] = _best(call, reps) / n * 1e9
        call = functools.partial(_fwd_bwd, fused_rhd, tT.clone().requires_grad_(True), tS, tz, e)
        out[f"torch_fused_c_fwd_bwd_{name}_ns"] = _best(call, reps) / n * 1e9
        if not compile_too:
            continue
        try:
            fn = torch.compile(te.rhd, dynamic=False)
            t0 = time.perf_counter()
            with torch.no_grad():
                fn(tT, tS, tz, e)
                out[f"torch_compile_first_call_{name}_s"] = time.perf_counter() - t0
                call = functools.partial(fn, tT, tS, tz, e)
                out[f"torch_compile_{name}_ns"] = _best(call, reps) / n * 1e9
        except Exception as err:  # torch.compile needs a working C++ toolchain
            out[f"torch_compile_{name}_ns"] = None
            out["torch_compile_error"] = f"{type(err).__name__}: {err}"[:200]
    return out


def run(args) -> dict:
    import gsw

    from nemoml.eos import kernels

    quick = bool(getattr(args, "quick", False))
    n = 200_000 if quick else 10_000_000
    reps = 2 if quick else 10
    rng = np.random.default_rng(0)
    res: dict = {"n_points": n, "threads": int(kernels.cpu()[1].nemoml_eos_threads())}
    res["cpu_count"] = os.cpu_count()

    T, S, z, nz = _fields(n, np.float64, rng)
    p3 = np.ascontiguousarray(np.broadcast_to(z[:, None, None], T.shape))
    T32, S32, z32 = T.astype(np.float32), S.astype(np.float32), z.astype(np.float32)
    fns = {
        "gsw_rho": functools.partial(gsw.rho, S, T, p3),
        "gsw_sigma0": functools.partial(gsw.sigma0, S, T),
        "c_f64": _c_kernel(T, S, z, nz),
        "c_f64_1thread": _one_thread(_c_kernel(T, S, z, nz)),
        "c_f64_p3d": _c_kernel(T, S, p3, nz, zfull=True),
        "c_f64_p3d_1thread": _one_thread(_c_kernel(T, S, p3, nz, zfull=True)),
        "c_f64_nemo_layout": _c_kernel(T, S, p3, nz, zfull=True, mask=np.ones_like(T), rhop=True),
        "c_f32": _c_kernel(T32, S32, z32, nz),
        **_copy(n),
    }
    t = _race(fns, reps)
    res.update({f"{k}_ns": v / n * 1e9 for k, v in t.items() if not k.startswith("copy")})
    del fns, p3, T32, S32
    # the kernel on a cache-resident block: its arithmetic cost without DRAM traffic
    Tc, Sc, zc, _ = _fields(200_000, np.float64, rng)
    res["c_f64_cache_resident_ns"] = _best(_c_kernel(Tc, Sc, zc, nz), 20 * reps) / Tc.size * 1e9
    res["c_f64_compute_share"] = res["c_f64_cache_resident_ns"] / res["c_f64_ns"]

    res["copy_gbs_numpy"] = 16 * n / t["copy_numpy"] / 1e9  # read + write of n float64
    res["copy_gbs_torch"] = 16 * n / t["copy_torch"] / 1e9
    bw = res["bandwidth_gbs"] = max(res["copy_gbs_numpy"], res["copy_gbs_torch"])
    for prec in ("f64", "f32"):
        floor = LEAN_BYTES[prec] / bw
        res[f"floor_{prec}_ns"] = floor
        res[f"bandwidth_fraction_{prec}"] = floor / res[f"c_{prec}_ns"]
    # like with like: gsw's inputs (3D depth), on the library's threads and on one
    res["threads_gsw"] = 1
    res["speedup_vs_gsw_f64"] = res["gsw_rho_ns"] / res["c_f64_p3d_ns"]
    res["speedup_vs_gsw_f64_1thread"] = res["gsw_rho_ns"] / res["c_f64_p3d_1thread_ns"]
    res["speedup_vs_gsw_f64_lean"] = res["gsw_rho_ns"] / res["c_f64_ns"]
    res["thread_scaling_c_f64"] = res["c_f64_1thread_ns"] / res["c_f64_ns"]
    res["speedup_f32_vs_f64"] = res["c_f64_ns"] / res["c_f32_ns"]

    res.update(_torch(n // 20 if not quick else n // 10, reps, compile_too=not quick))
    res["speedup_vs_torch_eager_f64"] = res["torch_eager_f64_ns"] / res["c_f64_ns"]
    res["gpu_available"] = kernels.gpu_available()
    return res
