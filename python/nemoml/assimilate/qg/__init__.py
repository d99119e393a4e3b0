"""The QG altimetry case (an OSSE of the 2020a data challenge's kind): the QG truth
(:mod:`.truth`), four simulated nadirs and splits (:mod:`.osse`), training (:mod:`.train`),
export for inline use (:mod:`.export`), OI / 4DVar / 4DVarNet on the same data
(:mod:`.comparison`) and one analysis written as NEMO's increments (:mod:`.analysis`)."""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "truth": ("load_truth",), "osse": ("build",), "train": ("TrainConfig",),
    "export": ("load_solver",), "comparison": ("compare",), "analysis": ("assimilate_file",)})
