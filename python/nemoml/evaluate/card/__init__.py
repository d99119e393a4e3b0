"""The physics report card of sets of NEMO states: the quantities constraints name
(:mod:`.quantities`), per-state and per-set figures (:mod:`.physics`), the table and its
checks (:mod:`.report`) and the figures (:mod:`.plots`)."""

from nemoml.base.lazy import lazy_exports

_LAZY = {"Physics": "nemoml.evaluate.card.quantities",
         "ReportCard": "nemoml.evaluate.card.physics",
         "SetMetrics": "nemoml.evaluate.card.physics",
         "checks": "nemoml.evaluate.card.report", "write_report": "nemoml.evaluate.card.report"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
