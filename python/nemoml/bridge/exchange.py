"""Gather inner domains into the global field on one rank; scatter results back.

Halos are excluded on the way in. On the way back every local point whose global index lies
inside the domain is written, so inner points and interior halos are refilled from the same
global field (the host's lbc_lnk then handles periodicity and the north fold). Points of
land-only subdomains the host removed belong to no rank: they are 0 (land) in gathered fields.

Memory on the root: the global field in the requested dtype, plus one message buffer of at most
``1/CHUNKS`` of it (levels are sent in chunks). Every buffer is allocated before the collective
starts and the allocation is agreed (:class:`~nemoml.bridge.comm.Agreement`): a rank that cannot
allocate stops every rank with its message, nobody waits in a collective.
"""

from __future__ import annotations

import os

import numpy as np

from nemoml.bridge.comm import Agreement
from nemoml.grid.decomp import Subdomain

ROOT = 0
CHUNKS = 8  # a field's levels travel in up to this many messages
FAULT_ENV = "NEMOML_TEST_FAULT"  # tests only: "alloc_gather" / "alloc_scatter" fail the root's


class _Unprintable(Exception):
    """Test fault: an exception whose message itself raises when read."""

    def __str__(self) -> str:
        raise RuntimeError("this message cannot be read")


def _fault(kind: str, nbytes: int, what: str) -> BaseException:
    """The test fault's exception: ``alloc_<what>`` fails as memory would; ``:empty`` with a
    bare ``MemoryError()``, ``:interrupt`` / ``:exit`` with BaseExceptions, ``:unprintable``
    with an exception whose message cannot be read (the failure agreement must survive all)."""
    if kind == "empty":
        return MemoryError()
    if kind == "interrupt":
        return KeyboardInterrupt()
    if kind == "exit":
        return SystemExit(3)
    if kind == "unprintable":
        return _Unprintable()
    return MemoryError(f"cannot allocate {nbytes} bytes for the {what} ({FAULT_ENV})")


def allocate(shape: tuple[int, ...], dtype, what: str, zero: bool = False) -> np.ndarray:
    """``np.empty``/``np.zeros``; the test fault ``alloc_<what>[:kind]`` makes it fail."""
    fault, _, kind = os.environ.get(FAULT_ENV, "").partition(":")
    if fault == f"alloc_{what}":
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        raise _fault(kind, nbytes, what)
    return np.zeros(shape, dtype) if zero else np.empty(shape, dtype)


def _levels_per_chunk(nlev: int) -> int:
    return max(1, -(-nlev // CHUNKS))


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

    @property
    def serial(self) -> bool:
        return self.comm is None or self.comm.Get_size() == 1

    def _agreement(self, ag: Agreement | None, what: str) -> Agreement:
        return ag if ag is not None else Agreement(None if self.serial else self.comm, what)

    def _check_local(self, local: np.ndarray) -> None:
        """This rank's array must be (…, jpj, jpi) of its subdomain, or the windows cut from it
        would be short (a failure on this rank alone, inside the collective)."""
        if local.shape[-2:] != (self.me.jpj, self.me.jpi):
            raise ValueError(f"shape {local.shape[::-1]} (Fortran order) does not end in this "
                             f"rank's (jpi, jpj) = ({self.me.jpi}, {self.me.jpj})")

    def gather(self, local: np.ndarray, dtype=None, ag: Agreement | None = None
               ) -> np.ndarray | None:
        """Collective: (…, jpj, jpi) on every rank -> (…, Nj0glo, Ni0glo) on the root, else None.

        ``dtype`` is the global field's (default the local one); allocations are agreed in
        ``ag`` (its ``check`` raises the same error on every rank).
        """
        ag = self._agreement(ag, "gather")
        dtype = np.dtype(dtype or local.dtype)
        lead = local.shape[:-2]
        nlev = int(np.prod(lead, dtype=np.int64))
        step = _levels_per_chunk(nlev)
        out = recv = send = None
        ag.run(self._check_local, local)
        if self.is_root:
            out = ag.run(allocate, (*lead, *self.shape2d), dtype, "gather", True)
        if not self.serial:
            me = self.me
            send = ag.run(allocate, (step * me.nj_0 * me.ni_0,), local.dtype, "send")
            if self.is_root:
                total = step * sum(s.ni_0 * s.nj_0 for s in self.subs)
                recv = ag.run(allocate, (total,), local.dtype, "buffer")
        ag.check([("levels of the gathered field", lead)])  # the messages' sizes
        src = _flat(local, nlev)
        dst = _flat(out, nlev) if self.is_root else None
        for k0 in range(0, nlev, step):
            k1 = min(nlev, k0 + step)
            if self.serial:
                dst[(slice(k0, k1), *self.me.inner_global())] = src[(slice(k0, k1),
                                                                     *self.me.inner_local())]
                continue
            self._gather_chunk(src[k0:k1], dst[k0:k1] if dst is not None else None, send, recv)
        return out

    def _gather_chunk(self, src, dst, send, recv) -> None:
        n = src.shape[0]
        mine = send[:n * self.me.nj_0 * self.me.ni_0].reshape(n, self.me.nj_0, self.me.ni_0)
        mine[...] = src[(..., *self.me.inner_local())]
        counts = [n * s.ni_0 * s.nj_0 for s in self.subs]
        self.comm.Gatherv(mine, (recv[:sum(counts)], counts) if self.is_root else None,
                          root=ROOT)
        if not self.is_root:
            return
        pos = 0
        for s, c in zip(self.subs, counts, strict=True):
            dst[(..., *s.inner_global())] = recv[pos:pos + c].reshape(n, s.nj_0, s.ni_0)
            pos += c

    def scatter(self, full: np.ndarray | None, local: np.ndarray,
                ag: Agreement | None = None) -> None:
        """Collective: write the root's (…, Nj0glo, Ni0glo) field into every rank's
        (…, jpj, jpi) array, cast to the local dtype."""
        ag = self._agreement(ag, "scatter")
        lead = local.shape[:-2]
        nlev = int(np.prod(lead, dtype=np.int64))
        step = _levels_per_chunk(nlev)
        ni0, nj0 = self.shape2d[1], self.shape2d[0]
        windows = [s.window(ni0, nj0) for s in self.subs]
        sizes = [(g[0].stop - g[0].start) * (g[1].stop - g[1].start) for _, g in windows]
        send = recv = None
        ag.run(self._check_local, local)
        if self.is_root:
            ag.run(_check_full, full, (*lead, *self.shape2d))
        if not self.serial:
            if self.is_root:
                send = ag.run(allocate, (step * sum(sizes),), local.dtype, "scatter")
            recv = ag.run(allocate, (step * sizes[self.rank],), local.dtype, "receive")
        ag.check([("levels of the scattered field", lead)])
        loc, glo = windows[self.rank]
        dst = _flat(local, nlev)
        src = _flat(full, nlev) if self.is_root else None
        for k0 in range(0, nlev, step):
            k1 = min(nlev, k0 + step)
            if self.serial:
                dst[(slice(k0, k1), *loc)] = src[(slice(k0, k1), *glo)]
                continue
            n = k1 - k0
            counts = [n * c for c in sizes]
            if self.is_root:
                pos = 0
                for (_, g), c in zip(windows, counts, strict=True):
                    part = send[pos:pos + c].reshape(n, g[0].stop - g[0].start,
                                                     g[1].stop - g[1].start)
                    part[...] = src[(slice(k0, k1), *g)]
                    pos += c
            mine = recv[:counts[self.rank]]
            self.comm.Scatterv((send[:sum(counts)], counts) if self.is_root else None, mine,
                               root=ROOT)
            dst[(slice(k0, k1), *loc)] = mine.reshape(n, glo[0].stop - glo[0].start,
                                                      glo[1].stop - glo[1].start)


def _flat(a: np.ndarray, nlev: int) -> np.ndarray:
    """(…, nj, ni) as (nlev, nj, ni), always a view (raises rather than copy)."""
    v = a.view()
    v.shape = (nlev, *a.shape[-2:])
    return v


def _check_full(full: np.ndarray | None, shape: tuple[int, ...]) -> None:
    if full is None or full.shape != shape:
        got = None if full is None else full.shape
        raise ValueError(f"result shape {got} is not {shape}")
