"""How far NEMO runs are from equilibrium, year by year (``nemoml spinup-report``): the drift
diagnostics (:mod:`.drift`), finding and reading a run's states (:mod:`.runs`), and several
runs side by side (:mod:`.report`)."""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "drift": ("Diagnostics", "equilibrium"), "runs": ("RunData", "read_run"),
    "report": ("summarise",)})
