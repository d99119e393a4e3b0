"""NEMO grids: mesh masks (:class:`Grid`) and the MPI decomposition (:mod:`.decomp`)."""

from nemoml.base.files import NemoFileError
from nemoml.grid.mesh import Grid

__all__ = ["Grid", "NemoFileError"]
