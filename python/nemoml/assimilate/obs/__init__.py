"""Observations: the netCDF observation file (:mod:`.obsfile`), points located on any NEMO
grid (:mod:`.ocean_grid`), a window's observations placed and binned on it (:mod:`.binning`)
and checked against the background (:mod:`.qc`), and simulators: nadir tracks on the periodic
QG domain (:mod:`.nadir`), nadir SSH, cloudy SST and Argo T/S on NEMO grids
(:mod:`.simulators`)."""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "obsfile": ("ObsSet", "read_obs", "read_obs_set", "write_obs", "write_obs_set"),
    "binning": ("Binned", "bin_obs", "locate_obs"),
    "ocean_grid": ("OceanGrid",), "simulators": ("simulate_all",)})
