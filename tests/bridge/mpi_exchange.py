"""Run under mpirun: gather/scatter round trip with plain mpi4py (tests/bridge/test_exchange.py)."""

import sys

import numpy as np
from mpi4py import MPI

from nemoml.bridge.exchange import Exchange
from nemoml.grid.decomp import Decomposition

ni, nj, nk, hls = (int(a) for a in sys.argv[1:5])
comm = MPI.COMM_WORLD
subs = Decomposition.auto(comm.size, ni, nj, hls).subdomains
me = subs[comm.rank]
ex = Exchange(comm, subs, ni, nj)

truth = np.arange(nk * nj * ni, dtype=np.float64).reshape(nk, nj, ni)
local = np.full((nk, me.jpj, me.jpi), -1.0)
loc, glo = me.window(ni, nj)
local[(..., *loc)] = truth[(..., *glo)]
full = ex.gather(local)
if comm.rank == 0:
    assert np.array_equal(full, truth), "gather"
    full = -full
back = np.full_like(local, 7.0)
ex.scatter(full, back)
expect = np.full_like(local, 7.0)
expect[(..., *loc)] = -truth[(..., *glo)]
ok = comm.allreduce(int(np.array_equal(back, expect)), op=MPI.MIN)
surface = ex.gather(local[0])
if comm.rank == 0:
    assert np.array_equal(surface, truth[0]), "gather 2-D"
    print("EXCHANGE OK" if ok else "EXCHANGE FAIL")
