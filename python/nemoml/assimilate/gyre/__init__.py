"""The GYRE case: T and S on every level plus SSH. The twin's daily truth and backgrounds
(:mod:`.twin`), training the multivariate 4DVarNet (:mod:`.train`) and its export and inline
runner (:mod:`.export`)."""

from nemoml.base.lazy import lazy_exports

_LAZY = {"load_truth": "nemoml.assimilate.gyre.twin",
         "Train3DConfig": "nemoml.assimilate.gyre.train",
         "export_state_solver": "nemoml.assimilate.gyre.export",
         "load_state_solver": "nemoml.assimilate.gyre.export"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
