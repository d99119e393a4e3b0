"""Export a trained denoiser (TorchScript, and ``.pt2`` where it exports) with a self-contained
metadata file, and load it back as a ``Generator`` with nothing else needed."""

from __future__ import annotations

import base64
import binascii
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch

from nemoml.base.files import atomic_write
from nemoml.base.serialised import load_exported, load_torchscript
from nemoml.eos.density import Density
from nemoml.generate.generator import Generator
from nemoml.generate.schedule import Schedule
from nemoml.generate.start import START_FILE, GaussianStart
from nemoml.grid.gridinfo import GridInfo
from nemoml.grid.layout import Layout

META = "generator.json"
TS_FILE = "denoiser.ts"
PT2_FILE = "denoiser.pt2"
FORMAT = "nemoml-generator/1"


def _example(layout: Layout):
    x = torch.zeros(2, layout.channels, layout.height, layout.width)
    return x, torch.tensor([999, 0]), layout.mask_tensor()


def export(out_dir, net: torch.nn.Module, layout: Layout, density: Density, schedule: Schedule,
           targets: dict, model_config: dict, duals: dict | None = None,
           extra: dict | None = None, pt2: bool = True, start: GaussianStart | None = None,
           ) -> Path:
    """Write ``denoiser.ts`` (+ ``denoiser.pt2``), ``start.npz`` and ``generator.json`` into
    ``out_dir``."""
    out_dir = Path(out_dir)
    net = net.eval().float()
    example = _example(layout)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(net, example, check_trace=False)
    atomic_write(out_dir / TS_FILE, lambda p: torch.jit.save(traced, p))
    files = {"torchscript": TS_FILE}
    if pt2:
        try:
            batch = torch.export.Dim("batch", min=1, max=4096)
            dynamic = {"x": {0: batch}, "t": {0: batch}, "mask": None}
            program = torch.export.export(net, example, dynamic_shapes=dynamic)
            atomic_write(out_dir / PT2_FILE, lambda p: torch.export.save(program, p))
            files["pt2"] = PT2_FILE
        except Exception as err:  # noqa: BLE001 - .pt2 is optional; TorchScript always works
            files["pt2_error"] = f"{type(err).__name__}: {err}"[:300]
    if start is not None:
        atomic_write(out_dir / START_FILE, lambda p: start.save(p))
        files["start"] = START_FILE
    meta = {
        "format": FORMAT,
        "files": files,
        "grid": layout.grid.to_json(),
        "layout": layout.to_json(),
        "schedule": {"kind": "cosine", "n_train": schedule.n_train, "s": schedule.s,
                     "prediction": "epsilon"},
        "eos": {"name": density.eos, "params": density.params},
        "targets": targets,
        "duals": duals or {},
        "model": model_config,
        **(extra or {}),
    }
    atomic_write(out_dir / META, lambda p: Path(p).write_text(json.dumps(meta)))
    return out_dir / META


def update_duals(path, duals: dict) -> None:
    """Store calibrated duals in an exported generator's metadata."""
    meta_path = _meta_path(path)
    meta = json.loads(meta_path.read_text())
    meta["duals"] = {**meta.get("duals", {}), **duals}
    atomic_write(meta_path, lambda p: Path(p).write_text(json.dumps(meta)))


def _meta_path(path) -> Path:
    path = Path(path)
    meta_path = path / META if path.is_dir() else path
    if not meta_path.is_file():
        raise FileNotFoundError(f"no generator metadata at {meta_path}")
    return meta_path


def read_metadata(path) -> dict:
    """An exported generator's ``generator.json`` (directory or the file itself), checked."""
    meta_path = _meta_path(path)
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{meta_path}: corrupt generator metadata ({err})") from err
    if meta.get("format") != FORMAT:
        raise ValueError(f"{meta_path}: not a nemoml generator (format {meta.get('format')!r})")
    return meta


def metadata_grid(path) -> tuple[Path, dict, GridInfo, Layout]:
    """The grid and layout an exported generator's ``generator.json`` describes, checked
    against each other before any model is loaded: a grid whose masks, depths or fields do
    not fit its shape, or a layout naming levels it does not have, is an error naming the file
    (it failed in a numpy reshape before).

    Returns
    -------
    (meta_path, meta, grid, layout)
    """
    meta_path = _meta_path(path)
    meta = read_metadata(meta_path)
    try:
        g = meta["grid"]
        shape = tuple(int(n) for n in g["shape"])
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(f"shape {shape} is not (levels, ny, nx)")
        for key in ("gdept", "gdepw", "e3t", "e3w"):
            if len(g[key]) != shape[0]:
                raise ValueError(f"{key} has {len(g[key])} levels, the shape {shape[0]}")
        for key in ("tmask", "umask", "vmask"):
            bits = 8 * len(base64.b64decode(g[key]))
            if bits < int(np.prod(shape)):
                raise ValueError(f"{key} holds {bits} points, the shape {int(np.prod(shape))}")
        for key in ("area", "lat"):
            n = len(base64.b64decode(g[key])) // 8
            if n != shape[1] * shape[2]:
                raise ValueError(f"{key} holds {n} points, the shape {shape[1] * shape[2]}")
        grid = GridInfo.from_json(g)
        layout = Layout.from_json(meta["layout"], grid)
        if len(layout.mean) != layout.channels or len(layout.std) != layout.channels:
            raise ValueError(f"the layout's normalisation has {len(layout.mean)} means and "
                             f"{len(layout.std)} stds for {layout.channels} channels")
    except (KeyError, TypeError, ValueError, binascii.Error) as err:
        what = f"missing entry {err}" if isinstance(err, KeyError) else str(err)
        raise ValueError(f"{meta_path}: the generator's grid or layout is inconsistent "
                         f"({what}); export it again (train-generator writes it)") from err
    return meta_path, meta, grid, layout


def load_generator(path, prefer: str = "torchscript", device: str = "cpu") -> Generator:
    """Load an exported generator (directory or its ``generator.json``).

    Parameters
    ----------
    path : path-like
        Export directory or metadata file.
    prefer : {"torchscript", "pt2"}
        Which serialised denoiser to load when both exist.
    device : str
        Where the denoiser runs (``cpu``, ``cuda:N``: ``cn_nemoml_device``, ``bridge.device``).
    """
    meta_path, meta, grid, layout = metadata_grid(path)  # checked before the denoiser loads
    files = meta["files"]
    kind = "pt2" if prefer == "pt2" and "pt2" in files else "torchscript"
    model_file = meta_path.parent / files[kind]
    if not model_file.is_file():
        raise FileNotFoundError(f"{meta_path}: denoiser file {model_file} is missing")
    net = (load_exported if kind == "pt2" else load_torchscript)(model_file, device)
    sched = meta["schedule"]
    start = None
    if "start" in files:
        start_file = meta_path.parent / files["start"]
        if not start_file.is_file():
            raise FileNotFoundError(f"{meta_path}: start file {start_file} is missing")
        try:
            start = GaussianStart.load(start_file)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
            raise ValueError(f"{meta_path}: corrupt start file {start_file} ({err})") from err
    return Generator(
        net, layout, Schedule(sched["n_train"], sched["s"]),
        Density(meta["eos"]["name"], meta["eos"].get("params") or {}),
        meta["targets"], meta.get("duals"), meta["model"].get("clip", 6.0), meta, start,
        device,
    )
