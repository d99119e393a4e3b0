"""Cycled assimilation in one run: the clock of windows and IAU weights (:mod:`.clock`), the
rolling background window on the root (:mod:`.window`) and the GYRE replay case
(:mod:`.replay_case`). The handler NEMO calls is :mod:`nemoml.bridge.handlers.cycle`."""

from nemoml.base.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "clock": ("Clock", "iau_weights"), "window": ("RollingWindow",),
    "replay_case": ("ReplayCase",)})
