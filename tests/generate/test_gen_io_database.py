"""``train-generator`` reads databases built by the data layer (``nemoml.io``)."""

import numpy as np

from nemoml.generate.data import load_states, split_by_time


def test_trains_on_an_io_database(shared, tmp_path):
    import nemoml.io as io
    from nemoml.generate.train import train
    from nemoml.grid import Grid

    from .helpers import tiny_config

    gyre = shared / "data" / "gyre"
    grid = Grid.from_mesh_mask(gyre / "mesh_mask.nc")
    base = io.read_restart(gyre / "example_restart.nc", grid)
    rng = np.random.default_rng(0)
    for i in range(4):  # four restarts a month apart, slightly perturbed
        state = io.State(T=base.T + 0.01 * rng.standard_normal(base.T.shape), S=base.S, U=base.U,
                         V=base.V, SSH=base.SSH)
        io.write_restart(tmp_path / f"r{i}.nc", state, grid,
                         calendar={"kt": i, "ndastp": 1000101 + 100 * i, "adatrj": 30.0 * i},
                         rdt=14400.0)
    db = io.build_database([tmp_path / f"r{i}.nc" for i in range(4)], tmp_path / "db.nc", grid,
                           ["T", "S", "SSH"])
    states = load_states(db, ("T", "S", "SSH"), nz=31)
    np.testing.assert_allclose(states.time, [0, 30, 60, 90])
    train_set, val_set = split_by_time(states, 0.25)
    assert val_set.time.tolist() == [90.0]
    ocean = grid.tmask.astype(bool)
    np.testing.assert_allclose(states.fields["S"][0][ocean], base.S[ocean], rtol=1e-6)
    summary = train(tiny_config(db, gyre / "mesh_mask.nc", tmp_path / "m", steps=1,
                                val_fraction=0.25), progress=False)
    assert summary["steps"] == 1


def test_year_range_selects_states_of_an_io_database(shared, tmp_path):
    """``build-db`` writes ``model_year`` (360-day GYRE years), so --min-year selects states;
    a file without it refuses a year range instead of ignoring it."""
    import netCDF4
    import pytest

    import nemoml.io as io
    from nemoml.grid import Grid

    gyre = shared / "data" / "gyre"
    grid = Grid.from_mesh_mask(gyre / "mesh_mask.nc")
    base = io.read_restart(gyre / "example_restart.nc", grid)
    days = [0.0, 300.0, 360.0, 700.0, 725.0]  # years 1, 1, 2, 2, 3 of 360 days
    for i, day in enumerate(days):
        io.write_restart(tmp_path / f"r{i}.nc", base, grid,
                         calendar={"kt": i, "ndastp": 10101, "adatrj": day}, rdt=14400.0)
    db = io.build_database([tmp_path / f"r{i}.nc" for i in range(len(days))], tmp_path / "db.nc",
                           grid, ["T", "S", "SSH"])
    with netCDF4.Dataset(db) as ds:
        assert ds["model_year"][:].tolist() == [1, 1, 2, 2, 3]
    states = load_states(db, ("T", "S"), min_year=2)
    np.testing.assert_allclose(states.time, [360.0, 700.0, 725.0])
    assert load_states(db, ("T", "S"), min_year=2, max_year=2).time.tolist() == [360.0, 700.0]
    with netCDF4.Dataset(db, "a") as ds:
        ds.renameVariable("model_year", "year_of_something")
    assert len(load_states(db, ("T", "S")).time) == 5  # no range asked: fine
    with pytest.raises(ValueError, match="model_year"):
        load_states(db, ("T", "S"), min_year=2)
