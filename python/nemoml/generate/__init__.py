"""Diffusion model of NEMO states with physics-constrained, conditional sampling.

``load_generator(path)`` returns a ``Generator`` whose ``sample(n, seed, constraints=...,
condition=..., steps=..., sampler="ddim"|"ddpm")`` gives states in NEMO (z, y, x) physical
units. Training is ``nemoml train-generator``; see ``docs/generator.md``.
"""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "export": ("load_generator", "read_metadata"), "generator": ("Generator",),
    "train": ("TrainConfig",), "constraints": ("ConstraintSet",)})
