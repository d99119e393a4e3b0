"""``nemoml bench bridge``: the cost of the bridge against the same forward in pure Python.

Fortran timings come from the ``nemoml_bench`` host (best of 5 batches); the pure-Python
denominator runs here in the same job, with one torch thread as the host's ranks use, and does
what a Python caller must do each call: wrap numpy arrays, run the model, copy into the output.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from nemoml._paths import bindir
from nemoml.bridge.host import mpi_env, mpirun_command

SIZES = {"1e3": (10, 10, 10), "1e6": (100, 100, 100)}


def _fortran_times(modeldir: Path, ranks: int, nrep: int) -> dict[str, float]:
    cmd = mpirun_command(ranks) + [str(bindir() / "nemoml_bench"), str(modeldir), str(nrep)]
    proc = subprocess.run(cmd, env=mpi_env(), capture_output=True, text=True, timeout=900,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeError(f"nemoml_bench failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return {p[1]: float(p[2]) for p in (ln.split() for ln in proc.stdout.splitlines())
            if p[:1] == ["TIME"]}


def _python_time(model, shape: tuple[int, ...], n: int) -> float:
    import torch

    x = np.random.default_rng(0).random(shape)
    y = np.empty(shape)
    best = float("inf")
    with torch.inference_mode():
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(n):
                torch.from_numpy(y).copy_(model(torch.from_numpy(x)))
            best = min(best, (time.perf_counter() - t0) / n)
    return best


def run(args) -> dict:
    import torch

    from nemoml.bridge.testmodels import write_all

    torch.set_num_threads(1)
    nrep = 200 if args.quick else 2000
    with tempfile.TemporaryDirectory(prefix="nemoml-bench-") as tmp:
        paths = write_all(Path(tmp))
        f1 = _fortran_times(Path(tmp), 1, nrep)
        f2 = _fortran_times(Path(tmp), 2, nrep)
        models = {name: torch.jit.load(str(paths[name])) for name in ("identity", "conv")}
    out: dict[str, float] = {}
    for name, model in models.items():
        for size, shape in SIZES.items():
            n = nrep if size == "1e3" else max(2, nrep // (200 if name == "identity" else 500))
            py = _python_time(model, shape, n)
            fo = f1[f"{name}_{size}"]
            out[f"us_fortran_{name}_{size}"] = fo * 1e6
            out[f"us_python_{name}_{size}"] = py * 1e6
            out[f"ratio_{name}_{size}"] = fo / py
    out["ratio_vs_python_1e6"] = out["ratio_identity_1e6"]
    out["ratio_vs_python_1e3"] = out["ratio_identity_1e3"]
    out["us_ping"] = f1["ping"] * 1e6
    # what the bridge adds to a call, whatever its size: Fortran round trip minus pure Python
    out["fixed_cost_us"] = max(0.0, out["us_fortran_identity_1e3"] - out["us_python_identity_1e3"])
    out["ms_global_forward_1e6_2ranks"] = f2["identity_global_1e6"] * 1e3
    out["ms_local_forward_half_1e6_2ranks"] = f2["identity_local_part_1e6"] * 1e3
    out["ms_gather_scatter_1e6_2ranks"] = (f2["identity_global_1e6"]
                                          - f2["identity_local_part_1e6"]) * 1e3
    return out
