"""What the package carries (``nemoml/data``): the packaged models and the small samples.

Every path to a packaged file is defined here once; benches, tests, the demo and the CLI
import it from here.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
GENERATOR = DATA / "generator"  # the GYRE generator (C1, C2, T-S, stability), exported dir
QG_SOLVER = DATA / "qg" / "4dvarnet_qg64.pt"  # the QG altimetry 4DVarNet (64 x 64)
QG_SAMPLE = DATA / "qg" / "qg_sample.nc"  # daily QG SSH, days 1095-1214 at 64 x 64
GYRE_SOLVER = DATA / "gyre" / "4dvarnet3d"  # the 3D GYRE 4DVarNet (T, S, SSH), exported dir
CYCLE_SAMPLE = DATA / "gyre" / "cycle_sample.nc"  # the replay case's truth, runs and ensemble


def gyre(name: str) -> Path:
    """Path of an embedded GYRE sample: ``mesh_mask.nc``, ``example_restart.nc`` or
    ``gyre_states_sample.nc`` (see ``nemoml/data/gyre/README.md``)."""
    path = DATA / "gyre" / name
    if not path.is_file():
        have = sorted(p.name for p in (DATA / "gyre").glob("*.nc"))
        raise FileNotFoundError(f"no embedded GYRE sample {name!r}; have {have}")
    return path
