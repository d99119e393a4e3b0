"""cn_nemoml_device: the node-local rank's GPU, 'auto' falling back to the CPU."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from nemoml.base.device import choose
from nemoml.devtools.host import default_settings, mpi_env, mpirun_command, run_host

from .conftest import requires_mpirun

CUDA = torch.cuda.is_available()


def test_choose():
    assert choose("cpu", 3, 2) == "cpu"
    assert choose("auto", 3, 0) == "cpu"
    assert choose("auto", 3, 2) == "cuda:1"
    assert choose("cuda", 4, 4) == "cuda:0"
    with pytest.raises(RuntimeError, match="sees no CUDA device"):
        choose("cuda", 0, 0)


@requires_mpirun
@pytest.mark.mpi
def test_node_local_ranks_share_the_gpus():
    script = Path(__file__).with_name("mpi_device.py")
    proc = subprocess.run(mpirun_command(3) + [sys.executable, str(script)], env=mpi_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("DEVICES"))
    assert line.split()[1:] == ["0:cuda:0", "1:cuda:1", "2:cuda:0"]  # one node: local = rank


@requires_mpirun
@pytest.mark.mpi
@pytest.mark.skipif(CUDA, reason="checks the fallback on a machine without a GPU")
def test_host_without_gpu(hostdir):
    settings = default_settings(hostdir / "models")
    auto = run_host(2, hostdir, host={"ln_selftest": False},
                    settings={**settings, "cn_nemoml_device": "auto"})
    assert auto.returncode == 0, auto.output
    assert auto.output.count("no CUDA device visible, models run on the CPU") == 1
    cuda = run_host(2, hostdir, host={"ln_selftest": False},
                    settings={**settings, "cn_nemoml_device": "cuda"})
    assert cuda.returncode == 2, cuda.output
    assert "nemoml_init failed" in cuda.error() and "sees no CUDA device" in cuda.error()


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="no CUDA device")
def test_model_runs_on_the_gpu(models):
    from nemoml.bridge import forward
    from nemoml.bridge.registry import load_model

    m = load_model("affine", models / "affine.pt", "cuda:0")
    assert m.device == "cuda:0"
    x = np.arange(24.0).reshape(2, 3, 4)
    y = np.empty_like(x)
    forward.run(m, [x], [y])
    np.testing.assert_array_equal(y, 2 * x + 1)
