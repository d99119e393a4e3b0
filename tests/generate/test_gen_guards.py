"""Bad input fails clearly and names the file, variable or step."""

import json

import numpy as np
import pytest
import torch

from nemoml.generate.data import load_states
from nemoml.generate.generator import Generator, SamplingError
from nemoml.generate.sampling_io import write_ensemble
from nemoml.generate.train import train
from nemoml.grid import NemoFileError
from nemoml.grid.gridinfo import GridInfo

from .helpers import small_grid, stratified_states, tiny_config, write_mesh_mask


@pytest.fixture()
def small_files(tmp_path):
    grid = small_grid()
    mesh = tmp_path / "mesh_mask.nc"
    write_mesh_mask(mesh, grid)
    db = write_ensemble(tmp_path / "states.nc", stratified_states(grid, 6))
    return grid, mesh, db


def test_missing_and_corrupt_mesh_mask(tmp_path, small_files):
    _, _, db = small_files
    missing = tmp_path / "nope" / "mesh_mask.nc"
    with pytest.raises(FileNotFoundError, match="mesh mask not found: .*nope"):
        train(tiny_config(db, missing, tmp_path / "m"), progress=False)
    bad = tmp_path / "corrupt.nc"
    bad.write_bytes(b"not a netcdf file")
    with pytest.raises(NemoFileError, match="corrupt.nc"):
        GridInfo.from_mesh_mask(bad)


def test_database_levels_must_match(tmp_path, small_files):
    grid, mesh, _ = small_files
    other = small_grid(nz=7)
    db = write_ensemble(tmp_path / "deeper.nc", stratified_states(other, 4))
    with pytest.raises(ValueError, match=r"deeper.nc: thetao has 7 levels but the model has 5"):
        train(tiny_config(db, mesh, tmp_path / "m"), progress=False)


def test_resume_with_other_levels_fails(tmp_path, small_files):
    _, mesh, db = small_files
    out = tmp_path / "m"
    train(tiny_config(db, mesh, out, steps=2), progress=False)
    with pytest.raises(ValueError, match="levels differ"):
        train(tiny_config(db, mesh, out, steps=4, levels=[0, 1]), resume=True, progress=False)
    first = torch.load(out / "checkpoint.pt", weights_only=False)["seconds"]
    resumed = train(tiny_config(db, mesh, out, steps=4), resume=True, progress=False)
    assert resumed["steps"] == 4 and [h["step"] for h in resumed["history"]] == [2, 4]
    # training time counts both segments, in the checkpoint and in the export
    total = torch.load(out / "checkpoint.pt", weights_only=False)["seconds"]
    assert total > first > 0
    assert json.loads((out / "generator.json").read_text())["training"]["seconds"] >= total


def test_nan_in_database_names_variable_and_state(tmp_path, small_files):
    grid, mesh, _ = small_files
    states = stratified_states(grid, 4)
    states["S"][2, 1, 4, 4] = np.nan
    db = write_ensemble(tmp_path / "nan.nc", states)
    with pytest.raises(ValueError, match=r"S has NaN/inf at ocean points \(state 2\)"):
        train(tiny_config(db, mesh, tmp_path / "m", val_fraction=0.25), progress=False)
    with pytest.raises(FileNotFoundError, match="state database not found"):
        load_states(tmp_path / "absent.nc")


class _NaNAfter(torch.nn.Module):
    """A broken denoiser: finite for the first steps, NaN below t = 500."""

    def forward(self, x, t, mask):
        return torch.where(t[:, None, None, None] < 500, torch.nan, 0.1) * mask


def test_nan_during_sampling_names_the_step(tmp_path, small_files):
    from nemoml.generate.export import load_generator

    _, mesh, db = small_files
    train(tiny_config(db, mesh, tmp_path / "m"), progress=False)
    good = load_generator(tmp_path / "m")
    bad = Generator(_NaNAfter(), good.layout, good.schedule, good.density, good.targets)
    ts = good.schedule.timesteps(10)
    k = next(i for i, t in enumerate(ts) if t < 500)  # the first step the network fails
    with pytest.raises(SamplingError, match=rf"sampling step {k + 1}/10 \(t={ts[k]}\)"):
        bad.sample(2, seed=0, steps=10)


def test_corrupt_or_incomplete_export(tmp_path, small_files):
    from nemoml.generate.export import load_generator

    _, mesh, db = small_files
    out = tmp_path / "m"
    train(tiny_config(db, mesh, out), progress=False)
    (out / "start.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match="corrupt start file .*start.npz"):
        load_generator(out)
    (out / "start.npz").unlink()
    with pytest.raises(FileNotFoundError, match="start file .*start.npz is missing"):
        load_generator(out)
    (out / "denoiser.ts").unlink()
    with pytest.raises(FileNotFoundError, match="denoiser file .*denoiser.ts is missing"):
        load_generator(out)
    (out / "generator.json").write_text("{truncated")
    with pytest.raises(ValueError, match="corrupt generator metadata"):
        load_generator(out)
    (out / "generator.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a nemoml generator"):
        load_generator(out)
    with pytest.raises(FileNotFoundError, match="no generator metadata"):
        load_generator(tmp_path / "elsewhere")
