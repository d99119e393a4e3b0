"""Resuming training reads its checkpoint weights-only: a genuine one resumes, one that would
run code is refused (issue 26; before, ``torch.load(weights_only=False)`` ran it)."""

import pytest
import torch

from nemoml.base.serialised import UnsafeFileError
from nemoml.generate.sampling_io import write_ensemble
from nemoml.generate.train import train

from ..base.test_serialised import Payload
from .helpers import small_grid, stratified_states, tiny_config, write_mesh_mask


def test_resume_refuses_a_checkpoint_that_runs_code(tmp_path):
    grid = small_grid()
    mesh = tmp_path / "mesh_mask.nc"
    write_mesh_mask(mesh, grid)
    db = write_ensemble(tmp_path / "states.nc", stratified_states(grid, 6))
    out = tmp_path / "m"
    train(tiny_config(db, mesh, out, steps=2), progress=False)
    resumed = train(tiny_config(db, mesh, out, steps=3), resume=True, progress=False)
    assert resumed["steps"] == 3  # the checkpoint it wrote reads back weights-only
    marker = tmp_path / "ran"
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    state["history"] = [Payload(marker)]
    torch.save(state, out / "checkpoint.pt")
    with pytest.raises(UnsafeFileError, match=r"generator checkpoint \(resume\) .*refused"):
        train(tiny_config(db, mesh, out, steps=4), resume=True, progress=False)
    assert not marker.exists()
