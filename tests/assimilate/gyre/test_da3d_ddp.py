"""train-da --case gyre --ddp: two MPI ranks (gloo) train the 3D 4DVarNet as one process on
the global batch, and stay identical to each other."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from nemoml.assimilate.gyre import twin as gyre
from nemoml.devtools.host import mpi_env, mpirun_command

from ...bridge.conftest import requires_mpirun

pytestmark = [pytest.mark.skipif(not gyre.DAILY.is_file(),
                                 reason="needs ../shared/data/gyre_daily"),
              requires_mpirun, pytest.mark.mpi, pytest.mark.slow]

# a short record and a tiny solver: 3 steps of a global batch of 4, validated once at the end
DRIVER = """
import json, sys
from pathlib import Path
import numpy as np, torch
from nemoml.assimilate.fourdvarnet.multivariate import StateSolverConfig
from nemoml.assimilate.gyre.train import Experiment, Train3DConfig, train
from nemoml.base import distributed

torch.set_num_threads(1)
exp = Experiment()
for split in ("train", "val"):
    exp.truth[split] = exp.load(split).take(np.arange(12))
cfg = Train3DConfig(solver=StateSolverConfig(hidden_prior=4, hidden_lstm=4, n_step=2,
                                             subspace_rank=4),
                    steps=3, batch=4, val_every=3, val_windows=1, prior_steps=5)
ranks = distributed.start("cpu") if sys.argv[2] == "ddp" else distributed.Ranks()
try:
    result = train(cfg, Path(sys.argv[1]), progress=False, exp=exp, ranks=ranks)
finally:
    ranks.close()
print(json.dumps({"ddp": result.get("ddp"), "loss": result["history"][-1]["loss"]}))
"""


def _run(tmp_path, name: str, ranks: int) -> list[dict]:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    prefix = mpirun_command(ranks) if ranks > 1 else []
    proc = subprocess.run([*prefix, sys.executable, str(script), str(tmp_path / name),
                           "ddp" if ranks > 1 else "one"], env=mpi_env(ranks),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return _objects(proc.stdout)


def _objects(text: str) -> list[dict]:
    """Every JSON object printed: mpirun may join the ranks' lines without a newline."""
    decoder, out, i = json.JSONDecoder(), [], text.find("{")
    while i != -1:
        obj, end = decoder.raw_decode(text, i)
        out.append(obj)
        i = text.find("{", end)
    return out


def test_two_ranks_train_as_one_process_on_the_global_batch(tmp_path):
    ddp = _run(tmp_path, "ddp", 2)
    assert sorted(r["ddp"]["rank"] for r in ddp) == [0, 1]
    assert all(r["ddp"]["ranks"] == 2 and r["ddp"]["max_weight_difference"] == 0.0
               for r in ddp)  # the ranks' weights are the same bits
    one = _run(tmp_path, "one", 1)
    assert one[0]["ddp"] is None
    # the logged loss is the global batch's on every rank, as the single process's
    assert [r["loss"] for r in ddp] == pytest.approx([one[0]["loss"]] * 2, rel=1e-5)
    a = torch.load(tmp_path / "ddp" / "last.pt", weights_only=False)
    b = torch.load(tmp_path / "one" / "last.pt", weights_only=False)
    assert a["val_ratio_T"] == pytest.approx(b["val_ratio_T"], rel=1e-5)
    for key, value in b["state"].items():
        torch.testing.assert_close(a["state"][key], value, rtol=1e-4, atol=1e-5, msg=key)
