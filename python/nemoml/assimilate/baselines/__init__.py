"""The baselines 4DVarNet is measured against: optimal interpolation (:mod:`.oi`), ensemble
OI with a static ensemble (:mod:`.enoi`), classic 4DVar on the same cost (:mod:`.fourdvar`),
and the netCDF files of ensembles and trajectories (:mod:`.ensemble_file`)."""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "oi": ("OIConfig", "oi_cg"), "enoi": ("EnOI", "EnOIConfig"),
    "ensemble_file": ("read_ensemble", "write_ensemble")})
