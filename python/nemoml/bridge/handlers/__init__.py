"""The handlers NEMO's calls run, one module per kind (``bridge.hooks.handler``):

- :mod:`.generator`    ``nemoml_istate``: a generated initial state (``ln_nemoml_istate``)
- :mod:`.fourdvarnet`  ``nemoml_increments``: 4DVarNet increments for IAU (``ln_nemoml_asm``)
- :mod:`.cycle`        ``nemoml_cycle``: cycled EnOI or 4DVarNet (``nn_nemoml_cycle``)

Each defines ``HANDLER`` and is imported on first use: they import torch and the model rooms.
"""

__all__ = ["cycle", "fourdvarnet", "generator"]
