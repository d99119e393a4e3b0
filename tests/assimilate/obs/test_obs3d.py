"""Observation simulators on the GYRE grid (rotated, land-masked), the nemoml-obs-2 format and
binning onto the model grid, with its bad inputs."""

import numpy as np
import pytest

from nemoml.assimilate.gyre import twin as gyre
from nemoml.assimilate.obs import simulators as simobs
from nemoml.assimilate.obs.binning import bin_obs
from nemoml.assimilate.obs.nadir import FOUR_NADIRS
from nemoml.assimilate.obs.obsfile import ObsSet, read_obs_set, write_obs_set
from nemoml.assimilate.obs.ocean_grid import OceanGrid

pytestmark = pytest.mark.skipif(not gyre.MESH.is_file(), reason="needs ../shared/data/gyre")


@pytest.fixture(scope="module")
def grid():
    return OceanGrid.from_mesh_mask(gyre.MESH)


@pytest.fixture(scope="module")
def linear_truth(grid):
    """Fields linear in the tangent-plane km: linear interpolation reproduces them exactly."""
    x, y = grid.local_km(grid.lon, grid.lat)
    days = np.arange(46441.0, 46445.0)
    ssh = np.stack([(1e-4 * x + 2e-4 * y + 0.01 * d) * grid.tmask[0] for d in range(4)])
    nz = grid.shape[0]
    t = np.stack([np.stack([(20 - k * 0.5 + 1e-3 * x) * grid.tmask[k] for k in range(nz)])
                  for _ in days])
    s = np.stack([np.stack([(35 + 1e-3 * k + 1e-5 * y) * grid.tmask[k] for k in range(nz)])
                  for _ in days])
    return ssh, t, s, days, (x, y)


def test_nadir_tracks_are_straight_lines_on_lon_lat_at_the_orbit_angle(grid, linear_truth):
    ssh, _, _, days, _ = linear_truth
    obs = simobs.nadir(grid, ssh, days, noise_m=0.0)
    assert len(obs) > 500 and set(obs.platforms) == {s.name for s in FOUR_NADIRS}
    rotated = False
    for sid, sat in enumerate(FOUR_NADIRS):
        for t in np.unique(obs.time[obs.platform == sid])[:3]:
            sel = (obs.platform == sid) & (obs.time == t)
            x, y = grid.local_km(obs.lon[sel], obs.lat[sel])
            if x.size < 5:
                continue
            # collinear in east/north km, at the satellite's angle from north (either heading)
            slope = np.polyfit(y, x, 1)[0]
            resid = x - np.polyval(np.polyfit(y, x, 1), y)
            assert np.abs(resid).max() < 1e-6 * (1 + np.abs(x).max())
            assert np.degrees(np.arctan(abs(slope))) == pytest.approx(sat.angle_deg, abs=1e-6)
            # not along a grid line: GYRE's axes are rotated 45 degrees from north
            rotated |= abs(np.degrees(np.arctan(abs(slope))) - 45.0) > 5
            spacing = np.hypot(np.diff(x), np.diff(y))
            assert np.allclose(spacing[spacing < 8.0], 7.0, rtol=1e-6)
    assert rotated
    # every point lies in an ocean cell
    j, i, inside = grid.locate(obs.lon, obs.lat)
    assert inside.all() and grid.tmask[0, j, i].all()


def test_nadir_values_interpolate_the_truth_and_carry_the_noise(grid, linear_truth):
    ssh, _, _, days, _ = linear_truth
    clean = simobs.nadir(grid, ssh, days, noise_m=0.0)
    x, y = grid.local_km(clean.lon, clean.lat)
    day = np.floor(clean.time - days[0]).astype(int)
    expect = 1e-4 * x + 2e-4 * y + 0.01 * day
    assert np.abs(clean.value - expect).max() < 1e-5
    noisy = simobs.nadir(grid, ssh, days, noise_m=0.02, seed=4)
    assert (noisy.value - clean.value).std() == pytest.approx(0.02, rel=0.05)
    assert np.all(noisy.noise == np.float32(0.02))


def test_sst_cells_noise_and_cloud_gaps(grid, linear_truth):
    _, t, _, days, _ = linear_truth
    clear = simobs.sst(grid, t, days, noise=0.0)
    assert len(clear) == grid.tmask[0].sum() * days.size
    cloudy = simobs.sst(grid, t, days, noise=0.2, cloud_fraction=0.4, seed=2)
    assert len(cloudy) / len(clear) == pytest.approx(0.6, abs=0.05)
    j, i, inside = grid.locate(cloudy.lon, cloudy.lat)
    assert inside.all()
    d = np.floor(cloudy.time - days[0]).astype(int)
    err = cloudy.value - t[d, 0, j, i]
    assert err.std() == pytest.approx(0.2, rel=0.1) and abs(err.mean()) < 0.02


def test_argo_profiles_on_model_levels_to_2000m_with_their_noise(grid, linear_truth):
    _, t, s, days, _ = linear_truth
    obs = simobs.argo(grid, t, s, days, per_day=6, noise_t=0.01, noise_s=0.005, seed=1)
    levels = grid.gdept[(grid.gdept <= 2000.0) & grid.tmask.any(axis=(1, 2))]
    assert set(np.round(obs.depth, 3)) == set(np.round(levels.astype(np.float32), 3))
    profiles = np.unique(obs.time)
    assert profiles.size == 6 * days.size
    for p in profiles[:5]:
        for v in (0, 1):
            sel = (obs.time == p) & (obs.variable == v)
            assert np.allclose(np.sort(obs.depth[sel]), levels.astype(np.float32))
    j, i, inside = grid.locate(obs.lon, obs.lat)
    assert inside.all() and grid.tmask[0, j, i].all()
    k = grid.level_of(obs.depth)
    d = np.floor(obs.time - days[0]).astype(int)
    truth = np.where(obs.variable == 0, t[d, k, j, i], s[d, k, j, i])
    err = obs.value - truth
    assert err[obs.variable == 0].std() == pytest.approx(0.01, rel=0.1)
    assert err[obs.variable == 1].std() == pytest.approx(0.005, rel=0.1)


def test_file_round_trip_and_binning(grid, linear_truth, tmp_path):
    ssh, t, s, days, _ = linear_truth
    obs = simobs.simulate_all(grid, ssh, t, s, days, argo_per_day=3, seed=3)
    path = write_obs_set(tmp_path / "obs.nc", obs)
    back = read_obs_set(path)
    assert back.variables == ("SSH", "T", "S") and len(back) == len(obs)
    assert np.array_equal(back.variable, obs.variable) and np.allclose(back.value, obs.value)
    b = bin_obs(back, grid, days[0], 4, str(path))
    assert sum(int(c.sum()) for c in b.count.values()) == len(obs)
    assert b.count["SSH"].shape == (4, 1, 22, 32) and b.count["T"].shape == (4, 31, 22, 32)
    # Argo S cells: one measurement each, its noise variance kept
    cells = b.count["S"] > 0
    assert np.allclose(b.noise_var["S"][cells], 0.005**2 / b.count["S"][cells])


def _one(grid, lon, lat, depth=0.0, variable="T"):
    return ObsSet(np.array([46441.5]), np.array([lon]), np.array([lat]),
                  np.array([depth], np.float32), np.array([20.0], np.float32),
                  np.array([0.2], np.float32), np.array([0], np.int16), np.array([0], np.int16),
                  (variable,), ("test",))


def test_bad_observations_are_named(grid, tmp_path):
    day0 = 46441.0
    with pytest.raises(ValueError, match=r"obs.nc: 1 observation\(s\) outside the model grid "
                                         r"\(first: obs index 0, variable T"):
        bin_obs(_one(grid, 0.0, 0.0), grid, day0, 10, "obs.nc")
    land = np.argwhere(~grid.tmask[0])[0]
    with pytest.raises(ValueError, match=r"on land \(first: obs index 0, variable T.*"
                                         rf"cell \(j={land[0]}, i={land[1]}\)"):
        bin_obs(_one(grid, grid.lon[tuple(land)], grid.lat[tuple(land)]), grid, day0, 10, "f")
    ocean = np.argwhere(grid.tmask[0])[0]
    lon, lat = grid.lon[tuple(ocean)], grid.lat[tuple(ocean)]
    with pytest.raises(ValueError, match=r"variable\(s\) \['U'\] unknown to the model"):
        bin_obs(_one(grid, lon, lat, variable="U"), grid, day0, 10, "f")
    with pytest.raises(ValueError, match="depth 9000 m, below the deepest level"):
        bin_obs(_one(grid, lon, lat, depth=9000.0), grid, day0, 10, "f")
    with pytest.raises(ValueError, match="no observation in the window"):
        bin_obs(_one(grid, lon, lat), grid, day0 + 20, 10, "f")
    bad = _one(grid, lon, lat)
    bad.value[0] = np.nan
    with pytest.raises(ValueError, match=r"obs.nc: variable 'value' has 1 non-finite values "
                                         r"\(first at obs index 0\)"):
        read_obs_set(write_obs_set(tmp_path / "obs.nc", bad))


def test_written_file_is_whole_and_follows_the_umask(grid, tmp_path):
    """A write that fails halfway leaves nothing (not even its temporary); a written file gets
    the user's umask like NEMO's own files, not a temporary file's 0600."""
    import os

    ocean = np.argwhere(grid.tmask[0])[0]
    good = _one(grid, grid.lon[tuple(ocean)], grid.lat[tuple(ocean)])
    old = os.umask(0o022)
    try:
        path = write_obs_set(tmp_path / "obs.nc", good)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    broken = ObsSet(*(getattr(good, f) for f in ("time", "lon", "lat", "depth", "value",
                                                  "noise", "variable")), None, good.variables,
                    good.platforms)
    with pytest.raises(TypeError):  # the platform column fails after the file is open
        write_obs_set(tmp_path / "broken.nc", broken)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["obs.nc"]
