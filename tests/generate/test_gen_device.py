"""train-generator --device: the same run on any device (noise drawn on the CPU)."""

import logging

import pytest
import torch

from nemoml.generate.sampling_io import write_ensemble
from nemoml.generate.train import train

from .helpers import small_grid, stratified_states, tiny_config, write_mesh_mask


@pytest.fixture
def inputs(tmp_path):
    grid = small_grid()
    write_mesh_mask(tmp_path / "mesh.nc", grid)
    write_ensemble(tmp_path / "db.nc", stratified_states(grid, 4, seed=5))
    return tmp_path


def _run(inputs, name, device):
    cfg = tiny_config(inputs / "db.nc", inputs / "mesh.nc", inputs / name, steps=2,
                      device=device)
    return train(cfg, progress=False)["history"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU fallback")
def test_auto_without_gpu_trains_on_the_cpu(inputs, caplog):
    with caplog.at_level(logging.INFO, logger="nemoml.generate"):
        auto = _run(inputs, "auto", "auto")
    assert [r.getMessage() for r in caplog.records].count(
        "--device auto: no CUDA device visible, training on the CPU") == 1
    cpu = _run(inputs, "cpu", "cpu")  # training is not bit-reproducible run to run on CPU
    assert [h["step"] for h in auto] == [h["step"] for h in cpu]
    for a, b in zip(auto, cpu, strict=True):
        assert abs(a["val"] - b["val"]) < 0.02 * abs(b["val"])
    with pytest.raises(RuntimeError, match="no CUDA device visible"):
        _run(inputs, "cuda", "cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_training_matches_the_cpu(inputs):
    cpu, gpu = _run(inputs, "cpu", "cpu"), _run(inputs, "gpu", "cuda")
    assert len(cpu) == len(gpu)
    for a, b in zip(cpu, gpu, strict=True):
        assert abs(a["val"] - b["val"]) < 0.02 * abs(a["val"])
