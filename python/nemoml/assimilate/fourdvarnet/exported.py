"""The exported-solver folder both 4DVarNet cases write: ``solver.json`` (its ``format``, the
file names, the window and normalisation) beside ``solver.ts`` and, when export succeeded,
``solver.pt2``. One reader for both, so they check and refuse files the same way.
"""

from __future__ import annotations

import json
from pathlib import Path


def read_exported(path: str | Path, fmt: str, prefer: str = "ts",
                  device: str = "cpu") -> tuple[object, dict, Path]:
    """Load an exported solver folder (or its ``solver.json``) of format ``fmt``.

    Parameters
    ----------
    path : path-like
        The folder or its ``solver.json``.
    fmt : str
        The ``format`` its ``solver.json`` must name.
    prefer : {"ts", "pt2"}
        The serialisation to load when both exist.
    device : str
        Where the module runs.

    Returns
    -------
    (module, metadata, folder)
    """
    from nemoml.base.serialised import load_exported, load_torchscript

    path = Path(path)
    folder = path.parent if path.suffix == ".json" else path
    info = folder / "solver.json"
    if not info.is_file():
        raise FileNotFoundError(f"no exported solver at {folder} (solver.json missing)")
    meta = json.loads(info.read_text())
    if meta.get("format") != fmt:
        raise ValueError(f"{info}: format is not {fmt}")
    if prefer == "pt2" and meta.get("pt2"):
        module = load_exported(folder / meta["pt2"], device)
    else:
        module = load_torchscript(folder / meta["torchscript"], device)
    return module, meta, folder


def solver_format(path: str | Path) -> str | None:
    """The ``format`` named by an exported solver folder's ``solver.json``; None if none."""
    path = Path(path)
    folder = path.parent if path.suffix == ".json" else path
    info = folder / "solver.json"
    return json.loads(info.read_text()).get("format") if info.is_file() else None
