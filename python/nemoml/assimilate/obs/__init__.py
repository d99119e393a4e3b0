"""Observations: the netCDF observation file (:mod:`.obsfile`), points located on any NEMO
grid (:mod:`.ocean_grid`), and simulators: nadir tracks on the periodic QG domain
(:mod:`.nadir`), nadir SSH, cloudy SST and Argo T/S on NEMO grids (:mod:`.simulators`)."""

from nemoml.base.lazy import lazy_exports

_LAZY = {"ObsSet": "nemoml.assimilate.obs.obsfile", "read_obs": "nemoml.assimilate.obs.obsfile",
         "write_obs": "nemoml.assimilate.obs.obsfile",
         "read_obs_set": "nemoml.assimilate.obs.obsfile",
         "write_obs_set": "nemoml.assimilate.obs.obsfile",
         "bin_obs": "nemoml.assimilate.obs.obsfile",
         "OceanGrid": "nemoml.assimilate.obs.ocean_grid",
         "simulate_all": "nemoml.assimilate.obs.simulators"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
