"""Training data at scale: the database streamed into float32 a few states at a time."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch

from nemoml.eos.density import Density
from nemoml.generate import train as train_module
from nemoml.generate.constraints import Physics, default_targets
from nemoml.generate.data import load_states, open_states
from nemoml.generate.sampling_io import write_ensemble
from nemoml.generate.train import build, targets_by_batches
from nemoml.grid.layout import Layout

from .helpers import small_grid, stratified_states, tiny_config, write_mesh_mask


def _inputs(tmp_path, n=40, ny=24, nx=30):
    grid = small_grid(ny=ny, nx=nx)
    write_mesh_mask(tmp_path / "mesh.nc", grid)
    fields = stratified_states(grid, n, seed=3)
    write_ensemble(tmp_path / "db.nc", fields)
    return grid, fields


def test_streamed_moments_equal_the_whole_set(tmp_path):
    grid, fields = _inputs(tmp_path, n=23)
    whole = Layout(grid)
    whole.fit(fields)
    raw = whole._stack(fields)
    m = whole.mask[:, : whole.ny, : whole.nx]
    streamed = Layout(grid)
    states = open_states(tmp_path / "db.nc", nz=grid.shape[0])
    streamed.fit(f for _, f in states.batches(4, np.float64))  # 23 = 5 x 4 + 3
    for c in range(whole.channels):
        vals = raw[:, c][:, m[c]]
        np.testing.assert_allclose(streamed.mean[c], vals.mean(), rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(streamed.std[c], max(vals.std(), whole.std[c]), rtol=1e-10)
    np.testing.assert_allclose(streamed.std, whole.std, rtol=1e-10)


def test_a_state_file_reads_any_rows_in_float32(tmp_path):
    grid, fields = _inputs(tmp_path, n=9)
    states = open_states(tmp_path / "db.nc", nz=grid.shape[0])
    picked = states.subset(np.array([7, 2, 3]))
    got = picked.read()
    assert got["T"].dtype == np.float32
    np.testing.assert_array_equal(got["T"], fields["T"][[7, 2, 3]].astype(np.float32))
    np.testing.assert_array_equal(load_states(tmp_path / "db.nc").fields["S"], fields["S"])


def test_build_holds_the_database_once_in_float32(tmp_path, monkeypatch):
    """The encoded states equal a one-shot encoding; the peak of numpy memory while building
    is the float32 states and one batch of 2 states, not float64 copies of the whole database
    (the one-shot path peaks at about 8 times the float32 states)."""
    monkeypatch.setattr(train_module, "BATCH_STATES", 2)
    grid, fields = _inputs(tmp_path, n=64, ny=40, nx=48)
    cfg = tiny_config(tmp_path / "db.nc", tmp_path / "mesh.nc", tmp_path / "out",
                      val_fraction=0.25)
    tracemalloc.start()
    try:
        _, layout, x, n_train, _, train_set = build(cfg)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert x.dtype == torch.float32 and x.shape[0] == 64 and n_train == 48
    assert peak < 1.5 * x.numpy().nbytes, (peak, x.numpy().nbytes)
    order = np.concatenate([train_set.rows, np.setdiff1d(np.arange(64), train_set.rows)])
    ref = layout.encode({k: v[order] for k, v in fields.items()})
    torch.testing.assert_close(x, ref, rtol=0, atol=0)


def test_targets_by_batches_equal_the_whole_set(tmp_path):
    grid, fields = _inputs(tmp_path, n=21)
    layout = Layout(grid, multiple=2)
    layout.fit(fields)
    x = layout.encode(fields)
    physics = Physics(layout, Density("eos80"))
    whole, batched = default_targets(physics, x), targets_by_batches(physics, x)
    for k in whole:
        np.testing.assert_allclose(batched[k], whole[k], rtol=1e-12, atol=1e-15)


@pytest.mark.slow
def test_train_bench_quick(capsys):
    """``nemoml bench train --quick``: both runs measured, the larger grid resampled from
    GYRE's mesh and states."""
    import json

    from nemoml.cli import main

    assert main(["bench", "train", "--json", "--quick"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("gyre_peak_rss_gb", "big_peak_rss_gb", "big_peak_rss_gb_before_reference_card",
                "big_states_gb_float32"):
        assert out[key] > 0, key
    assert out["big_grid"] == "64x44x31" and out["big_peak_rss_gb"] < 24
    assert out["big_peak_rss_gb_before_reference_card"] <= out["big_peak_rss_gb"]
