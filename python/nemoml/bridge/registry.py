"""Models loaded once at init: TorchScript (``.pt``) and ``torch.export`` (``.pt2``) files.

A JSON file beside the model (``model.pt.json`` or ``model.json``) is read as its metadata.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LoadedModel:
    name: str
    path: Path
    module: object  # a callable torch module
    kind: str  # "torchscript" or "export"
    metadata: dict = field(default_factory=dict)
    dtype: object = None  # torch dtype of its first floating parameter, if any
    device: str = "cpu"  # where it runs (cn_nemoml_device); inputs are moved there


def _metadata(path: Path) -> dict:
    for candidate in (path.with_name(path.name + ".json"), path.with_suffix(".json")):
        if candidate.is_file():
            try:
                return json.loads(candidate.read_text())
            except json.JSONDecodeError as exc:
                raise ValueError(f"model metadata {candidate} is not valid JSON: {exc}") from exc
    return {}


def load_model(name: str, path: str | Path, device: str = "cpu") -> LoadedModel:
    """Load one model onto ``device``; raise with the model's name and path on any failure
    (a file that could run code when read is refused: :mod:`nemoml.base.serialised`)."""
    from nemoml.base.serialised import UnsafeFileError, load_module

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model {name!r}: file {path} does not exist")
    try:
        module, kind = load_module(path, device)
    except UnsafeFileError as exc:  # its message says what was found and how to convert
        raise UnsafeFileError(f"model {name!r}: cannot load {path}: {exc}") from exc
    except Exception as exc:  # torch raises many types for a corrupt or foreign file
        raise ValueError(f"model {name!r}: cannot load {path} ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else 'no message'}); is it a "
                         f"TorchScript .pt or torch.export .pt2 file?") from exc
    dtype = next((p.dtype for p in module.parameters() if p.is_floating_point()), None)
    return LoadedModel(name, path, module, kind, _metadata(path), dtype, device)


class Registry:
    """Models by name and by integer handle (the handle avoids string work per call)."""

    def __init__(self, device: str = "cpu") -> None:
        self.models: list[LoadedModel] = []
        self.device = device

    def load(self, name: str, path: str | Path) -> int:
        if any(m.name == name for m in self.models):
            raise ValueError(f"a model named {name!r} is already loaded")
        self.models.append(load_model(name, path, self.device))
        return len(self.models) - 1

    def by_name(self, name: str) -> LoadedModel:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(f"no model named {name!r} is loaded (loaded: "
                       f"{', '.join(m.name for m in self.models) or 'none'})")

    def by_handle(self, handle: int) -> LoadedModel:
        if not 0 <= handle < len(self.models):
            raise KeyError(f"invalid model handle {handle} ({len(self.models)} model(s) loaded)")
        return self.models[handle]

    def clear(self) -> None:
        self.models.clear()
