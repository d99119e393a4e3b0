"""``nemoml eos ...`` commands: a self-check of the EOS kernels on this machine."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eos",
        help="NEMO equation of state: self-check (check values, CPU/GPU/torch agreement)",
    )
    p.add_argument("--namelist", help="read &nameos from this NEMO namelist (default TEOS-10)")
    p.add_argument(
        "--backend",
        choices=("cpu", "cuda", "auto"),
        default="auto",
        help="kernels to check against the CPU f64 result (default: auto)",
    )
    p.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    import nemoml.eos as eos
    from nemoml.eos import torch_eos

    e = eos.EOS.from_namelist(args.namelist) if args.namelist else eos.EOS("teos10")
    print(f"equation of state: {e}")
    print(f"GPU kernels usable: {eos.gpu_available()}")
    ok = True
    for kind, want in (("teos10", 1028.21993233072), ("eos80", 1028.35011066567)):
        got = (eos.rhd(3.0, 35.5, 3000.0, eos.EOS(kind))[()] + 1.0) * 1026.0
        good = abs(got - want) < 1e-12 * want
        ok &= good
        print(f"{kind} check value: {got:.11f} (NEMO {want}) {'ok' if good else 'WRONG'}")
    rng = np.random.default_rng(0)
    T = rng.uniform(-1.5, 30.0, (10, 50, 50))
    S = rng.uniform(33.0, 37.5, T.shape)
    z = np.linspace(5.0, 5000.0, 10)
    ref = eos.insitu(T, S, z, e)
    other = eos.insitu(T, S, z, e, backend=args.backend)
    same = all(np.array_equal(a, b) for a, b in zip(ref, other, strict=True))
    ok &= same
    print(f"backend {args.backend} vs CPU f64 bit-identical: {same}")
    t = torch_eos.insitu(torch.from_numpy(T), torch.from_numpy(S), torch.from_numpy(z), e)
    err = max(float(np.abs(a.numpy() - b).max()) for a, b in zip(t, ref, strict=True))
    ok &= err < 1e-9
    print(f"torch f64 vs C max difference: {err:.2e}")
    return 0 if ok else 1
