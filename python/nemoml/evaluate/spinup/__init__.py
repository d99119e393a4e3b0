"""How far NEMO runs are from equilibrium, year by year (``nemoml spinup-report``): the drift
diagnostics (:mod:`.drift`), finding and reading a run's states (:mod:`.runs`), and several
runs side by side (:mod:`.report`)."""

from nemoml.base.lazy import lazy_exports

_LAZY = {"Diagnostics": "nemoml.evaluate.spinup.drift",
         "equilibrium": "nemoml.evaluate.spinup.drift",
         "RunData": "nemoml.evaluate.spinup.runs", "read_run": "nemoml.evaluate.spinup.runs",
         "summarise": "nemoml.evaluate.spinup.report"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
