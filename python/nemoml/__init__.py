"""nemoml: PyTorch models inside NEMO's own MPI run.

Data flows one way: NEMO -> bridge -> model -> bridge -> NEMO. The rooms, top to bottom; each
imports only rooms below it (import-linter contracts in ``pyproject.toml``, run by the tests):

- ``nemoml.cli``         the ``nemoml`` command line, one module per room's commands
- ``nemoml.demo``        the main job (``make demo``)
- ``nemoml.devtools``    stand-in hosts, selftest, test models, the NEMO patch tool, benches
- ``nemoml.bridge``      the runtime NEMO loads: entry points, gather/scatter, handlers
- ``nemoml.generate``    diffusion model of NEMO states, constrained sampling
- ``nemoml.assimilate``  4DVarNet, its baselines, observations, one subpackage per case
- ``nemoml.evaluate``    report card, spin-up diagnostics, mapping metrics
- ``nemoml.io``          restarts, per-rank files, databases, increment files, calendar
- ``nemoml.grid``        mesh masks, decomposition, padding, grid description, layout
- ``nemoml.eos``         NEMO's equations of state (C, CUDA, torch)
- ``nemoml.base``        atomic writes, netCDF helpers, paths, packaged files, devices
"""

__version__ = "0.1.0"
