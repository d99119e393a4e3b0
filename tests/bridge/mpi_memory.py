"""Run under mpirun: the root's peak memory in gather and scatter (tests/bridge/test_exchange.py).

numpy reports its buffers to tracemalloc, so the peak counts every array the exchange makes.
"""

import tracemalloc

import numpy as np
from mpi4py import MPI

from nemoml.bridge.exchange import Exchange
from nemoml.grid.decomp import Decomposition

ni, nj, nk = 50, 60, 32
comm = MPI.COMM_WORLD
subs = Decomposition.auto(comm.size, ni, nj, 1).subdomains
me = subs[comm.rank]
ex = Exchange(comm, subs, ni, nj)
local = np.ones((nk, me.jpj, me.jpi))  # float64 on every rank, as NEMO holds it
field_bytes = nk * nj * ni * 4  # the global field in float32

tracemalloc.start()
full = ex.gather(local, np.float32)
gather_peak = tracemalloc.get_traced_memory()[1]
tracemalloc.reset_peak()
ex.scatter(full, local)
scatter_peak = tracemalloc.get_traced_memory()[1] - (full.nbytes if full is not None else 0)
tracemalloc.stop()
if comm.rank == 0:
    assert full.dtype == np.float32 and (full == 1).all()
    print(f"MEMORY gather {gather_peak / field_bytes:.3f} scatter {scatter_peak / field_bytes:.3f}")
