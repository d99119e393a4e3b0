"""The one place nemoml reads serialised torch files a user names: checkpoints, TorchScript
archives and ``torch.export`` (``.pt2``) archives. None of them may run code when read.

Model files are shared between users and projects on HPC systems, and they are read inside the
NEMO process: a Python pickle can name any callable (``exec``, ``os.system``) for the
unpickler to call. So:

- checkpoints (``.pt`` from training) are read with ``torch.load(weights_only=True)``: only
  tensors, dicts, lists, tuples, numbers and strings come back; anything else is refused;
- TorchScript archives are read by ``torch.jit.load``, whose C++ unpickler resolves only torch
  types and TorchScript classes (a ``GLOBAL`` of ``builtins exec`` is an error) and whose code
  is TorchScript compiled by TorchScript's own compiler, not Python; the file must be a
  TorchScript zip archive (a pickled checkpoint given as a model is refused here, by name);
- ``.pt2`` archives must be the current archive format: ``torch.export.load`` falls back to a
  legacy zip reader, and both readers call ``torch.load(weights_only=False)`` on pickles inside
  the archive (the example inputs, pickled weights); a ``.pt2`` with a pickled payload as its
  example inputs ran it on torch 2.13. The archive is checked first (format and version, no
  member that goes to ``pickle.loads``, the TorchScript-object unpickler or compiled native
  code), then read with ``TORCH_FORCE_WEIGHTS_ONLY_LOAD`` set, which makes every
  ``torch.load`` inside weights-only whatever its caller asked.

A refusal is an :class:`UnsafeFileError` (a ``ValueError``) naming the file, what was found
and how to convert it.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from pathlib import Path

__all__ = ["UnsafeFileError", "load_checkpoint", "load_exported", "load_module",
           "load_torchscript", "plain"]

# where a .pt2 archive keeps what is not read by torch.load: pickle.loads (opaque objects),
# the TorchScript-object unpickler (custom objects), compiled native code (AOTInductor and
# the other back-ends' folders). nemoml's exports never hold them.
_PT2_REFUSED_PREFIXES = ("custom_obj_", "opaque_obj_")
_PT2_REFUSED_DIRS = ("data/aotinductor/", "data/executorch/", "data/mtia", "xl_model_weights/")


class UnsafeFileError(ValueError):
    """A file that is not in a form nemoml can read without running code from it."""


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else 'no message'}"


def load_checkpoint(path: str | Path, map_location="cpu", what: str = "checkpoint"):
    """Read a training checkpoint with ``torch.load(weights_only=True)``.

    Parameters
    ----------
    path : path-like
        The ``.pt`` file.
    map_location : str or torch.device
        Where its tensors go.
    what : str
        What the file is, for messages ("3D 4DVarNet checkpoint").

    Raises
    ------
    UnsafeFileError
        The file holds an object other than tensors, containers, numbers and strings (it would
        need the full unpickler, which can run code): the message says how to re-save it.
    """
    import pickle

    import torch

    path = Path(path)
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeFileError(
            f"{what} {path} refused: it holds objects other than tensors, dicts, lists, "
            f"numbers and strings, and reading them could run code from the file "
            f"({_short(exc)}). If you trust it, convert it once outside NEMO: "
            f"c = torch.load(path, weights_only=False); keep only its tensors and plain "
            f"values; torch.save(c, new_path)") from exc
    except (RuntimeError, EOFError, OSError) as exc:
        raise ValueError(f"{what} {path} cannot be read ({_short(exc)}); is it a torch.save "
                         f"checkpoint?") from exc


def _zip_names(path: Path, what: str) -> list[str]:
    if not zipfile.is_zipfile(path):
        raise UnsafeFileError(f"{what} {path} refused: not a zip archive (TorchScript and .pt2 "
                              f"files are zip archives; a plain pickle is never read as a model)")
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def _check_torchscript(path: Path) -> None:
    names = _zip_names(path, "TorchScript file")
    roots = {n.split("/", 1)[0] for n in names if "/" in n}
    for root in roots:
        if {f"{root}/data.pkl", f"{root}/constants.pkl"} <= set(names) and any(
                n.startswith(f"{root}/code/") for n in names):
            return
    if any(n.endswith("/archive_format") for n in names):
        raise UnsafeFileError(f"TorchScript file {path} refused: it is a torch.export .pt2 "
                              f"archive; name it with the .pt2 suffix")
    raise UnsafeFileError(
        f"TorchScript file {path} refused: not a TorchScript archive (no data.pkl, "
        f"constants.pkl and code/; a checkpoint written by torch.save is not a model). "
        f"Convert a trusted module with torch.jit.save(torch.jit.script(module), path) or "
        f"torch.export.save(torch.export.export(module, inputs), path.pt2)")


def load_torchscript(path: str | Path, device="cpu"):
    """A TorchScript archive (``torch.jit.save``) on ``device``, in eval mode.

    Raises
    ------
    UnsafeFileError
        The file is not a TorchScript zip archive.
    """
    import torch

    path = Path(path)
    _check_torchscript(path)
    return torch.jit.load(str(path), map_location=device).eval()


def _check_pt2(path: Path) -> None:
    from torch.export.pt2_archive import constants as pt2

    names = _zip_names(path, ".pt2 file")
    how = ("re-export it with this torch: torch.export.save(torch.export.export(module, "
           "inputs), path)")
    with zipfile.ZipFile(path) as z:
        fmt = [n for n in names if n.split("/", 1)[-1] == pt2.ARCHIVE_FORMAT_PATH]
        ver = [n for n in names if n.split("/", 1)[-1] == pt2.ARCHIVE_VERSION_PATH]
        if not fmt or not ver:
            raise UnsafeFileError(
                f".pt2 file {path} refused: not a current torch.export archive (no "
                f"{pt2.ARCHIVE_FORMAT_PATH!r}/{pt2.ARCHIVE_VERSION_PATH!r} record; the legacy "
                f"reader torch would fall back to unpickles its contents); {how}")
        found = (z.read(fmt[0]).decode(errors="replace").strip(),
                 z.read(ver[0]).decode(errors="replace").strip())
        if found != (pt2.ARCHIVE_FORMAT_VALUE, pt2.ARCHIVE_VERSION_VALUE):
            raise UnsafeFileError(
                f".pt2 file {path} refused: archive format/version {found}, this torch reads "
                f"{(pt2.ARCHIVE_FORMAT_VALUE, pt2.ARCHIVE_VERSION_VALUE)}; {how}")
    for name in names:
        inner = name.split("/", 1)[-1]
        base = inner.rsplit("/", 1)[-1]
        if base.startswith(_PT2_REFUSED_PREFIXES) or inner.startswith(_PT2_REFUSED_DIRS):
            raise UnsafeFileError(
                f".pt2 file {path} refused: member {name} would be read by the full pickle "
                f"unpickler or is compiled code; nemoml reads only graphs and tensors")


@contextlib.contextmanager
def _weights_only_everywhere():
    """Every ``torch.load`` in the block weights-only, whatever its caller asked (torch's own
    switch, read at each call); the process's previous setting is restored after."""
    saved = {k: os.environ.pop(k, None) for k in ("TORCH_FORCE_WEIGHTS_ONLY_LOAD",
                                                  "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")}
    os.environ["TORCH_FORCE_WEIGHTS_ONLY_LOAD"] = "1"
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def load_exported(path: str | Path, device="cpu"):
    """The module of a ``torch.export`` archive (``torch.export.save``) on ``device``.

    Raises
    ------
    UnsafeFileError
        Not the current ``.pt2`` archive format, a member the full unpickler or native code
        would read, or a pickle inside that is not weights-only.
    """
    import pickle

    import torch

    path = Path(path)
    _check_pt2(path)
    try:
        with _weights_only_everywhere():
            program = torch.export.load(str(path))
    except pickle.UnpicklingError as exc:
        raise UnsafeFileError(
            f".pt2 file {path} refused: a pickle inside holds objects other than tensors and "
            f"plain values, and reading it could run code ({_short(exc)}); re-export it from "
            f"a trusted module with torch.export.save") from exc
    return program.module().to(device)


def load_module(path: str | Path, device="cpu") -> tuple[object, str]:
    """A serialised module by its suffix: ``.pt2`` through :func:`load_exported`, anything
    else (``.pt``, ``.ts``) through :func:`load_torchscript`.

    Returns
    -------
    (module, kind)
        ``kind`` is ``"export"`` or ``"torchscript"``.
    """
    path = Path(path)
    if path.suffix == ".pt2":
        return load_exported(path, device), "export"
    return load_torchscript(path, device), "torchscript"


def plain(obj):
    """``obj`` with numpy scalars and arrays made Python numbers and tensors, recursively
    through dicts, lists and tuples: what :func:`load_checkpoint` reads back (numpy types need
    the full unpickler)."""
    import numpy as np
    import torch

    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(plain(v) for v in obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(obj))
    return obj
