"""Export, loading with nothing else, determinism, conditioning and the CLI on GYRE."""

import json
import shutil

import netCDF4
import numpy as np
import pytest
import torch

from nemoml.cli import main
from nemoml.generate import load_generator
from nemoml.generate.sampling_io import write_ensemble
from nemoml.generate.train import build, train

from .helpers import small_grid, stratified_states, tiny_config, write_mesh_mask


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    grid = small_grid()
    write_mesh_mask(tmp / "mesh_mask.nc", grid)
    db = write_ensemble(tmp / "states.nc", stratified_states(grid, 6))
    cfg = tiny_config(db, tmp / "mesh_mask.nc", tmp / "model", pt2=True)
    train(cfg, progress=False)
    # move the export away from the mesh mask and database: it must be self-contained
    shutil.move(tmp / "model", tmp / "moved")
    (tmp / "mesh_mask.nc").unlink()
    return tmp / "moved", cfg


def test_metadata_is_complete(exported):
    path, _ = exported
    meta = json.loads((path / "generator.json").read_text())
    for key in ("grid", "layout", "schedule", "eos", "targets", "model", "files", "reference"):
        assert key in meta
    assert meta["schedule"] == {"kind": "cosine", "n_train": 1000, "s": 0.008,
                                "prediction": "epsilon"}
    assert meta["eos"]["name"] == "eos80"
    assert set(meta["targets"]) == {"c1", "c2", "ts", "stability"}
    assert meta["files"]["torchscript"] == "denoiser.ts"
    assert meta["files"]["start"] == "start.npz" and load_generator(path).start is not None


def test_targets_are_the_whole_database_means(exported):
    """Level-mean T and S targets average all states, the validation split included."""
    path, cfg = exported
    meta = json.loads((path / "generator.json").read_text())
    assert meta["training"]["n_val_states"] > 0
    grid = small_grid()
    states = stratified_states(grid, 6)
    levels = meta["layout"]["levels"]
    mask = grid.tmask[levels]
    want = [(states[v][:, levels] * mask).sum((0, 2, 3)) / (6 * mask.sum((1, 2)))
            for v in ("T", "S")]
    got = np.asarray(meta["targets"]["ts"]).reshape(2, len(levels))
    np.testing.assert_allclose(got, np.array(want), rtol=0, atol=2e-5)


def test_torchscript_pt2_and_eager_agree(exported, tmp_path):
    path, cfg = exported
    ts = load_generator(path)
    x = torch.randn(3, ts.layout.channels, ts.layout.height, ts.layout.width) * ts.mask
    t = torch.tensor([0, 500, 999])
    ckpt = torch.load(path / "checkpoint.pt", weights_only=False)
    *_, net, _ = build(tiny_config(cfg.database, _mesh_copy(tmp_path), tmp_path))
    net.load_state_dict(ckpt["ema"])
    with torch.no_grad():
        want = net(x, t, ts.mask)
        assert torch.allclose(ts.net(x, t, ts.mask), want, atol=1e-5)
        if "pt2" in json.loads((path / "generator.json").read_text())["files"]:
            pt2 = load_generator(path, prefer="pt2")
            assert torch.allclose(pt2.net(x, t, ts.mask), want, atol=1e-5)


def _mesh_copy(tmp_path):
    write_mesh_mask(tmp_path / "mesh_mask.nc", small_grid())
    return tmp_path / "mesh_mask.nc"


def test_sampling_is_seeded(exported):
    gen = load_generator(exported[0])
    for sampler, steps in (("ddim", 4), ("ddpm", 6)):
        a = gen.sample(3, seed=11, sampler=sampler, steps=steps)
        b = gen.sample(3, seed=11, sampler=sampler, steps=steps, batch_size=1)
        c = gen.sample(3, seed=12, sampler=sampler, steps=steps)
        # same noise streams; batched float32 convolutions round differently (~1e-6)
        np.testing.assert_allclose(a["T"], b["T"], rtol=0, atol=1e-4)
        assert not np.array_equal(a["T"], c["T"])
    ocean = gen.layout.grid.tmask
    assert (a["T"][:, ~ocean] == 0).all() and np.isfinite(a["T"]).all()


def test_conditioning_on_surface_temperature(exported):
    gen = load_generator(exported[0])
    grid = gen.layout.grid
    sst = stratified_states(grid, 1, seed=9)["T"][0]
    obs = np.zeros(grid.shape, bool)
    obs[0] = grid.tmask[0]
    out = gen.sample(4, seed=3, steps=5, condition={"T": (sst, obs)})
    np.testing.assert_allclose(out["T"][:, 0][:, grid.tmask[0]],
                               np.broadcast_to(sst[0][grid.tmask[0]], (4, obs[0].sum())),
                               atol=1e-4)
    with pytest.raises(KeyError, match="does not generate"):
        gen.sample(1, condition={"U": (sst, obs)})
    with pytest.raises(ValueError, match="condition T: shape"):
        gen.sample(1, condition={"T": (sst[:2], obs[:2])})


def test_generate_cli_writes_restarts(shared, tmp_path):
    """Tiny model on GYRE; ``nemoml generate`` writes restarts from NEMO's own template."""
    gyre = shared / "data" / "gyre"
    model = tmp_path / "model"
    rc = main(["train-generator", "--database", str(gyre / "gyre_states.nc"), "--mesh-mask",
               str(gyre / "mesh_mask.nc"), "--out", str(model), "--min-year", "125",
               "--base", "8", "--mults", "1,2", "--steps", "2", "--batch", "2",
               "--no-progress", "--val-fraction", "0.2"])
    assert rc == 0
    out = tmp_path / "ens.nc"
    rc = main(["generate", "--model", str(model), "-n", "2", "--steps", "3", "--out", str(out),
               "--restart-template", str(gyre / "example_restart.nc"),
               "--condition-sst", str(gyre / "example_restart.nc")])
    assert rc == 0
    with netCDF4.Dataset(out) as ens:
        temp = ens["thetao"][:]
        assert temp.shape == (2, 31, 22, 32)
    with netCDF4.Dataset(gyre / "example_restart.nc") as tpl:
        sst = np.asarray(tpl["tn"][0, 0])
        names = set(tpl.variables)
    for i in range(2):
        with netCDF4.Dataset(tmp_path / f"ens_restart_{i:04d}.nc") as rst:
            assert names - {"sshbb_e", "ubb_e", "vbb_e", "sshb_e", "ub_e", "vb_e"} <= \
                set(rst.variables)
            np.testing.assert_allclose(rst["tn"][0], temp[i], atol=1e-12)
            np.testing.assert_array_equal(rst["un"][:], 0.0)
            ocean = rst["tn"][0, 0] != 0
            np.testing.assert_allclose(rst["tn"][0, 0][ocean], sst[ocean], atol=1e-4)
