"""Diffusion model of NEMO states with physics-constrained, conditional sampling.

``load_generator(path)`` returns a ``Generator`` whose ``sample(n, seed, constraints=...,
condition=..., steps=..., sampler="ddim"|"ddpm")`` gives states in NEMO (z, y, x) physical
units. Training is ``nemoml train-generator``; see ``docs/generator.md``.
"""

from __future__ import annotations


def load_generator(path, prefer: str = "torchscript", device: str = "cpu"):
    """Load an exported generator directory (or its ``generator.json``) with its denoiser on
    ``device``; see ``export``."""
    from nemoml.generate.export import load_generator as _load

    return _load(path, prefer, device)


__all__ = ["load_generator"]
