"""Training on an ORCA-like grid: the UNet pads by the mesh mask's seam and north fold."""

import dataclasses

import numpy as np
import pytest

from nemoml.generate import load_generator
from nemoml.generate.sampling_io import write_ensemble
from nemoml.generate.train import train

from ..grid.test_padding import orca_like
from .helpers import small_grid, stratified_states, tiny_config, write_mesh_mask


def _orca_grid(ny, nx):
    grid = small_grid(3, ny, nx)
    tmask = np.zeros((3, ny, nx), bool)
    tmask[:2, 2:] = True  # Antarctica along the south edge, ocean through the seam and fold
    glamt, gphit = orca_like(ny, nx)
    return dataclasses.replace(grid, tmask=tmask, umask=tmask, vmask=tmask, lat=gphit), glamt


def test_orca_like_grid_trains_with_wrapped_padding(tmp_path):
    grid, glamt = _orca_grid(12, 16)
    mesh = tmp_path / "mesh_mask.nc"
    write_mesh_mask(mesh, grid, glamt)
    db = write_ensemble(tmp_path / "db.nc", stratified_states(grid, 4, seed=2))
    train(tiny_config(db, mesh, tmp_path / "model", steps=2), progress=False)
    gen = load_generator(tmp_path / "model")
    assert gen.meta["model"]["bounds"] == {"periodic": True, "fold": "T"}
    out = gen.sample(1, seed=0, steps=2)
    assert np.isfinite(out["T"]).all() and (out["T"][0][~grid.tmask] == 0).all()


def test_wrapped_edge_must_not_be_padded(tmp_path):
    grid, glamt = _orca_grid(12, 15)  # 15 columns: the layout would pad the seam
    mesh = tmp_path / "mesh_mask.nc"
    write_mesh_mask(mesh, grid, glamt)
    db = write_ensemble(tmp_path / "db.nc", stratified_states(grid, 4, seed=2))
    with pytest.raises(ValueError, match="must be divisible by 2"):
        train(tiny_config(db, mesh, tmp_path / "model", steps=2), progress=False)
