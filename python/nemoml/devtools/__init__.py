"""Developer tools, apart from the runtime NEMO loads (the bridge imports none of them):

- :mod:`.host`         the Fortran stand-in host (``nemoml_host``) under mpirun
- :mod:`.replay_host`  the replay host of cycled assimilation (``nemoml_replay``)
- :mod:`.selftest`     ``nemoml selftest``; :mod:`.testmodels` its models with known answers
- :mod:`.nemo_patch`   ``nemoml patch-nemo``: nemoml's calls into a NEMO configuration
- :mod:`.check_nemo`   ``nemoml check-nemo``: the checks of a configuration built with them
- :mod:`.nemo_arch`    ``nemoml config --arch``: a NEMO arch file for this machine
- :mod:`.nemo_namelist` NEMO namelists read and edited as text
- :mod:`.bench`        the drivers of ``nemoml bench NAME``
"""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "host": ("run_host",), "replay_host": ("run_replay",), "nemo_patch": ("patch_config",),
    "check_nemo": ("run_checks",)})
