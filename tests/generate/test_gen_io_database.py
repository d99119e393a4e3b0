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
