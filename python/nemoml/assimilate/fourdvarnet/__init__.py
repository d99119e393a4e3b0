"""4DVarNet, the method: a learnt prior and a learnt gradient solver of the variational cost.

- :mod:`.layers`        bilinear auto-encoder prior (hand-written adjoint), ConvLSTM solver
- :mod:`.solver`        the cost and the trainable solver on one 2-D field (QG SSH)
- :mod:`.multivariate`  T and S on every ocean level plus SSH over a window (GYRE)
- :mod:`.subspace`      the 3D solver's first step: the exact analysis in an EOF span
- :mod:`.exported`      the exported-solver folder both cases write and read
"""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "solver": ("FourDVarNet", "SolverConfig"), "multivariate": ("StateNet", "StateSolverConfig"),
    "subspace": ("SubspaceStep",), "exported": ("read_exported",)})
