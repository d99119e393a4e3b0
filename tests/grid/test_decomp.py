"""The Python decomposition against the Fortran one (the same file the host uses, via f2py)."""

import importlib.util
import itertools

import numpy as np
import pytest

from nemoml.base.paths import libdir
from nemoml.grid.decomp import Decomposition, Subdomain, basesplit, bestpartition


@pytest.fixture(scope="module")
def fdecomp():
    path = next(libdir().glob("_decomp*.so"))
    spec = importlib.util.spec_from_file_location("_decomp", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.nemoml_decomp


CASES = list(itertools.product([(32, 22), (52, 199), (7, 5)], [1, 2], [1, 2, 3, 4, 6]))


@pytest.mark.parametrize("glo, hls, nproc", CASES)
def test_matches_fortran(fdecomp, glo, hls, nproc):
    ni, nj = glo
    nbi, nbj = bestpartition(nproc, ni, nj, hls)
    assert tuple(fdecomp.decomp_bestpartition(nproc, ni, nj, hls)) == (nbi, nbj)
    jpi, jpj, nimpp, njmpp = fdecomp.decomp_basesplit(ni, nj, hls, nbi, nbj)
    subs = basesplit(ni, nj, hls, nbi, nbj)
    assert [s.jpi for s in subs] == list(jpi)
    assert [s.jpj for s in subs] == list(jpj)
    assert [s.nimpp for s in subs] == list(nimpp)
    assert [s.njmpp for s in subs] == list(njmpp)
    for s in subs:
        lo_i, hi_i, glo_i, ghi_i = fdecomp.decomp_window(s.jpi, hls, s.nimpp, ni)
        (lj, li), (gj, gi) = s.window(ni, nj)
        assert (li.start + 1, li.stop, gi.start + 1, gi.stop) == (lo_i, hi_i, glo_i, ghi_i)


@pytest.mark.parametrize("glo, hls, nproc", CASES)
def test_inner_domains_tile_the_grid(glo, hls, nproc):
    ni, nj = glo
    d = Decomposition.auto(nproc, ni, nj, hls)
    cover = np.zeros((nj, ni), int)
    for s in d.subdomains:
        cover[s.inner_global()] += 1
        assert s.nie0 - s.nis0 + 1 == s.ni_0 and s.nje0 - s.njs0 + 1 == s.nj_0
    assert (cover == 1).all()
    assert len(d) == nproc


def test_nemo_5_dino_layout():
    """The reference sheet's DINO 1 degree case: 2 ranks, nn_hls=2 give jpi 56, jpj 104."""
    subs = Decomposition.auto(2, 52, 199, 2).subdomains
    assert {(s.jpi, s.jpj) for s in subs} == {(56, 104), (56, 103)}


def test_window_refills_interior_halos_only():
    s = Subdomain(rank=1, jpi=20, jpj=26, nimpp=17, njmpp=1, nn_hls=2)  # east half of 32x22
    (lj, li), (gj, gi) = s.window(32, 22)
    assert (gi.start, gi.stop) == (14, 32)  # west halo inside the domain, east halo outside
    assert (li.start, li.stop) == (0, 18)
    assert (gj.start, gj.stop) == (0, 22) and (lj.start, lj.stop) == (2, 24)


def test_impossible_split():
    with pytest.raises(ValueError, match="cannot split"):
        bestpartition(7, 3, 2, 1)


def _continent(ni, nj, land):
    """The host's analytic surface mask: walls, and land where x + y < land (0..1 axes)."""
    i, j = np.meshgrid(np.arange(ni), np.arange(nj))
    ocean = (i > 0) & (i < ni - 1) & (j > 0) & (j < nj - 1)
    return ocean & (i / (ni - 1) + j / (nj - 1) >= land)


LAND_CASES = [((32, 22), 1, 3, 1.05), ((32, 22), 2, 8, 0.9), ((60, 40), 1, 8, 0.75),
              ((362, 332), 2, 8, 0.75), ((52, 40), 1, 5, 0.0)]


@pytest.mark.parametrize("glo, hls, nproc, land", LAND_CASES)
def test_land_elimination_matches_fortran(fdecomp, glo, hls, nproc, land):
    ni, nj = glo
    ocean = _continent(ni, nj, land)
    d = Decomposition.auto(nproc, ni, nj, hls, ocean)
    forder = np.asfortranarray(ocean.T.astype(np.int32))  # (i, j) as the host holds it
    assert tuple(fdecomp.decomp_bestpartition_land(nproc, hls, forder)) == (d.jpni, d.jpnj)
    flags, count = fdecomp.decomp_ocean(hls, d.jpni, d.jpnj, forder)
    assert count == nproc == len(d)
    assert [k for k, f in enumerate(flags) if f] == list(d.kept)


@pytest.mark.parametrize("glo, hls, nproc, land", LAND_CASES)
def test_removed_subdomains_are_land_only(glo, hls, nproc, land):
    ni, nj = glo
    ocean = _continent(ni, nj, land)
    d = Decomposition.auto(nproc, ni, nj, hls, ocean)
    cover = np.zeros((nj, ni), int)
    for r, s in enumerate(d.subdomains):
        assert s.rank == r and ocean[s.inner_global()].any()
        cover[s.inner_global()] += 1
    assert cover.max() == 1
    assert not ocean[cover == 0].any()  # every ocean point has a rank
    assert d.land_removed == d.jpni * d.jpnj - nproc


def test_land_elimination_removes_the_continent_corner():
    d = Decomposition.auto(3, 32, 22, 1, _continent(32, 22, 1.05))
    assert (d.jpni, d.jpnj, d.kept, d.land_removed) == (2, 2, (1, 2, 3), 1)
    d = Decomposition.auto(8, 362, 332, 2, _continent(362, 332, 0.75))
    assert d.land_removed >= 1


def test_no_split_with_that_many_ocean_subdomains():
    ocean = np.zeros((5, 6), bool)
    ocean[2, 3] = True
    with pytest.raises(ValueError, match="exactly 2 ocean"):
        Decomposition.auto(2, 6, 5, 1, ocean)
