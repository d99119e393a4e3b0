"""Neural data assimilation: 4DVarNet with OI and 4DVar baselines on an altimetry OSSE.

- ``solver``/``layers``: the 4DVarNet cost, bilinear prior and ConvLSTM solver
- ``nadir``/``obsfile``: simulated nadir altimetry and the observation netCDF format
- ``oi``/``fourdvar``: the baselines; ``harness``: all three on the same data, DC-2020a scores
- ``train``: supervised training; ``inline``: TorchScript/.pt2 export and loading
- ``l96_twin``: the Lorenz-96 twin experiment

``export`` and ``load_solver`` are re-exported lazily (they import torch).
"""

from __future__ import annotations

__all__ = ["export", "load_solver"]


def __getattr__(name: str):
    if name in __all__:
        from nemoml.assimilate.qg import export as inline

        return getattr(inline, name)
    raise AttributeError(f"module 'nemoml.assimilate' has no attribute {name!r}")
