"""Scoring, split by what it scores: the physics report card of sets of NEMO states
(:mod:`.card`), how far NEMO runs are from equilibrium (:mod:`.spinup`), and the 2020a data
challenge's SSH-mapping metrics (:mod:`.mapping`)."""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "card.physics": ("ReportCard",), "card.report": ("write_report",),
    "mapping": ("mapping_scores",), "spinup.drift": ("equilibrium",), "spinup.runs": ("read_run",)})
