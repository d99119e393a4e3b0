"""The few mesh-mask fields the generator and the report card need, in (z, y, x) order."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class GridInfo:
    """Masks (z, y, x) as bool, 1-D vertical grid, T-cell area and latitude (y, x)."""

    tmask: np.ndarray
    umask: np.ndarray
    vmask: np.ndarray
    gdept: np.ndarray
    gdepw: np.ndarray
    e3t: np.ndarray
    e3w: np.ndarray
    area: np.ndarray
    lat: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.tmask.shape)

    @classmethod
    def from_mesh_mask(cls, path) -> GridInfo:
        """Read a NEMO ``mesh_mask.nc`` through ``nemoml.grid``; bad files raise naming them."""
        from nemoml.grid import Grid

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"mesh mask not found: {path}")
        g = Grid.from_mesh_mask(path)
        for name in ("gdepw_1d", "e3w_1d", "e1t", "e2t", "gphit"):
            if getattr(g, name) is None:
                raise KeyError(f"{path}: mesh mask has no variable {name!r}")
        return cls(tmask=g.tmask, umask=g.umask, vmask=g.vmask, gdept=g.gdept_1d,
                   gdepw=g.gdepw_1d, e3t=g.e3t_1d, e3w=g.e3w_1d, area=g.e1t * g.e2t, lat=g.gphit)

    # -- self-contained serialisation for the exported model's metadata --------------------
    def to_json(self) -> dict:
        def packed(mask: np.ndarray) -> str:
            return base64.b64encode(np.packbits(mask.ravel())).decode()

        def floats(arr: np.ndarray) -> str:
            return base64.b64encode(np.ascontiguousarray(arr, "<f8").tobytes()).decode()

        return {
            "shape": list(self.shape),
            "tmask": packed(self.tmask), "umask": packed(self.umask),
            "vmask": packed(self.vmask),
            "gdept": self.gdept.tolist(), "gdepw": self.gdepw.tolist(),
            "e3t": self.e3t.tolist(), "e3w": self.e3w.tolist(),
            "area": floats(self.area), "lat": floats(self.lat),
        }

    @classmethod
    def from_json(cls, d: dict) -> GridInfo:
        shape = tuple(d["shape"])
        n = int(np.prod(shape))

        def mask(key: str) -> np.ndarray:
            bits = np.frombuffer(base64.b64decode(d[key]), np.uint8)
            return np.unpackbits(bits)[:n].reshape(shape).astype(bool)

        def floats(key: str) -> np.ndarray:
            return np.frombuffer(base64.b64decode(d[key]), "<f8").reshape(shape[1:]).copy()

        return cls(
            tmask=mask("tmask"), umask=mask("umask"), vmask=mask("vmask"),
            gdept=np.array(d["gdept"]), gdepw=np.array(d["gdepw"]),
            e3t=np.array(d["e3t"]), e3w=np.array(d["e3w"]),
            area=floats("area"), lat=floats("lat"),
        )
