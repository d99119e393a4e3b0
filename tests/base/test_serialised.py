"""Model and checkpoint files named by a user never run code when read (issue 26).

Each file below carries a pickle whose ``__reduce__`` calls ``exec`` to create a marker file;
every loader must refuse it with a message naming the file, and the marker must not appear.
Before ``base/serialised.py``, the ``.pt`` checkpoints (``torch.load(weights_only=False)``) and
the ``.pt2`` with pickled example inputs (torch.export.load's fallback) created the marker.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from nemoml.base import packaged
from nemoml.base.serialised import (
    UnsafeFileError,
    load_checkpoint,
    load_exported,
    load_torchscript,
    plain,
)


class Payload:
    """Unpickled by the full unpickler, it runs ``exec``: creates ``marker``."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('ran')",)


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)

    def forward(self, x):
        return self.lin(x)


def evil_checkpoint(path: Path, marker: Path, **extra) -> Path:
    torch.save({"config": {}, "state": Payload(marker), **extra}, path)
    return path


def _rewrite(src: Path, dst: Path, replace) -> Path:
    with zipfile.ZipFile(src) as z:
        files = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in files.items():
            z.writestr(name, replace(name, data))
    return dst


def evil_pt2(tmp: Path, marker: Path) -> Path:
    """A current-format .pt2 whose example inputs are a pickled payload: torch.export.load
    retries them with weights_only=False, which ran the payload."""
    good = tmp / "good.pt2"
    torch.export.save(torch.export.export(Tiny(), (torch.zeros(1, 3),)), good)
    buf = io.BytesIO()
    torch.save((Payload(marker),), buf)
    return _rewrite(good, tmp / "evil.pt2", lambda n, b: buf.getvalue()
                    if n.endswith("sample_inputs/model.pt") else b)


def evil_legacy_pt2(tmp: Path, marker: Path) -> Path:
    """The layout of torch 2.7's .pt2 (torch.export.load's legacy zip reader)."""
    buf = io.BytesIO()
    torch.save({"w": Payload(marker)}, buf)
    path = tmp / "legacy.pt2"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("version", "8.0")
        z.writestr("serialized_exported_program.json", "{}")
        z.writestr("serialized_state_dict.pt", buf.getvalue())
    return path


def evil_torchscript(tmp: Path, marker: Path) -> Path:
    """A real TorchScript archive with its data.pkl replaced by the payload."""
    import pickle

    good = tmp / "good.ts"
    torch.jit.save(torch.jit.script(Tiny()), good)
    bad = pickle.dumps(Payload(marker), protocol=2)
    return _rewrite(good, tmp / "evil.ts", lambda n, b: bad if n.endswith("/data.pkl") else b)


def test_checkpoint_with_code_is_refused(tmp_path):
    marker = tmp_path / "ran"
    path = evil_checkpoint(tmp_path / "evil.pt", marker)
    with pytest.raises(UnsafeFileError, match=r"checkpoint .*evil.pt refused.*convert"):
        load_checkpoint(path)
    assert not marker.exists()


def test_plain_checkpoint_reads_back(tmp_path):
    state = plain({"a": np.float64(1.5), "b": [np.int64(3), np.arange(4)],
                   "t": torch.ones(2), "s": "x"})
    torch.save(state, tmp_path / "c.pt")
    back = load_checkpoint(tmp_path / "c.pt")
    assert back["a"] == 1.5 and back["b"][0] == 3 and back["s"] == "x"
    assert torch.equal(back["b"][1], torch.arange(4)) and torch.equal(back["t"], torch.ones(2))


def test_pt2_with_pickled_payload_is_refused(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(UnsafeFileError, match=r"evil.pt2 refused.*pickle inside"):
        load_exported(evil_pt2(tmp_path, marker))
    assert not marker.exists()
    with pytest.raises(UnsafeFileError, match=r"legacy.pt2 refused: not a current"):
        load_exported(evil_legacy_pt2(tmp_path, marker))
    assert not marker.exists()
    tiny = Tiny()  # a genuine archive still loads, and computes what the module did
    torch.export.save(torch.export.export(tiny, (torch.zeros(1, 3),)), tmp_path / "ok.pt2")
    x = torch.randn(1, 3)
    torch.testing.assert_close(load_exported(tmp_path / "ok.pt2")(x), tiny(x))


def test_pt2_members_for_the_full_unpickler_are_refused(tmp_path):
    good = tmp_path / "good.pt2"
    torch.export.save(torch.export.export(Tiny(), (torch.zeros(1, 3),)), good)
    with zipfile.ZipFile(good, "a") as z:
        z.writestr("good/data/constants/opaque_obj_0", b"\x80\x04N.")
    with pytest.raises(UnsafeFileError, match="opaque_obj_0 would be read by the full pickle"):
        load_exported(good)


def test_torchscript_with_code_is_refused(tmp_path):
    marker = tmp_path / "ran"
    # torch.jit.load's own unpickler refuses a GLOBAL outside torch and TorchScript classes
    with pytest.raises(RuntimeError):
        load_torchscript(evil_torchscript(tmp_path, marker))
    assert not marker.exists()
    # a pickled checkpoint given where a TorchScript model is expected is refused by name
    with pytest.raises(UnsafeFileError, match=r"evil.pt refused: not a TorchScript archive"):
        load_torchscript(evil_checkpoint(tmp_path / "evil.pt", marker))
    assert not marker.exists()


def test_registry_refuses_models_that_run_code(tmp_path):
    from nemoml.bridge.registry import load_model

    marker = tmp_path / "ran"
    for path in (evil_pt2(tmp_path, marker), evil_legacy_pt2(tmp_path, marker),
                 evil_checkpoint(tmp_path / "model.pt", marker)):
        with pytest.raises(UnsafeFileError, match=rf"model 'm': .*{path.name} refused"):
            load_model("m", path)
    assert not marker.exists()


def test_da_checkpoints_that_run_code_are_refused(tmp_path):
    """cn_nemoml_da as a .pt: the 4dvarnet handler sniffs it (is_state_solver), then the 3D or
    QG loader reads it."""
    from nemoml.assimilate.gyre.export import FORMAT, is_state_solver, load_state_solver
    from nemoml.assimilate.qg.export import load_solver

    marker = tmp_path / "ran"
    path = evil_checkpoint(tmp_path / "da.pt", marker, format=FORMAT)
    for call in (is_state_solver, load_state_solver, load_solver):
        with pytest.raises(UnsafeFileError, match=r"da.pt refused"):
            call(path)
    assert not marker.exists()


def test_generator_denoiser_that_runs_code_is_refused(tmp_path):
    from nemoml.generate.export import load_generator

    marker = tmp_path / "ran"
    folder = tmp_path / "gen"
    shutil.copytree(packaged.GENERATOR, folder)
    evil_checkpoint(folder / "denoiser.ts", marker)
    with pytest.raises(UnsafeFileError, match=r"denoiser.ts refused"):
        load_generator(folder)
    meta = json.loads((folder / "generator.json").read_text())
    meta["files"]["pt2"] = "denoiser.pt2"
    (folder / "generator.json").write_text(json.dumps(meta))
    shutil.copy(evil_pt2(tmp_path, marker), folder / "denoiser.pt2")
    with pytest.raises(UnsafeFileError, match=r"denoiser.pt2 refused"):
        load_generator(folder, prefer="pt2")
    assert not marker.exists()


def test_packaged_models_still_load():
    from nemoml.assimilate.fourdvarnet.exported import read_exported
    from nemoml.assimilate.gyre.export import FORMAT, is_state_solver
    from nemoml.assimilate.qg.export import load_solver
    from nemoml.generate.export import load_generator

    assert load_generator(packaged.GENERATOR).net is not None
    module, meta, _ = read_exported(packaged.GYRE_SOLVER, FORMAT)
    assert meta["format"] == FORMAT and module is not None
    assert not is_state_solver(packaged.QG_SOLVER)
    assert load_solver(packaged.QG_SOLVER).window > 0
