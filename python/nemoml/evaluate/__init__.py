"""Scoring, split by what it scores: the physics report card of sets of NEMO states
(:mod:`.card`), how far NEMO runs are from equilibrium (:mod:`.spinup`), and the 2020a data
challenge's SSH-mapping metrics (:mod:`.mapping`)."""

from nemoml.base.lazy import lazy_exports

_LAZY = {"ReportCard": "nemoml.evaluate.card.physics",
         "write_report": "nemoml.evaluate.card.report",
         "mapping_scores": "nemoml.evaluate.mapping",
         "equilibrium": "nemoml.evaluate.spinup.drift",
         "read_run": "nemoml.evaluate.spinup.runs"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
