"""Data assimilation: 4DVarNet, its baselines, observations, and one subpackage per case.

- :mod:`.fourdvarnet`  the method: layers, the variational cost and its learnt solver, the 3D
  multivariate solver and its EOF first step, the exported-solver format
- :mod:`.obs`          observation files, grid location, simulators (nadir, SST, Argo)
- :mod:`.baselines`    OI, EnOI, classic 4DVar, ensemble files
- :mod:`.qg`           the QG altimetry case (truth, OSSE, comparison, training, export)
- :mod:`.gyre`         the GYRE case: T, S on every level and SSH (twin data, training, export)
- :mod:`.cycling`      cycled assimilation: clock, rolling window, the replay case
- :mod:`.l96_twin`     the Lorenz-96 twin experiment

The cases import the method and the baselines, never the other way round (import-linter).
The handlers NEMO calls live in :mod:`nemoml.bridge.handlers`.
"""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "qg.export": ("export", "load_solver"),
    "gyre.export": ("export_state_solver", "load_state_solver"),
    "baselines.enoi": ("EnOI",), "baselines.oi": ("oi_cg",),
    "obs.obsfile": ("read_obs_set", "write_obs_set")})
