"""``nemoml bench io``: how fast the NEMO data layer reads and writes GYRE data.

Target: reading the whole ``gyre/`` database (310 states) into training arrays takes a few
seconds (``seconds_load_gyre``). Ratios compare with reading the compressed source directly.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import netCDF4
import numpy as np

from nemoml.base.paths import shared_data

SHARED_GYRE = shared_data("gyre")


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _read_raw(path: Path) -> None:
    with netCDF4.Dataset(path) as ds:
        for name in ("thetao", "so", "uo", "vo", "zos"):
            np.asarray(ds.variables[name][:])


def run(args) -> dict:
    from nemoml.base.packaged import gyre
    from nemoml.grid import Grid
    from nemoml.io import (
        build_database,
        join_ranks,
        load_database,
        read_restart,
        split_ranks,
        write_restart,
    )

    repeat = 1 if getattr(args, "quick", False) else 3
    full = (SHARED_GYRE / "gyre_states.nc").is_file()
    states = SHARED_GYRE / "gyre_states.nc" if full else gyre("gyre_states_sample.nc")
    mesh = gyre("mesh_mask.nc")
    restart = gyre("example_restart.nc")
    grid = Grid.from_mesh_mask(mesh)
    out: dict = {"data": "shared gyre_states.nc" if full else "embedded 6-state sample"}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db_path = tmp / "db.nc"
        out["seconds_build_gyre"] = _best(lambda: build_database(states, db_path, grid), repeat)
        db = load_database(db_path)
        out["seconds_load_gyre"] = _best(lambda: load_database(db_path), repeat)
        out["seconds_read_raw_gyre_states"] = _best(lambda: _read_raw(states), repeat)
        out["states_loaded"] = int(len(db.times))
        out["megabytes_loaded"] = sum(a.nbytes for a in db.arrays.values()) / 1e6
        out["speedup_load_vs_raw_read"] = (out["seconds_read_raw_gyre_states"]
                                           / out["seconds_load_gyre"])
        state = read_restart(restart, grid)
        out["seconds_read_restart"] = _best(lambda: read_restart(restart, grid), repeat)
        out["seconds_write_restart_template"] = _best(
            lambda: write_restart(tmp / "r.nc", state, grid, template=restart), repeat)
        out["seconds_split_join_3x2"] = _best(
            lambda: join_ranks(split_ranks(restart, tmp / "rank", 3, 2)[0], tmp / "j.nc"),
            repeat)
    return out
