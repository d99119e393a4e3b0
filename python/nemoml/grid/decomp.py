"""NEMO's MPI domain decomposition (mppini.F90), the Python side.

The Fortran twin is ``fortran/nemoml_decomp.F90``; tests check both agree. Conventions as in
NEMO 4.2/5.0: indices are 1-based, ``jpiglo = Ni0glo + 2*nn_hls``, a rank's local array has
``jpi`` points of which ``Nis0..Nie0`` are inner, and the first inner point is global (no-halo)
index ``nimpp``.

Land-only subdomains are removed as NEMO does with ``jpni = jpnj = 0``: among the ``jpni x jpnj``
splits whose number of subdomains with at least one ocean point (surface ``tmask``, inner points)
equals the number of ranks, the one with the smallest subdomains is taken, and ranks are
numbered over the ocean subdomains, i fastest. Points of a removed subdomain are land.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

LAND_SEARCH = 4  # splits into up to LAND_SEARCH * nproc subdomains are tried


@dataclass(frozen=True)
class Subdomain:
    """One rank's window on the global grid (1-based, as NEMO's variables)."""

    rank: int
    jpi: int
    jpj: int
    nimpp: int
    njmpp: int
    nn_hls: int

    @property
    def ni_0(self) -> int:
        return self.jpi - 2 * self.nn_hls

    @property
    def nj_0(self) -> int:
        return self.jpj - 2 * self.nn_hls

    @property
    def nis0(self) -> int:
        return 1 + self.nn_hls

    @property
    def nie0(self) -> int:
        return self.jpi - self.nn_hls

    @property
    def njs0(self) -> int:
        return 1 + self.nn_hls

    @property
    def nje0(self) -> int:
        return self.jpj - self.nn_hls

    def inner_local(self) -> tuple[slice, slice]:
        """(j, i) slices of the inner domain in a local (…, jpj, jpi) array."""
        h = self.nn_hls
        return slice(h, h + self.nj_0), slice(h, h + self.ni_0)

    def inner_global(self) -> tuple[slice, slice]:
        """(j, i) slices of the inner domain in a global no-halo (…, Nj0glo, Ni0glo) array."""
        return (slice(self.njmpp - 1, self.njmpp - 1 + self.nj_0),
                slice(self.nimpp - 1, self.nimpp - 1 + self.ni_0))

    def window(self, ni0glo: int, nj0glo: int) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
        """The local window including halos, clipped to the global domain.

        Returns ``(local, global)`` (j, i) slice pairs: ``local_array[local] = global[global]``
        refills inner points and every halo point that lies inside the global domain.
        """
        h = self.nn_hls
        i0, j0 = self.nimpp - 1 - h, self.njmpp - 1 - h  # 0-based global index of local (0, 0)
        gi = slice(max(i0, 0), min(i0 + self.jpi, ni0glo))
        gj = slice(max(j0, 0), min(j0 + self.jpj, nj0glo))
        li = slice(gi.start - i0, gi.stop - i0)
        lj = slice(gj.start - j0, gj.stop - j0)
        return (lj, li), (gj, gi)


def basesplit(ni0glo: int, nj0glo: int, nn_hls: int, nbi: int, nbj: int) -> list[Subdomain]:
    """Split the global grid into ``nbi x nbj`` subdomains as NEMO's ``mpp_basesplit``.

    The first ``1 + (Ni0glo-1) mod nbi`` columns of subdomains get one more point; ranks are
    numbered i fastest. No north fold.
    """
    if nbi < 1 or nbj < 1:
        raise ValueError(f"need at least one subdomain per direction, got {nbi} x {nbj}")
    if nbi > ni0glo or nbj > nj0glo:
        raise ValueError(f"cannot split {ni0glo} x {nj0glo} points into {nbi} x {nbj} subdomains")
    h2 = 2 * nn_hls
    imax = (ni0glo + nbi - 1) // nbi + h2
    jmax = (nj0glo + nbj - 1) // nbj + h2
    iresti = 1 + (ni0glo - 1) % nbi
    irestj = 1 + (nj0glo - 1) % nbj
    jpis = [imax if ii < iresti else imax - 1 for ii in range(nbi)]
    jpjs = [jmax if jj < irestj else jmax - 1 for jj in range(nbj)]
    subs = []
    njmpp = 1
    for jj in range(nbj):
        nimpp = 1
        for ii in range(nbi):
            subs.append(Subdomain(jj * nbi + ii, jpis[ii], jpjs[jj], nimpp, njmpp, nn_hls))
            nimpp += jpis[ii] - h2
        njmpp += jpjs[jj] - h2
    return subs


def bestpartition(nproc: int, ni0glo: int, nj0glo: int, nn_hls: int) -> tuple[int, int]:
    """``(jpni, jpnj)`` with ``jpni*jpnj == nproc`` giving the smallest subdomains.

    NEMO's ``bestpartition`` without land elimination: minimise the largest subdomain's area
    halos included, then its perimeter, then prefer fewer subdomains along i. A direction is only
    split into subdomains of at least ``3*nn_hls`` points, so halos address inner points.
    """
    best = None
    for nbi in range(1, nproc + 1):
        if nproc % nbi:
            continue
        nbj = nproc // nbi
        if nbi > ni0glo or nbj > nj0glo:
            continue
        si = (ni0glo + nbi - 1) // nbi + 2 * nn_hls
        sj = (nj0glo + nbj - 1) // nbj + 2 * nn_hls
        if (nbi > 1 and si < 3 * nn_hls) or (nbj > 1 and sj < 3 * nn_hls):
            continue
        key = (si * sj, si + sj, nbi)
        if best is None or key < best[0]:
            best = (key, nbi, nbj)
    if best is None:
        raise ValueError(f"{nproc} ranks cannot split a {ni0glo} x {nj0glo} grid")
    return best[1], best[2]


def ocean_subdomains(subs: list[Subdomain], ocean: np.ndarray) -> list[bool]:
    """Which subdomains hold at least one ocean point; ``ocean`` is the (Nj0glo, Ni0glo)
    surface mask."""
    return [bool(ocean[s.inner_global()].any()) for s in subs]


def _ocean_counts(ocean: np.ndarray, nbi: int, nbj: int, nn_hls: int) -> int:
    """Number of ocean subdomains of the nbi x nbj split, from an integral image."""
    nj, ni = ocean.shape
    subs = basesplit(ni, nj, nn_hls, nbi, nbj)
    i0 = np.array([s.nimpp - 1 for s in subs[:nbi]] + [ni])
    j0 = np.array([subs[jj * nbi].njmpp - 1 for jj in range(nbj)] + [nj])
    integral = np.zeros((nj + 1, ni + 1), np.int64)
    integral[1:, 1:] = ocean.astype(np.int64).cumsum(0).cumsum(1)
    block = integral[np.ix_(j0, i0)]
    counts = block[1:, 1:] - block[:-1, 1:] - block[1:, :-1] + block[:-1, :-1]
    return int((counts > 0).sum())


def bestpartition_land(nproc: int, ocean: np.ndarray, nn_hls: int) -> tuple[int, int]:
    """``(jpni, jpnj)`` whose ocean subdomains number exactly ``nproc``, smallest subdomains.

    Splits of up to ``LAND_SEARCH * nproc`` subdomains are tried; keys as ``bestpartition``.
    """
    nj0glo, ni0glo = ocean.shape
    best = None
    for nbi in range(1, min(ni0glo, LAND_SEARCH * nproc) + 1):
        for nbj in range(max(1, -(-nproc // nbi)), min(nj0glo, LAND_SEARCH * nproc // nbi) + 1):
            si = (ni0glo + nbi - 1) // nbi + 2 * nn_hls
            sj = (nj0glo + nbj - 1) // nbj + 2 * nn_hls
            if (nbi > 1 and si < 3 * nn_hls) or (nbj > 1 and sj < 3 * nn_hls):
                continue
            key = (si * sj, si + sj, nbi)
            if best is not None and key >= best[0]:
                continue
            if _ocean_counts(ocean, nbi, nbj, nn_hls) == nproc:
                best = (key, nbi, nbj)
    if best is None:
        raise ValueError(f"no split of the {ni0glo} x {nj0glo} grid has exactly {nproc} ocean "
                         f"subdomain(s)")
    return best[1], best[2]


@dataclass(frozen=True)
class Decomposition:
    """The whole layout: global sizes and every rank's subdomain."""

    ni0glo: int
    nj0glo: int
    nn_hls: int
    jpni: int
    jpnj: int
    kept: tuple[int, ...] | None = None  # indices (i fastest) of the subdomains kept; None: all

    @classmethod
    def auto(cls, nproc: int, ni0glo: int, nj0glo: int, nn_hls: int,
             ocean: np.ndarray | None = None) -> Decomposition:
        """NEMO's automatic layout; with ``ocean`` (surface mask), land-only subdomains removed."""
        if ocean is None:
            return cls(ni0glo, nj0glo, nn_hls, *bestpartition(nproc, ni0glo, nj0glo, nn_hls))
        if ocean.shape != (nj0glo, ni0glo):
            raise ValueError(f"ocean mask {ocean.shape} is not (Nj0glo, Ni0glo) = "
                             f"{(nj0glo, ni0glo)}")
        return cls.without_land(ni0glo, nj0glo, nn_hls, *bestpartition_land(nproc, ocean, nn_hls),
                                ocean)

    @classmethod
    def without_land(cls, ni0glo: int, nj0glo: int, nn_hls: int, jpni: int, jpnj: int,
                     ocean: np.ndarray) -> Decomposition:
        """The ``jpni x jpnj`` split less its land-only subdomains."""
        flags = ocean_subdomains(basesplit(ni0glo, nj0glo, nn_hls, jpni, jpnj), ocean)
        return cls(ni0glo, nj0glo, nn_hls, jpni, jpnj, tuple(k for k, f in enumerate(flags) if f))

    @property
    def subdomains(self) -> list[Subdomain]:
        subs = basesplit(self.ni0glo, self.nj0glo, self.nn_hls, self.jpni, self.jpnj)
        if self.kept is None:
            return subs
        return [replace(subs[k], rank=r) for r, k in enumerate(self.kept)]

    @property
    def land_removed(self) -> int:
        return self.jpni * self.jpnj - len(self)

    def __len__(self) -> int:
        return self.jpni * self.jpnj if self.kept is None else len(self.kept)
