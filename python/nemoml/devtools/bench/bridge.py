"""``nemoml bench bridge``: the cost of the bridge against the same forward in pure Python.

The two are timed in alternating batches (Fortran, Python, Python, Fortran, ...): the
``nemoml_bench`` host on one rank waits on its stdin before each of its batches, and the
pure-Python batches run here in between, so both see the same machine load and neither gains
from running first or last. Figures are medians over the batches; each ratio is the median of
the per-round ratios (paired). The Python denominator uses one torch thread as the host's ranks
do, and does what a Python caller must do each call: wrap numpy arrays, run the model, copy into
the output. The 2-rank figures (gather/scatter) come from a second host run, whose global and
local forwards alternate inside each batch.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from nemoml.base.paths import bindir
from nemoml.devtools.host import mpi_env, mpirun_command

SIZES = {"1e3": (10, 10, 10), "1e6": (100, 100, 100)}
TIMEOUT_S = 900


def _calls(name: str, size: str, nrep: int) -> int:
    """Calls per batch, as ``nemoml_bench`` makes them."""
    return nrep if size == "1e3" else max(2, nrep // (200 if name == "identity" else 500))


class _Host:
    """``nemoml_bench`` under mpirun, run one batch at a time (``sync`` mode on one rank)."""

    def __init__(self, modeldir: Path, ranks: int, nrep: int, nbatch: int, sync: bool):
        cmd = mpirun_command(ranks) + [str(bindir() / "nemoml_bench"), str(modeldir), str(nrep),
                                       str(nbatch)] + (["sync"] if sync else [])
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, env=mpi_env(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.log: list[str] = []
        self._watchdog = threading.Timer(TIMEOUT_S, self.proc.kill)
        self._watchdog.start()

    def batch(self, go: bool) -> dict[str, float]:
        """Times of one batch (name -> seconds per call, and ``span``: its start and end on the
        host's monotonic clock); ``go`` lets a waiting host start it."""
        if go:
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
        times: dict[str, float] = {}
        for line in self.proc.stdout:
            self.log.append(line)
            words = line.split()
            if words[:1] == ["TIME"]:
                times[words[1]] = float(words[2])
            elif words[:1] == ["BATCH"]:
                times["span"] = (float(words[2]), float(words[3]))
                return times
        self.close()
        raise RuntimeError(f"nemoml_bench stopped ({self.proc.returncode}):\n"
                           f"{''.join(self.log)}{self._err()}")

    def _err(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()

    def close(self) -> None:
        self._watchdog.cancel()
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()
        if self.proc.returncode != 0:
            raise RuntimeError(f"nemoml_bench failed ({self.proc.returncode}):\n"
                               f"{''.join(self.log)}{self._err()}")


def _python_batch(models: dict, nrep: int, rng) -> dict[str, float]:
    """Seconds per call of each model and size in pure Python (one batch)."""
    import torch

    out = {}
    with torch.inference_mode():
        for name, model in models.items():
            for size, shape in SIZES.items():
                x, y = rng.random(shape), np.empty(shape)
                n = _calls(name, size, nrep)
                t0 = time.perf_counter()
                for _ in range(n):
                    torch.from_numpy(y).copy_(model(torch.from_numpy(x)))
                out[f"{name}_{size}"] = (time.perf_counter() - t0) / n
    return out


def interleaved(modeldir: Path, models: dict, nrep: int, nbatch: int) -> list[dict]:
    """Rounds of (Fortran batch, Python batch) run in ABBA order on one rank.

    Returns one dict per round: ``{"fortran": {...}, "python": {...}, "fortran_first": bool,
    "spans": {"fortran": (t0, t1), "python": (t0, t1)}}``: when each batch ran, on the
    monotonic clock (the host's own for its batch).
    """
    host = _Host(modeldir, 1, nrep, nbatch, sync=True)
    rng = np.random.default_rng(0)
    rounds = []
    try:
        for b in range(nbatch):
            first = b % 2 == 0  # F P | P F | F P ...
            res, spans = {}, {}
            for side in ("fortran", "python") if first else ("python", "fortran"):
                if side == "fortran":
                    res[side] = host.batch(go=True)
                    spans[side] = res[side].pop("span")
                else:
                    t0 = time.monotonic()
                    res[side] = _python_batch(models, nrep, rng)
                    spans[side] = (t0, time.monotonic())
            rounds.append({**res, "fortran_first": first, "spans": spans})
    finally:
        host.close()
    return rounds


def _median(values) -> float:
    return float(statistics.median(values))


def run(args) -> dict:
    import torch

    from nemoml.devtools.testmodels import write_all

    torch.set_num_threads(1)
    nrep = 200 if args.quick else 2000
    nbatch = 4 if args.quick else 8
    with tempfile.TemporaryDirectory(prefix="nemoml-bench-") as tmp:
        paths = write_all(Path(tmp))
        models = {name: torch.jit.load(str(paths[name])) for name in ("identity", "conv")}
        rounds = interleaved(Path(tmp), models, nrep, nbatch)
        two = _Host(Path(tmp), 2, nrep, nbatch, sync=False)
        f2 = [two.batch(go=False) for _ in range(nbatch)]
        two.close()
    out: dict[str, float] = {"n_rounds": nbatch}
    for name in models:
        for size in SIZES:
            key = f"{name}_{size}"
            out[f"us_fortran_{key}"] = _median(r["fortran"][key] for r in rounds) * 1e6
            out[f"us_python_{key}"] = _median(r["python"][key] for r in rounds) * 1e6
            out[f"ratio_{key}"] = _median(r["fortran"][key] / r["python"][key] for r in rounds)
    out["ratio_vs_python_1e6"] = out["ratio_identity_1e6"]
    out["ratio_vs_python_1e3"] = out["ratio_identity_1e3"]
    out["us_ping"] = _median(r["fortran"]["ping"] for r in rounds) * 1e6
    # what the bridge adds to a call, whatever its size: Fortran round trip minus pure Python
    out["fixed_cost_us"] = _median(r["fortran"]["identity_1e3"] - r["python"]["identity_1e3"]
                                   for r in rounds) * 1e6
    glob = [b["identity_global_1e6"] for b in f2]
    part = [b["identity_local_part_1e6"] for b in f2]
    out["ms_global_forward_1e6_2ranks"] = _median(glob) * 1e3
    out["ms_local_forward_half_1e6_2ranks"] = _median(part) * 1e3
    out["ms_gather_scatter_1e6_2ranks"] = _median(g - p for g, p in zip(glob, part,
                                                                        strict=True)) * 1e3
    return out
