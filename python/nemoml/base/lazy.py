"""Lazy re-exports for a room's ``__init__``: its public names load their module on first use.

A room's face (``__all__``) names everything it offers, but importing the room must stay cheap:
the bridge runs inside NEMO, and most modules import torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(package: str, table: dict[str, tuple[str, ...]],
                 ) -> tuple[Callable[[str], object], list[str]]:
    """A module ``__getattr__`` and ``__all__`` serving ``table`` (submodule of ``package``,
    relative -> the public names it defines).

    A name may not be a submodule's own name: ``from package import name`` would then return
    the attribute instead of the submodule, depending on what was imported before.
    """
    where = {name: f"{package}.{module}" for module, names in table.items() for name in names}
    clash = sorted(set(where) & set(table))
    if clash:
        raise ValueError(f"{package}: public names {clash} are also submodules")

    def __getattr__(name: str):
        if name in where:
            return getattr(importlib.import_module(where[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__, sorted(where)
