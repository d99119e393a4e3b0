"""NEMO grids: mesh masks (:class:`Grid`) and the MPI decomposition (:mod:`.decomp`)."""

from nemoml.base.netcdf import NemoFileError, atomic_path
from nemoml.grid.mesh import Grid

__all__ = ["Grid", "NemoFileError", "atomic_path"]
