"""The state kept between calls: communicator, decomposition, masks, models, settings."""

from __future__ import annotations

import numpy as np

from nemoml.bridge.comm import Agreement
from nemoml.bridge.exchange import Exchange
from nemoml.bridge.fields import Field, check_shape
from nemoml.bridge.registry import Registry
from nemoml.bridge.settings import Settings
from nemoml.grid.decomp import Subdomain

GRID_KEYS = ("jpi", "jpj", "jpk", "ni0glo", "nj0glo", "nimpp", "njmpp", "nn_hls",
             "nis0", "nie0", "njs0", "nje0")


def subdomain_from_grid(g: dict[str, int], rank: int) -> Subdomain:
    """Check the host's grid description is self-consistent and NEMO-like."""
    h = g["nn_hls"]
    if h < 0 or g["jpk"] < 1 or g["jpi"] <= 2 * h or g["jpj"] <= 2 * h:
        raise ValueError(f"grid: bad sizes jpi={g['jpi']} jpj={g['jpj']} jpk={g['jpk']} "
                         f"nn_hls={h}")
    expect = {"nis0": 1 + h, "nie0": g["jpi"] - h, "njs0": 1 + h, "nje0": g["jpj"] - h}
    for key, value in expect.items():
        if g[key] != value:
            raise ValueError(f"grid: {key}={g[key]} but jpi/jpj/nn_hls imply {value}")
    s = Subdomain(rank, g["jpi"], g["jpj"], g["nimpp"], g["njmpp"], h)
    if not (1 <= s.nimpp and s.nimpp + s.ni_0 - 1 <= g["ni0glo"]
            and 1 <= s.njmpp and s.njmpp + s.nj_0 - 1 <= g["nj0glo"]):
        raise ValueError(f"grid: inner domain at nimpp={s.nimpp}, njmpp={s.njmpp} of size "
                         f"{s.ni_0}x{s.nj_0} leaves the global {g['ni0glo']}x{g['nj0glo']} grid")
    return s


def check_tiling(subs: list[Subdomain], ni0glo: int, nj0glo: int) -> int:
    """Inner domains must not overlap; returns the number of points no rank covers.

    Those are the land-only subdomains NEMO removed (``jpni = jpnj = 0``): land for the bridge.
    """
    cover = np.zeros((nj0glo, ni0glo), dtype=np.int32)
    for s in subs:
        cover[s.inner_global()] += 1
    if (cover > 1).any():
        j, i = np.argwhere(cover > 1)[0]
        raise ValueError(f"grid: the ranks' inner domains overlap: point (i={i + 1}, "
                         f"j={j + 1}) is covered {cover[j, i]} times")
    return int((cover == 0).sum())


class Session:
    def __init__(self, comm, settings: Settings, grid: dict[str, int], subs: list[Subdomain]):
        self.comm = comm
        self.settings = settings
        self.grid = grid
        self.subs = subs
        self.rank = comm.Get_rank()
        self.me = subs[self.rank]
        self.exchange = Exchange(comm, subs, grid["ni0glo"], grid["nj0glo"])
        self.registry = Registry()
        self.masks: dict[str, np.ndarray] = {}  # local (jpk, jpj, jpi) bool copies
        self.global_masks: dict[str, np.ndarray] = {}  # root only, (jpk, Nj0glo, Ni0glo)
        self.depths: dict[str, np.ndarray] = {}  # 1-D per-level arrays
        self.surface: dict[str, np.ndarray] = {}  # local (jpj, jpi) copies: glamt, gphit, e1t...
        self.global_surface: dict[str, np.ndarray] = {}  # root only, (Nj0glo, Ni0glo)
        self.agreement = Agreement(comm, "")
        self.cache: dict[str, object] = {}  # handler state loaded at init (e.g. the generator)

    @property
    def shape3d(self) -> tuple[int, int, int]:
        return self.grid["jpk"], self.grid["jpj"], self.grid["jpi"]

    @property
    def offset(self) -> tuple[int, int]:
        """Add to local 0-based (j, i) to get global 1-based indices."""
        return self.me.njmpp - self.me.nn_hls, self.me.nimpp - self.me.nn_hls

    def agree(self, what: str) -> Agreement:
        self.agreement.what = what
        self.agreement.error = None
        return self.agreement

    def set_static(self, fields: dict[str, Field]) -> None:
        """Keep copies of masks, 1-D depths and 2-D surface fields passed at init (views die
        with the call)."""
        if "tmask" not in fields:
            raise ValueError("nemoml_init needs the tmask field")
        for name, f in fields.items():
            if name.endswith("mask"):
                check_shape(f, self.shape3d)
                values = np.unique(f.array)
                if not np.isin(values, (0, 1)).all():
                    raise ValueError(f"field {name}: a mask must hold only 0 and 1, found "
                                     f"{values[~np.isin(values, (0, 1))][:5]}")
                self.masks[name] = f.array.astype(bool)
            elif f.array.ndim == 1:
                if f.array.shape != (self.grid["jpk"],):
                    raise ValueError(f"field {name}: {f.array.size} levels, the grid has "
                                     f"jpk={self.grid['jpk']}")
                self.depths[name] = f.array.astype(np.float64)
            elif f.array.ndim == 2:
                check_shape(f, self.shape3d[1:])
                self.surface[name] = f.array.astype(np.float64)
            else:
                raise ValueError(f"field {name}: not a mask (*mask), a 1-D depth array or a 2-D "
                                 f"surface field")
        for name in ("umask", "vmask"):
            self.masks.setdefault(name, self.masks["tmask"])

    def gather_static(self, ag: Agreement) -> None:
        """Masks and surface fields as global arrays on the root, for the handlers (points of
        removed land-only subdomains are land)."""
        for name, m in self.masks.items():
            full = self.exchange.gather(m.view(np.uint8), ag=ag)
            if full is not None:
                self.global_masks[name] = full.view(bool)
        for name, a in self.surface.items():
            full = self.exchange.gather(a, ag=ag)
            if full is not None:
                self.global_surface[name] = full

    def mask_for(self, f: Field) -> np.ndarray:
        m = self.masks["umask" if f.cgrid == "U" else "vmask" if f.cgrid == "V" else "tmask"]
        return m if f.array.ndim == 3 else m[0]

    def global_mask_for(self, cgrid: str, ndim: int) -> np.ndarray:
        m = self.global_masks["umask" if cgrid == "U" else "vmask" if cgrid == "V" else "tmask"]
        return m if ndim == 3 else m[0]
