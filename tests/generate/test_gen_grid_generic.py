"""The generator is grid-generic: train a tiny model and sample on the DINO 1° grid shape."""

import numpy as np
import pytest
import torch

from nemoml.generate import load_generator
from nemoml.generate.sampling_io import write_ensemble
from nemoml.generate.train import train
from nemoml.grid.gridinfo import GridInfo

from .helpers import stratified_states, tiny_config


@pytest.mark.slow
def test_dino_1deg_train_and_sample(shared, tmp_path):
    mesh = shared / "data" / "dino" / "mesh_mask_1deg.nc"
    grid = GridInfo.from_mesh_mask(mesh)
    assert grid.shape == (36, 199, 62)
    db = write_ensemble(tmp_path / "random_dino.nc", stratified_states(grid, 4, seed=3))
    summary = train(tiny_config(db, mesh, tmp_path / "model", steps=2, eos="seos"),
                    progress=False)
    assert summary["steps"] == 2 and np.isfinite(summary["history"][-1]["val"])
    gen = load_generator(tmp_path / "model")
    lay = gen.layout
    assert lay.levels == [k for k in range(36) if grid.tmask[k].any()]
    assert (lay.height, lay.width) == (200, 62)
    torch.manual_seed(0)
    out = gen.sample(2, seed=1, steps=2, constraints=["ts"], dual_rounds=1)
    assert out["T"].shape == (2, 36, 199, 62) and out["SSH"].shape == (2, 199, 62)
    ocean = grid.tmask
    assert np.isfinite(out["T"]).all()
    assert (out["T"][:, ~ocean] == 0).all() and (out["S"][:, ~ocean] == 0).all()
    assert (np.abs(out["S"][:, ocean] - 35) < 5).all()
    # density constraints run on this grid too (S-EOS, as DINO uses)
    c1 = gen.constraint_set(["c1", "c2"])(lay.encode(out, dtype=np.float64))
    assert c1.shape == (2, 2 * len(lay.levels) - 1) and torch.isfinite(c1).all()
