"""Training databases from GYRE states, restarts and NEMO 4.2/5.0 output files."""

from __future__ import annotations

import netCDF4
import numpy as np
import pytest
import xarray as xr

from nemoml.base.packaged import gyre
from nemoml.grid import Grid, NemoFileError
from nemoml.io import (
    State,
    build_database,
    load_database,
    read_collection,
    split_ranks,
    write_restart,
)

STATE_VARS = {"T": "thetao", "S": "so", "U": "uo", "V": "vo", "SSH": "zos"}


def test_whole_gyre_database(shared, tmp_path, grid):
    src = shared / "gyre" / "gyre_states.nc"
    db_path = build_database(src, tmp_path / "gyre_db.nc", grid)
    db = load_database(db_path)
    arrays, stats, mask, times = db  # unpacks as the documented tuple
    assert arrays["T"].shape == (310, 31, 22, 32) and arrays["SSH"].shape == (310, 22, 32)
    assert arrays["T"].dtype == np.float32
    with netCDF4.Dataset(src) as ds:
        np.testing.assert_array_equal(times, ds["time"][:])
        for k in (0, 123, 309):
            for field, name in STATE_VARS.items():
                np.testing.assert_array_equal(arrays[field][k], ds[name][k])
    np.testing.assert_array_equal(mask["U"], grid.umask)
    # per-level statistics of the training part (first 80 % in time, 248 states): independent
    # float64 masked-array computation
    t = np.ma.masked_array(arrays["T"][:248].astype(np.float64),
                           np.broadcast_to(~grid.tmask, arrays["T"][:248].shape))
    for k in (0, 10, 29):
        assert stats["T"][0][k] == pytest.approx(t[:, k].mean(), rel=1e-9)
        assert stats["T"][1][k] == pytest.approx(t[:, k].std(), rel=1e-6)
    assert stats["T"][0][30] == 0.0 and stats["T"][1][30] == 1.0  # all-land level
    ds = xr.open_dataset(db_path)
    assert ds["thetao"].attrs["units"] == "degC" and ds["time"].dtype.kind in "MO"
    ds.close()


def test_split_levels_variables_and_time_range(tmp_path, grid):
    db_path = build_database(gyre("gyre_states_sample.nc"), tmp_path / "db.nc", grid)
    full = load_database(db_path)
    train = load_database(db_path, ["T", "SSH"], levels=[0, 5, 29], split="train",
                          val_fraction=1 / 3)
    val = load_database(db_path, ["T", "SSH"], levels=[0, 5, 29], split="val",
                        val_fraction=1 / 3)
    assert sorted(train.arrays) == ["SSH", "T"]
    assert train.arrays["T"].shape == (4, 3, 22, 32) and val.arrays["T"].shape == (2, 3, 22, 32)
    assert train.times.max() < val.times.min()
    np.testing.assert_array_equal(np.concatenate([train.times, val.times]), full.times)
    np.testing.assert_array_equal(val.arrays["T"], full.arrays["T"][4:, [0, 5, 29]])
    assert train.mask["T"].shape == (3, 22, 32) and train.mask["SSH"].shape == (22, 32)
    # statistics come from the training part, for both splits
    for k, level in enumerate((0, 5, 29)):
        ocean = full.arrays["T"][:4, level][:, grid.tmask[level]].astype(np.float64)
        assert val.stats["T"][0][k] == pytest.approx(ocean.mean(), rel=1e-9)
        assert train.stats["T"][1][k] == pytest.approx(ocean.std(), rel=1e-6)
    z = train.normalised("T")
    assert abs(z[:, 1][:, grid.tmask[5]].mean()) < 1e-5
    assert z[:, 1][:, grid.tmask[5]].std() == pytest.approx(1.0, rel=1e-5)
    assert (z[:, :, ~grid.tmask[0]] == 0).all()
    later = load_database(db_path, time_range=(full.times[2], full.times[4]))
    np.testing.assert_array_equal(later.times, full.times[2:5])
    with pytest.raises(NemoFileError, match="no state in time_range"):
        load_database(db_path, time_range=(0, 1))
    with pytest.raises(ValueError, match="unknown variables"):
        load_database(db_path, ["W"])


def test_database_from_restart_directory(tmp_path, grid, state):
    runs = tmp_path / "restarts"
    runs.mkdir()
    shifted = []
    for k, days in enumerate((300.0, 100.0, 200.0)):
        s = State(state.T + k, state.S, state.U, state.V, state.SSH, time=days).masked(grid)
        shifted.append(s)
        path = write_restart(runs / f"GYRE_{k:08d}_restart.nc", s, grid,
                             calendar={"adatrj": days})
        if k == 1:  # one of them as NEMO's per-rank files
            split_ranks(path, runs / f"GYRE_{k:08d}_restart", 2, 3)
            path.unlink()
    db = load_database(build_database(runs, tmp_path / "db.nc", grid, ["T", "SSH"]))
    np.testing.assert_array_equal(db.times, [100.0, 200.0, 300.0])
    for k, order in enumerate((1, 2, 0)):
        np.testing.assert_array_equal(db.arrays["T"][k], shifted[order].T.astype(np.float32))


@pytest.mark.parametrize("version", ["4.2.0", "5.0"])
def test_nemo_output_fixtures(shared, tmp_path, version):
    folder = shared / "nemo_fixtures" / version
    grid = Grid.from_mesh_mask(folder / "mesh_mask.nc")
    grid_t = folder / "GYRE_1y_00010101_00011230_grid_T.nc"
    arrays, times, calendar = read_collection(grid_t, ("T", "S", "U", "V"))
    assert calendar == "360_day"
    np.testing.assert_allclose(times, [180.0])  # mean of year 1, centred on day 180
    with netCDF4.Dataset(grid_t) as ds:
        raw = np.asarray(ds["toce"][0])
    # these outputs hold 0 exactly on the mesh's land points
    np.testing.assert_array_equal(raw == 0, ~grid.tmask)
    np.testing.assert_array_equal(arrays["T"][0], raw)
    with netCDF4.Dataset(folder / "GYRE_1y_00010101_00011230_grid_U.nc") as ds:
        np.testing.assert_array_equal(arrays["U"][0], ds["uoce"][0].filled(0.0))
    # the whole run directory: mesh_mask.nc and domain_cfg_out.nc are skipped
    db = load_database(build_database(folder, tmp_path / "db.nc", grid, ["T", "S", "U", "V"]))
    assert db.arrays["V"].shape == (1, 4, 22, 32)
    np.testing.assert_array_equal(db.arrays["T"][0], raw)
    with pytest.raises(NemoFileError, match="'SSH'.*none of .*zos"):
        build_database(folder, tmp_path / "db2.nc", grid)
    assert not (tmp_path / "db2.nc").exists()


def test_database_errors(shared, tmp_path, grid):
    dino = Grid.from_mesh_mask(shared / "dino" / "mesh_mask_1deg.nc")
    with pytest.raises(NemoFileError, match="gyre_states_sample.nc: variable 'T': shape"):
        build_database(gyre("gyre_states_sample.nc"), tmp_path / "db.nc", dino)
    with pytest.raises(NemoFileError, match="no such file or directory"):
        build_database(tmp_path / "absent", tmp_path / "db.nc", grid)
    db = build_database(gyre("gyre_states_sample.nc"), tmp_path / "db.nc", grid, ["T"])
    with pytest.raises(NemoFileError, match="'so': not in this database"):
        load_database(db, ["S"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.nc"]


def test_fill_values_read_as_zero(shared, tmp_path):
    """XIOS may write its _FillValue (1e20) on land: it must come back as 0."""
    folder = shared / "nemo_fixtures" / "5.0"
    land = ~Grid.from_mesh_mask(folder / "mesh_mask.nc").tmask
    for suffix in ("grid_T", "grid_U", "grid_V"):
        src = folder / f"GYRE_1y_00010101_00011230_{suffix}.nc"
        (tmp_path / src.name).write_bytes(src.read_bytes())
    path = tmp_path / "GYRE_1y_00010101_00011230_grid_T.nc"
    path.chmod(0o644)
    with netCDF4.Dataset(path, "a") as ds:
        ds.set_auto_mask(False)
        toce = np.asarray(ds["toce"][:])
        toce[0][land] = 1e20
        ds["toce"][:] = toce
    arrays, _, _ = read_collection(tmp_path / "GYRE_1y_00010101_00011230_grid_U.nc", ("T", "U"))
    assert (arrays["T"][0][land] == 0).all() and arrays["T"][0][~land].min() > 5
