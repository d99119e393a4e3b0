"""Diffusion model of NEMO states with physics-constrained, conditional sampling.

``load_generator(path)`` returns a ``Generator`` whose ``sample(n, seed, constraints=...,
condition=..., steps=..., sampler="ddim"|"ddpm")`` gives states in NEMO (z, y, x) physical
units. Training is ``nemoml train-generator``; see ``docs/generator.md``.
"""

from nemoml.base.lazy import lazy_exports

_LAZY = {"load_generator": "nemoml.generate.export", "read_metadata": "nemoml.generate.export",
         "Generator": "nemoml.generate.generator", "TrainConfig": "nemoml.generate.train",
         "ConstraintSet": "nemoml.generate.constraints"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
