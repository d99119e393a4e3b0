"""Where this rank's models run: ``cn_nemoml_device``.

``cpu`` everywhere; ``cuda`` on the GPU of the node-local rank (rank in the node's shared-memory
communicator, modulo the GPUs visible to this process), an error where none is visible; ``auto``
as ``cuda`` where a GPU is visible, else the CPU with one log line.
"""

from __future__ import annotations

import logging

log = logging.getLogger("nemoml.bridge")


def node_rank(comm) -> int:
    """This rank's index among the ranks of its node (collective on ``comm``)."""
    if comm is None or comm.Get_size() == 1:
        return 0
    from mpi4py import MPI

    node = comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return node.Get_rank()
    finally:
        node.Free()


def visible_gpus() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def choose(setting: str, local_rank: int, ngpu: int) -> str:
    """The torch device string for ``cn_nemoml_device = setting``."""
    if setting == "cpu":
        return "cpu"
    if ngpu == 0:
        if setting == "cuda":
            raise RuntimeError("cn_nemoml_device = 'cuda' but this rank sees no CUDA device "
                               "(torch.cuda.is_available() is False); use 'auto' to fall back "
                               "to the CPU")
        return "cpu"
    return f"cuda:{local_rank % ngpu}"


def select(setting: str, comm) -> str:
    """Collective: every rank's device; 'auto' without a GPU says so once (rank 0)."""
    if setting == "cpu":
        return "cpu"
    local = node_rank(comm)
    device = choose(setting, local, visible_gpus())
    if setting == "auto" and device == "cpu" and (comm is None or comm.Get_rank() == 0):
        log.info("cn_nemoml_device = 'auto': no CUDA device visible, models run on the CPU")
    return device
