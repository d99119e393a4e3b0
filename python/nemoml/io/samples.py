"""Paths of the small data samples shipped inside the package (``nemoml/data``)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


def gyre(name: str) -> Path:
    """Path of an embedded GYRE sample: ``mesh_mask.nc``, ``example_restart.nc`` or
    ``gyre_states_sample.nc`` (see ``nemoml/data/gyre/README.md``)."""
    path = DATA / "gyre" / name
    if not path.is_file():
        have = sorted(p.name for p in (DATA / "gyre").glob("*.nc"))
        raise FileNotFoundError(f"no embedded GYRE sample {name!r}; have {have}")
    return path
