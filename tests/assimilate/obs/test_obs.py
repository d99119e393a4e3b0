"""Nadir simulator, the observation file format, and gridding onto the model grid."""

import netCDF4
import numpy as np
import pytest
from scipy.interpolate import RegularGridInterpolator

from nemoml.assimilate.obs.nadir import FOUR_NADIRS, Satellite, constellation, simulate
from nemoml.assimilate.obs.obsfile import ObsPoints, grid_obs, read_obs, write_obs
from nemoml.assimilate.qg import truth as qg


@pytest.fixture(scope="module")
def truth():
    return qg.load_truth(qg.SAMPLE_QG).days(1095, 1135)


def test_samples_follow_the_truth_with_the_requested_noise(truth):
    clean = simulate(truth, noise_m=0.0)
    noisy = simulate(truth, noise_m=0.05, seed=3)
    assert len(clean) == len(noisy) > 0
    diff = noisy.ssh - clean.ssh
    assert diff.std() == pytest.approx(0.05, rel=0.05)
    # clean samples are the bilinear interpolation of the day's truth (periodic grid)
    dx = truth.dx
    xs = np.concatenate([[truth.x[0] - dx], truth.x, [truth.x[-1] + dx]])
    ys = np.concatenate([[truth.y[0] - dx], truth.y, [truth.y[-1] + dx]])
    for day in (1095, 1120):
        sel = clean.select(np.floor(clean.time) == day)
        field = np.pad(truth.ssh[day - 1095], 1, mode="wrap")
        ref = RegularGridInterpolator((ys, xs), field)(np.stack([sel.y, sel.x], axis=1))
        assert np.allclose(sel.ssh, ref, atol=1e-6)


def test_tracks_are_straight_lines_at_the_orbit_angle(truth):
    sat = Satellite("one", repeat_days=10.0, passes_per_day=1.0, angle_deg=30.0)
    pts = simulate(truth.days(1100, 1101), (sat,), noise_m=0.0)
    width = truth.dx * truth.x.size
    dx = np.diff(pts.x)
    dx = (dx + width / 2) % width - width / 2  # unwrap the periodic crossing
    slope = dx / np.diff(pts.y)
    assert np.allclose(np.abs(slope), np.tan(np.radians(30.0)))


def test_repeat_cycle_and_pass_rate(truth):
    sat = Satellite("one", repeat_days=10.0, passes_per_day=1.0)
    pts = simulate(truth, (sat,), noise_m=0.0)
    days = np.unique(np.floor(pts.time))
    assert days.size == truth.time.size  # one pass a day
    first = pts.select(np.floor(pts.time) == 1095)
    again = pts.select(np.floor(pts.time) == 1105)  # same track one cycle later
    assert np.allclose(first.x, again.x) and np.allclose(first.y, again.y)
    other = pts.select(np.floor(pts.time) == 1097)
    assert not np.allclose(first.x, other.x)


def test_more_satellites_observe_more(truth):
    assert len(constellation(6)) == 6 and len({s.name for s in constellation(6)}) == 6
    assert [s.name for s in constellation(4)] == [s.name for s in FOUR_NADIRS]
    cover = []
    for n in (1, 2, 4):
        _, mask = grid_obs(simulate(truth, constellation(n)), truth.x, truth.y, 1095, 15)
        cover.append(mask.mean())
    assert cover[0] < cover[1] < cover[2]
    with pytest.raises(ValueError, match="at least one"):
        constellation(0)


def test_file_round_trip(truth, tmp_path):
    pts = simulate(truth)
    path = write_obs(tmp_path / "obs.nc", pts)
    back = read_obs(path)
    assert back.satellites == pts.satellites and back.noise_m == pts.noise_m
    for name in ("time", "x", "y", "ssh", "satellite"):
        assert np.array_equal(getattr(back, name), getattr(pts, name))
    assert [p.name for p in tmp_path.iterdir()] == ["obs.nc"]  # no temporary left behind


def test_bad_files(truth, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.nc"):
        read_obs(tmp_path / "missing.nc")
    junk = tmp_path / "junk.nc"
    junk.write_bytes(b"not a netCDF file")
    with pytest.raises(ValueError, match="junk.nc"):
        read_obs(junk)
    path = write_obs(tmp_path / "obs.nc", simulate(truth.days(1095, 1097)))
    with netCDF4.Dataset(path, "a") as ds:
        ds["ssh"][3] = np.nan
    with pytest.raises(ValueError, match="'ssh'.*obs index 3"):
        read_obs(path)
    with netCDF4.Dataset(path, "a") as ds:
        ds.renameVariable("x", "lon")
    with pytest.raises(KeyError, match="'x'"):
        read_obs(path)


def _points(x, y, t, v):
    n = len(x)
    return ObsPoints(np.asarray(t, float), np.asarray(x, float), np.asarray(y, float),
                     np.asarray(v, np.float32), np.zeros(n, np.int16), ("s",), 0.0)


def test_gridding_averages_and_rejects_points_outside():
    x = np.array([5.0, 15.0, 25.0])
    y = np.array([5.0, 15.0])
    pts = _points([1.0, 9.0, 25.0], [1.0, 2.0, 15.0], [0.2, 0.7, 1.5], [1.0, 3.0, 7.0])
    vals, mask = grid_obs(pts, x, y, 0.0, 2)
    assert vals[0, 0, 0] == 2.0 and vals[1, 1, 2] == 7.0 and mask.sum() == 2
    assert np.isnan(vals[~mask]).all()
    with pytest.raises(ValueError, match="outside the model grid.*x=31"):
        grid_obs(_points([31.0], [5.0], [0.5], [1.0]), x, y, 0.0, 1)
    with pytest.raises(ValueError, match="outside the model grid"):
        grid_obs(_points([5.0], [-0.1], [0.5], [1.0]), x, y, 0.0, 1)
    with pytest.raises(ValueError, match="no observation in the window"):
        grid_obs(pts, x, y, 10.0, 3)
    with pytest.raises(ValueError, match="empty window"):
        grid_obs(pts, x, y, 0.0, 0)
