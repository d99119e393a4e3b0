"""Run under mpirun: each rank's node-local rank and the device it would get with 2 GPUs."""

from mpi4py import MPI

from nemoml.base.device import choose, node_rank

comm = MPI.COMM_WORLD
local = node_rank(comm)
devices = comm.gather((local, choose("cuda", local, 2)), root=0)
if comm.rank == 0:
    print("DEVICES", " ".join(f"{r}:{d}" for r, d in devices))
