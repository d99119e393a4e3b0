"""Developer tools, apart from the runtime NEMO loads (the bridge imports none of them):

- :mod:`.host`         the Fortran stand-in host (``nemoml_host``) under mpirun
- :mod:`.replay_host`  the replay host of cycled assimilation (``nemoml_replay``)
- :mod:`.selftest`     ``nemoml selftest``; :mod:`.testmodels` its models with known answers
- :mod:`.nemo_patch`   ``nemoml patch-nemo``: nemoml's calls into a NEMO configuration
- :mod:`.bench`        the drivers of ``nemoml bench NAME``
"""

from nemoml.base.lazy import lazy_exports

_LAZY = {"run_host": "nemoml.devtools.host", "run_replay": "nemoml.devtools.replay_host",
         "patch_config": "nemoml.devtools.nemo_patch"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
