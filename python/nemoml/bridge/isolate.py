"""Imports that must not bind to the host's copies of shared libraries.

Wheels such as netCDF4 bundle their own libnetcdf and HDF5. NEMO links the system's, and those
symbols, loaded first, would win the lookup: a crash on import. RTLD_DEEPBIND makes the wheel
bind its own copies. This runs first in the embedded interpreter (csrc/bridge/cffi_build.py).
"""

from __future__ import annotations

import importlib
import os
import sys

BUNDLING_WHEELS = ("netCDF4",)


def import_isolated(modules: tuple[str, ...] = BUNDLING_WHEELS) -> None:
    flags = sys.getdlopenflags()
    sys.setdlopenflags(flags | os.RTLD_DEEPBIND)
    try:
        for name in modules:
            importlib.import_module(name)
    finally:
        sys.setdlopenflags(flags)
