"""The physics report card of sets of NEMO states: the quantities constraints name
(:mod:`.quantities`), per-state and per-set figures (:mod:`.physics`), the table and its
checks (:mod:`.report`) and the figures (:mod:`.plots`)."""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "quantities": ("Physics",), "physics": ("ReportCard", "SetMetrics"),
    "report": ("checks", "write_report")})
