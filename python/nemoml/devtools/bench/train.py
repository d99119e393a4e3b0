"""``nemoml bench train``: peak resident memory of ``nemoml train-generator`` at GYRE size and on
a grid about 10x GYRE's.

The larger grid is GYRE's mesh mask and states resampled to 100 x 72 (nearest neighbour, 31
levels: 10.2x GYRE's horizontal points), written as float32 netCDF like NEMO's output. Each run
is its own ``train-generator`` process (a few steps, one thread, no ``.pt2``), its peak
resident set size read from ``getrusage`` of a wrapper that runs nothing else; the peak before
the report card of the training states (the run's last step) from the generator's metadata.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nemoml.base.packaged import gyre

BIG = (72, 100)  # (ny, nx) of the 10x grid
N_STATES = 120
STEPS = 20
QUICK = {"states": 24, "steps": 3, "big": (44, 64)}
# the child's peak RSS in kB (Linux ru_maxrss); the wrapper imports nothing heavy itself
WRAPPER = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
           "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
           "sys.exit(rc)")


def _database(quick: bool) -> Path:
    """The GYRE spin-up states (shared data), else the packaged sample of them."""
    from nemoml.assimilate.gyre.twin import SPINUP

    return SPINUP if SPINUP.is_file() and not quick else gyre("gyre_states_sample.nc")


def _resample(a: np.ndarray, jj: np.ndarray, ii: np.ndarray) -> np.ndarray:
    return a[..., jj[:, None], ii[None, :]]


def write_resampled(mesh: Path, db: Path, out: Path, shape: tuple[int, int], n: int) -> tuple:
    """GYRE's mesh mask and ``n`` of its states on a (ny, nx) grid; returns the two paths."""
    import netCDF4

    ny, nx = shape
    with netCDF4.Dataset(mesh) as src:
        jj = np.arange(ny) * src.dimensions["y"].size // ny
        ii = np.arange(nx) * src.dimensions["x"].size // nx
        scale = {"e1": src.dimensions["x"].size / nx, "e2": src.dimensions["y"].size / ny}
        with netCDF4.Dataset(out / "mesh_mask.nc", "w") as dst:
            for name, dim in src.dimensions.items():
                size = {"y": ny, "x": nx}.get(name, None if dim.isunlimited() else dim.size)
                dst.createDimension(name, size)
            for name, v in src.variables.items():
                w = dst.createVariable(name, v.dtype, v.dimensions)
                a = np.asarray(v[:])
                if v.dimensions[-2:] == ("y", "x"):
                    a = _resample(a, jj, ii) * scale.get(name[:2], 1.0)
                w[:] = a
    with netCDF4.Dataset(db) as src, netCDF4.Dataset(out / "states.nc", "w") as dst:
        dst.createDimension("time", n)
        dst.createDimension("z", src["thetao"].shape[1])
        dst.createDimension("y", ny)
        dst.createDimension("x", nx)
        dst.createVariable("time", "f8", ("time",))[:] = np.asarray(src["time"][:n])
        for name in ("thetao", "so", "zos"):
            dims = ("time", "y", "x") if name == "zos" else ("time", "z", "y", "x")
            w = dst.createVariable(name, "f4", dims)
            for i in range(n):  # one state at a time: the bench's own memory stays small
                w[i] = _resample(np.asarray(src[name][i], np.float32), jj, ii)
    return out / "mesh_mask.nc", out / "states.nc"


def train_peak(db: Path, mesh: Path, out: Path, steps: int, extra=()) -> dict:
    """One ``train-generator`` process: its peak RSS (GB) and wall seconds."""
    cmd = [sys.executable, "-c", WRAPPER, sys.executable, "-c",
           "import sys; from nemoml.cli import main; sys.exit(main())", "train-generator",
           "--database", str(db), "--mesh-mask", str(mesh), "--out", str(out),
           "--steps", str(steps), "--batch", "16", "--threads", "1", "--no-pt2",
           "--no-progress", *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"train-generator failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    peak = next(int(ln.split()[1]) for ln in proc.stdout.splitlines()
                if ln.startswith("PEAK_KB"))
    return {"peak_rss_gb": round(peak / 1e6, 3), "seconds": round(seconds, 1)}


def _states_gb(db: Path) -> float:
    import netCDF4

    with netCDF4.Dataset(db) as ds:
        return sum(4 * ds[v].size for v in ("thetao", "so", "zos")) / 1e9


def run(args) -> dict:
    steps = QUICK["steps"] if args.quick else STEPS
    n = QUICK["states"] if args.quick else N_STATES
    big = QUICK["big"] if args.quick else BIG
    db = _database(args.quick)
    n = min(n, _n_states(db))
    result = {"steps": steps, "batch": 16, "threads": 1, "gyre_database": db.name}
    with tempfile.TemporaryDirectory(prefix="nemoml-bench-train-") as tmp:
        work = Path(tmp)
        g = train_peak(db, gyre("mesh_mask.nc"), work / "gyre", steps)
        mesh, states = write_resampled(gyre("mesh_mask.nc"), db, work, big, n)
        b = train_peak(states, mesh, work / "big", steps)
        training = {k: json.loads((work / k / "generator.json").read_text())["training"]
                    for k in ("gyre", "big")}
        result.update({
            "gyre_states": _n_states(db),
            "gyre_peak_rss_gb": g["peak_rss_gb"], "gyre_seconds": g["seconds"],
            "gyre_peak_rss_gb_before_reference_card":
                training["gyre"]["peak_rss_gb_before_reference_card"],
            "big_grid": f"{big[1]}x{big[0]}x31", "big_states": n,
            "big_over_gyre_points": round(big[0] * big[1] / (32 * 22), 2),
            "big_states_gb_float32": round(_states_gb(states), 3),
            "big_peak_rss_gb": b["peak_rss_gb"], "big_seconds": b["seconds"],
            "big_peak_rss_gb_before_reference_card":
                training["big"]["peak_rss_gb_before_reference_card"],
            "big_train_states": training["big"]["n_train_states"],
        })
    return result


def _n_states(db: Path) -> int:
    import netCDF4

    with netCDF4.Dataset(db) as ds:
        return int(ds["thetao"].shape[0])
