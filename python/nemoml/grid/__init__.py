"""NEMO grids: mesh masks (:class:`Grid`), the MPI decomposition (:mod:`.decomp`), padding by
the grid's own edges (:mod:`.padding`), the serialisable grid description models carry
(:class:`GridInfo`) and the channel layout of states as network inputs (:class:`Layout`)."""

from nemoml.base.files import NemoFileError
from nemoml.base.lazy import lazy_exports
from nemoml.grid.decomp import Decomposition, Subdomain
from nemoml.grid.mesh import Grid

__getattr__, _lazy = lazy_exports(__name__, {
    "gridinfo": ("GridInfo",), "layout": ("Layout",), "padding": ("Boundaries", "pad")})
__all__ = ["Decomposition", "Grid", "NemoFileError", "Subdomain", *_lazy]
