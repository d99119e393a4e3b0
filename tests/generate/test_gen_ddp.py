"""train-generator --ddp: two MPI ranks train as one process on the global batch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from nemoml.base.distributed import Ranks
from nemoml.devtools.host import mpi_env, mpirun_command
from nemoml.generate.sampling_io import write_ensemble
from nemoml.generate.train import build, train

from ..bridge.conftest import requires_mpirun
from .helpers import small_grid, stratified_states, tiny_config, write_mesh_mask

STEPS, BATCH = 3, 4


def _cli(db, mesh, out, *extra) -> list[str]:
    return [sys.executable, "-c", "import sys; from nemoml.cli import main; sys.exit(main())",
            "train-generator", "--database", str(db), "--mesh-mask", str(mesh), "--out",
            str(out), "--base", "8", "--mults", "1,2", "--steps", str(STEPS), "--batch",
            str(BATCH), "--val-fraction", "0.34", "--threads", "1", "--no-pt2",
            "--no-progress", *extra]


def _objects(text: str) -> list[dict]:
    """The JSON summaries the ranks printed (their lines may interleave)."""
    found, decoder, i = [], json.JSONDecoder(), text.find("{")
    while i >= 0:
        obj, end = decoder.raw_decode(text, i)
        found.append(obj)
        i = text.find("{", end)
    return found


def test_a_rank_computes_its_slice_of_the_batch():
    assert Ranks(1, 2).part(8) == slice(4, 8)
    with pytest.raises(ValueError, match="must divide evenly over the 3 ranks"):
        Ranks(0, 3).part(8)


TWO_GPUS = torch.cuda.is_available() and torch.cuda.device_count() >= 2


@requires_mpirun
@pytest.mark.mpi
@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=[
    pytest.mark.gpu, pytest.mark.skipif(not TWO_GPUS, reason="NCCL needs a GPU per rank")])])
def test_two_ranks_equal_one_process_on_the_global_batch(tmp_path, device):
    grid = small_grid()
    write_mesh_mask(tmp_path / "mesh.nc", grid)
    write_ensemble(tmp_path / "db.nc", stratified_states(grid, 6, seed=5))
    proc = subprocess.run(mpirun_command(2) + _cli(tmp_path / "db.nc", tmp_path / "mesh.nc",
                                                   tmp_path / "ddp", "--ddp", "--device",
                                                   device),
                          env=mpi_env(2), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ranks = [s["ddp"] for s in _objects(proc.stdout)]
    assert sorted(r["rank"] for r in ranks) == [0, 1]
    assert all(r["ranks"] == 2 and r["max_weight_difference"] == 0.0 for r in ranks)
    cfg = tiny_config(tmp_path / "db.nc", tmp_path / "mesh.nc", tmp_path / "one",
                      steps=STEPS, batch=BATCH, threads=1, device=device)
    train(cfg, progress=False)
    ddp = torch.load(tmp_path / "ddp" / "checkpoint.pt", weights_only=False, map_location="cpu")
    one = torch.load(tmp_path / "one" / "checkpoint.pt", weights_only=False, map_location="cpu")
    tol = 1e-5 if device == "cpu" else 1e-4  # cuDNN convolutions round differently
    assert ddp["history"][-1]["val"] == pytest.approx(one["history"][-1]["val"], rel=tol)
    # the same function: biases feeding a group norm have no gradient but float noise, which
    # Adam turns into steps of lr, so the weights are compared through the network's output
    _, layout, x, _, net, _ = build(cfg)
    t = torch.tensor([10, 500, 990, 3])
    mask = layout.mask_tensor()
    out = {}
    for key, state in (("init", None), ("ddp", ddp), ("one", one)):
        if state is not None:
            net.load_state_dict(state["net"])
        with torch.no_grad():
            out[key] = net(x[:4], t, mask)
    torch.testing.assert_close(out["ddp"], out["one"], rtol=0, atol=tol)
    moved = float((out["one"] - out["init"]).abs().max())
    assert moved > 100 * tol, moved  # the steps moved it
