"""Lazy re-exports for a room's ``__init__``: its public names load their module on first use.

A room's face (``__all__``) names everything it offers, but importing the room must stay cheap:
the bridge runs inside NEMO, and most modules import torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(package: str, table: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` serving ``table`` (public name -> module that defines it)."""

    def __getattr__(name: str):
        if name in table:
            return getattr(importlib.import_module(table[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
