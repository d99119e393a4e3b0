"""Data-parallel training over MPI ranks: ``train-generator --ddp`` and ``train-da --case gyre
--ddp`` under ``mpirun``.

Ranks and world size come from MPI (``mpi4py``); ``torch.distributed`` is started with the
gloo backend on the CPU and NCCL on GPUs (each rank on the GPU of its node-local rank), its
rendezvous address broadcast from rank 0. Every rank holds the database and draws the same
global batch, steps and noise from the same seeded generator, and computes its own equal slice
of the batch; the gradients are averaged (DistributedDataParallel for the generator, one
all-reduce by hand for 4DVarNet), so a step equals the single-process step on the global batch
up to the order of float sums.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass
class Ranks:
    """This process's place in a data-parallel run (one process: rank 0 of 1, no group)."""

    rank: int = 0
    world: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def root(self) -> bool:
        return self.rank == 0

    def part(self, batch: int) -> slice:
        """The rows of a global batch this rank computes."""
        if batch % self.world:
            raise ValueError(f"--ddp: the batch ({batch}) must divide evenly over the "
                             f"{self.world} ranks")
        size = batch // self.world
        return slice(self.rank * size, (self.rank + 1) * size)

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        """The mean of a scalar over the ranks (itself for one process)."""
        if self.world == 1:
            return value
        value = value.detach().clone()
        dist.all_reduce(value)
        return value / self.world

    def wrap(self, net: torch.nn.Module) -> torch.nn.Module:
        """``net`` with gradients averaged over the ranks (rank 0's weights broadcast)."""
        if self.world == 1:
            return net
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(net, device_ids=ids)

    def average_gradients(self, net: torch.nn.Module) -> None:
        """Average ``net``'s gradients over the ranks in place (one all-reduce): for models
        whose forward takes gradients of its own (4DVarNet's solver), which
        DistributedDataParallel's wrapper is not made for."""
        if self.world == 1:
            return
        grads = [p.grad for p in net.parameters() if p.grad is not None]
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        flat /= self.world
        offset = 0
        for g in grads:
            g.copy_(flat[offset: offset + g.numel()].view_as(g))
            offset += g.numel()

    def summary(self, net: torch.nn.Module) -> dict:
        """``{"ddp": {ranks, rank, max_weight_difference}}`` of a data-parallel run, else
        ``{}``."""
        if self.world == 1:
            return {}
        return {"ddp": {"ranks": self.world, "rank": self.rank,
                        "max_weight_difference": self.max_difference(net)}}

    def max_difference(self, net: torch.nn.Module) -> float:
        """Largest difference of any weight from rank 0's: 0 when the ranks agree."""
        if self.world == 1:
            return 0.0
        flat = torch.cat([p.detach().reshape(-1) for p in net.parameters()])
        ref = flat.clone()
        dist.broadcast(ref, 0)
        diff = (flat - ref).abs().max().reshape(1)
        dist.all_reduce(diff, op=dist.ReduceOp.MAX)
        return float(diff)

    def close(self) -> None:
        if self.world > 1 and dist.is_initialized():
            dist.barrier()
            dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def start(device_setting: str) -> Ranks:
    """Join the MPI ranks' process group; the device each rank trains on."""
    from mpi4py import MPI

    from nemoml.base.device import choose, node_rank

    comm = MPI.COMM_WORLD
    rank, world = comm.Get_rank(), comm.Get_size()
    ngpu = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if device_setting.startswith("cuda") and ngpu == 0:
        raise RuntimeError(f"--device {device_setting}: no CUDA device visible "
                           f"(torch.cuda.is_available() is False)")
    setting = "cpu" if device_setting == "cpu" else "auto"
    device = torch.device(choose(setting, node_rank(comm), ngpu))
    if world == 1:
        return Ranks(0, 1, device)
    hosts = comm.allgather(socket.gethostname())
    # one node: the loopback; several: rank 0's host unless MASTER_ADDR names it
    addr = "127.0.0.1" if len(set(hosts)) == 1 else os.environ.get("MASTER_ADDR", hosts[0])
    port = comm.bcast(_free_port() if rank == 0 else None, root=0)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend, init_method=f"tcp://{addr}:{port}", rank=rank,
                            world_size=world)
    return Ranks(rank, world, device)
