"""EnOI against a dense solve with the full localised B, on a small rotated, land-masked grid."""

import numpy as np
import pytest

from nemoml.assimilate.baselines.enoi import EnOI, EnOIConfig, dense_analysis, gaspari_cohn
from nemoml.assimilate.obs.binning import Binned
from nemoml.assimilate.obs.ocean_grid import OceanGrid


def small_grid(nz=3, ny=6, nx=8) -> OceanGrid:
    j, i = np.mgrid[0:ny, 0:nx].astype(float)
    rot = np.radians(40.0)
    lon = -60 + 1.2 * (i * np.cos(rot) - j * np.sin(rot))
    lat = 30 + 1.2 * (i * np.sin(rot) + j * np.cos(rot))
    tmask = np.ones((nz, ny, nx), bool)
    tmask[:, 0, :] = tmask[:, -1, :] = tmask[:, :, 0] = tmask[:, :, -1] = False
    tmask[2, 2:4, 3] = False  # a seamount
    e3t = np.array([10.0, 50.0, 200.0])
    return OceanGrid(lon, lat, tmask, np.cumsum(e3t) - e3t / 2,
                     np.concatenate([[0], np.cumsum(e3t)[:-1]]), e3t,
                     np.full((ny, nx), 1.33e4**2 * 100), "small")


def members(grid, n=9, seed=0):
    rng = np.random.default_rng(seed)
    nz, ny, nx = grid.shape
    return {"T": rng.standard_normal((n, nz, ny, nx)) * grid.tmask,
            "S": 0.1 * rng.standard_normal((n, nz, ny, nx)) * grid.tmask,
            "SSH": 0.05 * rng.standard_normal((n, ny, nx)) * grid.tmask[0]}


def window_obs(grid, n_days=3, seed=1):
    rng = np.random.default_rng(seed)
    nz, ny, nx = grid.shape
    b = Binned({}, {}, {})
    for name, nlev, sd in (("T", nz, 0.1), ("S", nz, 0.01), ("SSH", 1, 0.02)):
        count = (rng.random((n_days, nlev, ny, nx)) < 0.15) * rng.integers(1, 3, (n_days, nlev,
                                                                                 ny, nx))
        count *= grid.tmask[:nlev][None]
        b.count[name] = count
        b.value[name] = (rng.standard_normal(count.shape) * (count > 0)).astype(np.float32)
        b.noise_var[name] = np.where(count > 0, sd**2 / np.maximum(count, 1), 0.0)
    bkg = {"T": np.zeros((n_days, nz, ny, nx)), "S": np.zeros((n_days, nz, ny, nx)),
           "SSH": np.zeros((n_days, ny, nx))}
    return bkg, b


def test_gaspari_cohn_taper():
    d = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
    r = gaspari_cohn(d, 1.0)
    assert r[0] == 1.0 and r[-1] == 0.0 and r[-2] == pytest.approx(0.0, abs=1e-12)
    assert r[2] == pytest.approx(0.208333333, abs=1e-8)  # 1/4 + 1/2 ... - 5/3 + 1 at r = 1
    assert np.all(np.diff(r) <= 0)


@pytest.mark.parametrize("radius", [150.0, 400.0, 1e5])
def test_enoi_matches_the_dense_solve(radius):
    grid = small_grid()
    enoi = EnOI(grid, members(grid), EnOIConfig(radius_km=radius, alpha=1.7))
    bkg, binned = window_obs(grid)
    so = enoi.super_obs(bkg, binned)
    fast = enoi.increment_vector(so)
    ref = dense_analysis(enoi, so)
    assert np.allclose(fast, ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())
    inc = enoi.increment(bkg, binned)
    assert np.all(inc["T"][~grid.tmask] == 0) and np.abs(inc["T"]).max() > 0


def test_super_obs_average_innovations_against_each_day():
    grid = small_grid()
    enoi = EnOI(grid, members(grid))
    bkg, binned = window_obs(grid)
    bkg["T"][:] = np.arange(3)[:, None, None, None]  # the background changes each day
    so = enoi.super_obs(bkg, binned)
    c = binned.count["T"]
    k, j, i = np.nonzero(c.sum(0))
    d = ((binned.value["T"] - bkg["T"]) * c).sum(0)[k, j, i] / c.sum(0)[k, j, i]
    n_t = k.size
    assert np.allclose(so.innovation[:n_t], d)


def test_localisation_cuts_distant_influence():
    grid = small_grid()
    bkg, binned = window_obs(grid)
    for name in binned.count:  # one SSH observation only
        binned.count[name][:] = 0
    binned.count["SSH"][0, 0, 2, 2] = 1
    binned.value["SSH"][0, 0, 2, 2] = 0.1
    binned.noise_var["SSH"][0, 0, 2, 2] = 1e-4
    tight = EnOI(grid, members(grid), EnOIConfig(radius_km=100.0)).increment(bkg, binned)
    dist = grid.distance_km(grid.lon, grid.lat, grid.lon[2, 2], grid.lat[2, 2]).reshape(6, 8)
    assert np.all(tight["T"][:, dist > 200.0] == 0)
    assert np.abs(tight["T"][:, dist < 1.0]).max() > 0
