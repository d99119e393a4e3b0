"""The GYRE case: T and S on every level plus SSH. The twin's daily truth and backgrounds
(:mod:`.twin`), training the multivariate 4DVarNet (:mod:`.train`) and its export and inline
runner (:mod:`.export`)."""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "twin": ("load_truth",), "train": ("Train3DConfig",),
    "export": ("export_state_solver", "load_state_solver")})
