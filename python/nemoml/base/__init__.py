"""The plumbing every room shares, at the bottom of the house: atomic file writes
(:mod:`.files`), netCDF reading (:mod:`.netcdf`), where the compiled parts are (:mod:`.paths`),
what the package carries (:mod:`.packaged`), the torch device of a rank (:mod:`.device`) and
data-parallel ranks for training (:mod:`.distributed`). It imports no other room.
"""

from nemoml.base.files import NemoFileError, atomic_path, atomic_text, atomic_write
from nemoml.base.paths import bindir, includedir, libdir, package_subdir, shared_data

__all__ = ["NemoFileError", "atomic_path", "atomic_text", "atomic_write", "bindir",
           "includedir", "libdir", "package_subdir", "shared_data"]
