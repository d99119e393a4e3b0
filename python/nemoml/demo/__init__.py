"""The main job (``make demo``): the stand-in host driving nemoml end to end on the embedded
samples: a generated GYRE state (:mod:`.gyre`), QG 4DVarNet increments (:mod:`.qg`) and cycled
assimilation on the replay host (:mod:`.cycle`); :mod:`.run` runs the three."""

__all__ = ["cycle", "gyre", "qg", "run"]
