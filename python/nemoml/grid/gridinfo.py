"""The few mesh-mask fields the generator and the report card need, in (z, y, x) order."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class GridInfo:
    """Masks (z, y, x) as bool, 1-D vertical grid, T-cell area and latitude (y, x); ``e3t_0``
    (z, y, x) where the mesh mask has 3-D thicknesses (partial steps), else ``None``."""

    tmask: np.ndarray
    umask: np.ndarray
    vmask: np.ndarray
    gdept: np.ndarray
    gdepw: np.ndarray
    e3t: np.ndarray
    e3w: np.ndarray
    area: np.ndarray
    lat: np.ndarray
    e3t_0: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.tmask.shape)

    def thickness(self) -> np.ndarray:
        """(z, y, x) T-cell thickness: ``e3t_0``, else ``e3t`` on every column."""
        if self.e3t_0 is not None:
            return self.e3t_0
        return np.broadcast_to(self.e3t[:, None, None], self.shape)

    def level_area(self, levels=None) -> np.ndarray:
        """(L, y, x) weights of volume-weighted level means on ``levels`` (default all): the
        area times the cell's thickness over the level's, exactly the area where ``e3t_0``
        is the 1-D ``e3t`` (full cells)."""
        levels = list(range(self.shape[0])) if levels is None else list(levels)
        ratio = self.thickness()[levels] / self.e3t[levels][:, None, None]
        return self.area[None] * ratio

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
        e3t_0 = None  # kept only where it is not the 1-D e3t (partial steps, s-levels)
        if g.e3t is not None and not np.array_equal(g.e3t, np.broadcast_to(
                g.e3t_1d[:, None, None], g.shape)):
            e3t_0 = g.e3t
        return cls(tmask=g.tmask, umask=g.umask, vmask=g.vmask, gdept=g.gdept_1d,
                   gdepw=g.gdepw_1d, e3t=g.e3t_1d, e3w=g.e3w_1d, area=g.e1t * g.e2t, lat=g.gphit,
                   e3t_0=e3t_0)

    # -- self-contained serialisation for the exported model's metadata --------------------
    def to_json(self) -> dict:
        def packed(mask: np.ndarray) -> str:
            return base64.b64encode(np.packbits(mask.ravel())).decode()

        def floats(arr: np.ndarray) -> str:
            return base64.b64encode(np.ascontiguousarray(arr, "<f8").tobytes()).decode()

        extra = {} if self.e3t_0 is None else {
            "e3t_0": base64.b64encode(np.ascontiguousarray(self.e3t_0, "<f8").tobytes()).decode()}
        return {
            **extra,
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

        e3t_0 = None
        if "e3t_0" in d:
            e3t_0 = np.frombuffer(base64.b64decode(d["e3t_0"]), "<f8").reshape(shape).copy()
        return cls(
            tmask=mask("tmask"), umask=mask("umask"), vmask=mask("vmask"),
            gdept=np.array(d["gdept"]), gdepw=np.array(d["gdepw"]),
            e3t=np.array(d["e3t"]), e3w=np.array(d["e3w"]),
            area=floats("area"), lat=floats("lat"), e3t_0=e3t_0,
        )
