"""The QG altimetry case (an OSSE of the 2020a data challenge's kind): the QG truth
(:mod:`.truth`), four simulated nadirs and splits (:mod:`.osse`), training (:mod:`.train`),
export for inline use (:mod:`.export`), OI / 4DVar / 4DVarNet on the same data
(:mod:`.comparison`) and one analysis written as NEMO's increments (:mod:`.analysis`)."""

from nemoml.base.lazy import lazy_exports

_LAZY = {"load_truth": "nemoml.assimilate.qg.truth", "build": "nemoml.assimilate.qg.osse",
         "TrainConfig": "nemoml.assimilate.qg.train",
         "load_solver": "nemoml.assimilate.qg.export",
         "compare": "nemoml.assimilate.qg.comparison",
         "assimilate_file": "nemoml.assimilate.qg.analysis"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
