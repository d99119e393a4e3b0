"""nemoml: PyTorch models inside NEMO's own MPI run.

Rooms, one per part of the mission; data flows NEMO -> bridge -> model -> bridge -> NEMO:

- ``nemoml.bridge``     embedded entry points, MPI gather/scatter, model registry
- ``nemoml.eos``        NEMO's equations of state (C, CUDA, torch)
- ``nemoml.grid``       mesh masks and the MPI decomposition
- ``nemoml.io``         restarts, state databases, increment files NEMO reads
- ``nemoml.generate``   diffusion model of NEMO states, constrained sampling
- ``nemoml.assimilate`` 4DVarNet, OI and 4DVar baselines, observation operators
- ``nemoml.evaluate``   physics report card and data-challenge metrics
"""

__version__ = "0.1.0"
