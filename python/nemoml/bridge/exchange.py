"""Gather inner domains into the global field on one rank; scatter results back.

Halos are excluded on the way in. On the way back every local point whose global index lies
inside the domain is written, so inner points and interior halos are refilled from the same
global field (the host's lbc_lnk then handles periodicity and the north fold).
"""

from __future__ import annotations

import numpy as np

from nemoml.grid.decomp import Subdomain

ROOT = 0


class Exchange:
    def __init__(self, comm, subs: list[Subdomain], ni0glo: int, nj0glo: int):
        self.comm = comm
        self.subs = subs
        self.shape2d = (nj0glo, ni0glo)
        self.rank = comm.Get_rank() if comm is not None else 0
        self.me = subs[self.rank]

    @property
    def is_root(self) -> bool:
        return self.rank == ROOT

    def gather(self, local: np.ndarray) -> np.ndarray | None:
        """(…, jpj, jpi) on every rank -> (…, Nj0glo, Ni0glo) float64 on the root, else None."""
        lead = local.shape[:-2]
        mine = np.ascontiguousarray(local[(..., *self.me.inner_local())])
        if self.comm is None or len(self.subs) == 1:
            return mine.astype(np.float64, copy=True).reshape(*lead, *self.shape2d)
        nlead = int(np.prod(lead, dtype=np.int64))
        counts = [nlead * s.ni_0 * s.nj_0 for s in self.subs]
        recv = np.empty(sum(counts), dtype=local.dtype) if self.is_root else None
        self.comm.Gatherv(mine, (recv, counts) if self.is_root else None, root=ROOT)
        if not self.is_root:
            return None
        out = np.empty((*lead, *self.shape2d), dtype=np.float64)
        pos = 0
        for s, n in zip(self.subs, counts, strict=True):
            out[(..., *s.inner_global())] = recv[pos:pos + n].reshape(*lead, s.nj_0, s.ni_0)
            pos += n
        return out

    def scatter(self, full: np.ndarray | None, local: np.ndarray) -> None:
        """Write the root's (…, Nj0glo, Ni0glo) field into every rank's (…, jpj, jpi) array."""
        lead = local.shape[:-2]
        loc, glo = self.me.window(self.shape2d[1], self.shape2d[0])
        if self.comm is None or len(self.subs) == 1:
            local[(..., *loc)] = full[(..., *glo)]
            return
        windows = [s.window(self.shape2d[1], self.shape2d[0]) for s in self.subs]
        nlead = int(np.prod(lead, dtype=np.int64))
        counts = [nlead * (g[0].stop - g[0].start) * (g[1].stop - g[1].start) for _, g in windows]
        send = None
        if self.is_root:
            if full.shape != (*lead, *self.shape2d):
                raise ValueError(f"result shape {full.shape} is not {(*lead, *self.shape2d)}")
            send = np.concatenate([np.ascontiguousarray(full[(..., *g)], dtype=local.dtype)
                                   .ravel() for _, g in windows])
        recv = np.empty(counts[self.rank], dtype=local.dtype)
        self.comm.Scatterv((send, counts) if self.is_root else None, recv, root=ROOT)
        nj, ni = glo[0].stop - glo[0].start, glo[1].stop - glo[1].start
        local[(..., *loc)] = recv.reshape(*lead, nj, ni)
