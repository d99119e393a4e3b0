"""The istate handler checks the generator's ``generator.json`` against the host's mesh at
init, before loading its denoiser, and names the file (issue 26): a generator whose grid was
wrong failed in a numpy reshape without naming it."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from nemoml.base.packaged import GENERATOR, gyre
from nemoml.bridge.handlers.generator import HANDLER
from nemoml.bridge.settings import Settings
from nemoml.generate.export import load_generator
from nemoml.grid import Grid


def _session(grid: Grid, uv: str = "zero", depth_scale: float = 1.0):
    shape = grid.shape
    settings = Settings.from_text("ln_nemoml_istate = .true.\ncn_nemoml_generator = 'x'\n"
                                  f"cn_nemoml_uv = '{uv}'")
    return SimpleNamespace(
        settings=settings, cache={}, grid={"jpk": shape[0]},
        registry=SimpleNamespace(device="cpu"),
        exchange=SimpleNamespace(shape2d=shape[1:]),
        global_masks={"tmask": grid.tmask, "umask": grid.umask, "vmask": grid.vmask},
        depths={"gdept_1d": grid.gdept_1d * depth_scale, "e3t_1d": grid.e3t_1d * depth_scale},
        global_surface={})


@pytest.fixture()
def grid():
    return Grid.from_mesh_mask(gyre("mesh_mask.nc"))


@pytest.fixture()
def copy(tmp_path):
    """The packaged generator with a denoiser that cannot load: a check that passes it first
    fails on the denoiser, so a grid error proves the check ran before any model was read."""
    folder = tmp_path / "gen"
    shutil.copytree(GENERATOR, folder)
    (folder / "denoiser.ts").write_bytes(b"not a model")
    return folder


def test_the_packaged_generator_fits_the_gyre_mesh(grid):
    session = _session(grid)
    HANDLER.prepare(session, str(GENERATOR))
    assert session.cache["generator"].layout.grid.shape == grid.shape


def test_other_depths_are_refused_naming_the_file(grid, copy):
    with pytest.raises(ValueError, match=r"gen/generator.json: its gdept_1d differs from the "
                                         r"host's at \d+ of 31 level\(s\) \(first: level 1"):
        HANDLER.prepare(_session(grid, depth_scale=1.01), str(copy))


def test_other_masks_and_shapes_are_refused_naming_the_file(grid, copy):
    umask = grid.umask.copy()
    umask[0, 5, 5] = ~umask[0, 5, 5]
    session = _session(grid, uv="generated")
    session.global_masks["umask"] = umask
    with pytest.raises(ValueError, match=r"generator .*gen/generator.json: .*host's umask at 1"):
        HANDLER.prepare(session, str(copy))
    small = _session(grid)
    small.exchange.shape2d = (grid.shape[1], grid.shape[2] - 2)
    with pytest.raises(ValueError, match=r"gen/generator.json was trained on a 32x22x31 grid, "
                                         r"the host runs 30x22x31"):
        HANDLER.prepare(small, str(copy))


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["grid"].update(shape=[31, 22, 33]), "tmask holds 21824 points, the shape 22506"),
    (lambda m: m["grid"].update(gdept=m["grid"]["gdept"][:-1]), "gdept has 30 levels"),
    (lambda m: m["grid"].pop("tmask"), "missing entry 'tmask'"),
    (lambda m: m["layout"].update(levels=[40]), "outside the grid's 31 levels"),
])
def test_an_inconsistent_generator_json_names_the_file(copy, edit, message):
    meta = json.loads((copy / "generator.json").read_text())
    edit(meta)
    (copy / "generator.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=rf"gen/generator.json: the generator's grid or layout "
                                         rf"is inconsistent \(.*{message}"):
        load_generator(copy)


def test_depths_as_float32_still_fit(grid):
    """A host passing its depths through float32 (the stand-in host's mesh file) still fits."""
    session = _session(grid)
    session.depths = {k: np.asarray(v, np.float32) for k, v in session.depths.items()}
    HANDLER.prepare(session, str(GENERATOR))
