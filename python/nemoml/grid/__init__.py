"""NEMO grids: mesh masks (:class:`Grid`), the MPI decomposition (:mod:`.decomp`), padding by
the grid's own edges (:mod:`.padding`), the serialisable grid description models carry
(:class:`GridInfo`) and the channel layout of states as network inputs (:class:`Layout`)."""

from nemoml.base.files import NemoFileError
from nemoml.base.lazy import lazy_exports
from nemoml.grid.decomp import Decomposition, Subdomain
from nemoml.grid.mesh import Grid

_LAZY = {"GridInfo": "nemoml.grid.gridinfo", "Layout": "nemoml.grid.layout",
         "Boundaries": "nemoml.grid.padding", "pad": "nemoml.grid.padding"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = ["Decomposition", "Grid", "NemoFileError", "Subdomain", *_LAZY]
