"""The baselines 4DVarNet is measured against: optimal interpolation (:mod:`.oi`), ensemble
OI with a static ensemble (:mod:`.enoi`), classic 4DVar on the same cost (:mod:`.fourdvar`),
and the netCDF files of ensembles and trajectories (:mod:`.ensemble_file`)."""

from nemoml.base.lazy import lazy_exports

_LAZY = {"OIConfig": "nemoml.assimilate.baselines.oi", "oi_cg": "nemoml.assimilate.baselines.oi",
         "EnOI": "nemoml.assimilate.baselines.enoi",
         "EnOIConfig": "nemoml.assimilate.baselines.enoi",
         "fourdvar": "nemoml.assimilate.baselines.fourdvar",
         "read_ensemble": "nemoml.assimilate.baselines.ensemble_file",
         "write_ensemble": "nemoml.assimilate.baselines.ensemble_file"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
