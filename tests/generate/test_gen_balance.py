"""Thermal-wind initial velocities: analytic SSH slope and density front, land, the equator,
and NEMO's own equilibrated GYRE velocities."""

from __future__ import annotations

import netCDF4
import numpy as np
import pytest

from nemoml.base.packaged import gyre
from nemoml.eos import EOS
from nemoml.generate import balance
from nemoml.generate.balance import GRAV, thermal_wind
from nemoml.grid import Grid
from nemoml.io import read_restart

# S-EOS reduced to a linear one: rhd = -a0 (T - 10) / rho0 (S at S0)
LINEAR = EOS("seos", a0=0.2, b0=0.0, lambda1=0.0, lambda2=0.0, mu1=0.0, mu2=0.0, nu=0.0)


def _box(nz=8, ny=18, nx=14, dx=50e3, lat=None, land=None) -> Grid:
    tmask = np.zeros((nz, ny, nx), bool)
    tmask[: nz - 1, 1:-1, 1:-1] = True
    if land is not None:
        tmask[:, land[0], land[1]] = False
    e3t = np.linspace(20.0, 300.0, nz)
    gdepw = np.concatenate([[0.0], np.cumsum(e3t)[:-1]])
    gdept = gdepw + 0.5 * e3t
    e3w = np.diff(gdept, prepend=-gdept[0])
    ones = np.ones((ny, nx))
    gphit = ones * 45.0 if lat is None else lat
    return Grid.from_arrays(tmask, gdept, e3t, gdepw_1d=gdepw, e3w_1d=e3w, e1t=dx * ones,
                            e2t=dx * ones, gphit=gphit)


def _y(grid: Grid) -> np.ndarray:
    return (np.arange(grid.ny) * grid.e2t[0, 0])[:, None] * np.ones((1, grid.nx))


def test_surface_flow_from_an_ssh_slope_is_exact():
    grid = _box()
    f0 = 1e-4
    slope = 2e-7  # m of SSH per m northward
    ssh = slope * _y(grid)
    temp = 10.0 * grid.tmask
    sal = 35.0 * grid.tmask
    u, v = thermal_wind(temp, sal, ssh, grid, LINEAR, ff_t=np.full(grid.shape[1:], f0))
    inner = grid.umask.copy()
    inner[:, :2] = inner[:, -3:] = False
    inner[:, :, :2] = inner[:, :, -3:] = False
    # uniform density: the whole column moves with the surface geostrophic flow -g/f dssh/dy
    np.testing.assert_allclose(u[inner], -GRAV / f0 * slope, rtol=1e-10)
    np.testing.assert_allclose(v[grid.vmask], 0.0, atol=1e-14)


def test_density_front_gives_the_analytic_thermal_wind_shear():
    """T = 10 + 3 tanh((y - y0)/L) exp(-z/H): du/dz = -(g/f) d(rhd)/dy at every interior w
    level, with d(rhd)/dy = -a0/rho0 dT/dy (linear EOS), to the grid's truncation error."""
    grid = _box(ny=30)
    f0, big_l, h = 1e-4, 250e3, 1500.0
    y = _y(grid)
    y0 = y[grid.ny // 2, 0]
    z = grid.gdept_1d[:, None, None]
    temp = (10 + 3 * np.tanh((y - y0) / big_l) * np.exp(-z / h)) * grid.tmask
    sal = 35.0 * grid.tmask
    u, v = thermal_wind(temp, sal, np.zeros(grid.shape[1:]), grid, LINEAR,
                        ff_t=np.full(grid.shape[1:], f0))
    zw = grid.gdepw_1d[:, None, None]
    dtdy = 3 / big_l / np.cosh((y - y0) / big_l) ** 2 * np.exp(-zw / h)
    analytic = -GRAV / f0 * (-LINEAR.a0 / LINEAR.rho0) * dtdy  # d u / d(depth)
    shear = (u[1:] - u[:-1]) / grid.e3w_1d[1:, None, None]
    both = grid.umask[1:] & grid.umask[:-1]
    both[:, :, :2] = both[:, :, -3:] = False  # away from the east and west walls
    both[:, :2] = both[:, -3:] = False
    err = np.abs(shear - analytic[1:])[both]
    assert err.max() < 0.03 * np.abs(analytic[1:][both]).max()
    assert np.abs(shear[both]).max() > 1e-5  # a real shear, not zeros
    np.testing.assert_allclose(v[grid.vmask], 0.0, atol=1e-12)


def test_no_flow_through_land_and_finite_everywhere():
    rng = np.random.default_rng(0)
    grid = _box(land=(slice(6, 10), slice(5, 8)))  # an island
    temp = (10 + rng.standard_normal(grid.shape)) * grid.tmask
    sal = (35 + 0.1 * rng.standard_normal(grid.shape)) * grid.tmask
    ssh = 0.1 * rng.standard_normal(grid.shape[1:])
    u, v = thermal_wind(temp, sal, ssh, grid, LINEAR)
    assert np.isfinite(u).all() and np.isfinite(v).all()
    assert (u[~grid.umask] == 0).all() and (v[~grid.vmask] == 0).all()
    assert np.abs(u[grid.umask]).max() > 0


@pytest.mark.parametrize("f_kind", ["equator", "zero_f", "tiny_f"])
def test_equator_and_small_f_are_nan_free_and_tapered(f_kind):
    ny = 24
    lat = np.linspace(-10, 10, ny)[:, None] * np.ones((1, 14))
    grid = _box(ny=ny, lat=lat)
    y = _y(grid)
    temp = (10 + 2 * np.sin(y / 3e5) + 0.5 * grid.gdept_1d[:, None, None] / 1e3) * grid.tmask
    sal = 35.0 * grid.tmask
    ssh = 0.05 * np.cos(y / 2e5)
    ff_t = {"equator": None, "zero_f": np.zeros((ny, 14)), "tiny_f": np.full((ny, 14), 1e-12)}
    u, v = thermal_wind(temp, sal, ssh, grid, LINEAR, ff_t=ff_t[f_kind])
    assert np.isfinite(u).all() and np.isfinite(v).all()
    f = balance.coriolis(grid, ff_t[f_kind])
    near = np.abs(f) < 2 * balance.OMEGA * np.sin(np.deg2rad(2.4))
    # no flow where |f| is below f(2.5 deg), at U points (both neighbours) and V points
    assert (u[:, near & np.roll(near, -1, 1)] == 0).all()
    assert (v[:, near & np.roll(near, -1, 0)] == 0).all()
    if f_kind == "equator":  # full geostrophy beyond 5 degrees
        assert np.abs(u[:, np.abs(lat) > 6]).max() > 1e-3


def test_gyre_thermal_wind_matches_nemo_velocities():
    """From NEMO's own equilibrated GYRE restart (year 129): the balanced velocities of its T, S,
    SSH correlate with the velocities NEMO computed (geostrophy holds in the interior)."""
    grid = Grid.from_mesh_mask(gyre("mesh_mask.nc"))
    state = read_restart(gyre("example_restart.nc"), grid)
    with netCDF4.Dataset(gyre("mesh_mask.nc")) as ds:
        ff_t = np.asarray(ds["ff_t"][0], np.float64)
    u, v = thermal_wind(state.T, state.S, state.SSH, grid, "eos80", ff_t=ff_t)
    for mine, nemo, mask in ((u, state.U, grid.umask), (v, state.V, grid.vmask)):
        a, b = mine[mask], nemo[mask]
        assert np.corrcoef(a, b)[0, 1] > 0.95
        assert 0.75 < np.sqrt((a**2).mean() / (b**2).mean()) < 1.1
