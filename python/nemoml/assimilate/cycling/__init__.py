"""Cycled assimilation in one run: the clock of windows and IAU weights (:mod:`.clock`), the
rolling background window on the root (:mod:`.window`) and the GYRE replay case
(:mod:`.replay_case`). The handler NEMO calls is :mod:`nemoml.bridge.handlers.cycle`."""

from nemoml.base.lazy import lazy_exports

_LAZY = {"Clock": "nemoml.assimilate.cycling.clock",
         "iau_weights": "nemoml.assimilate.cycling.clock",
         "RollingWindow": "nemoml.assimilate.cycling.window",
         "ReplayCase": "nemoml.assimilate.cycling.replay_case"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
