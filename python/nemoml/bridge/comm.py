"""mpi4py on the host's communicator, and collective agreement on failures.

The host (NEMO) owns MPI: mpi4py must neither initialise nor finalise it. Every failure inside
a call is caught on its rank and shared at the next agreement point, so all ranks return the
same nonzero status and nobody is left waiting in a collective.
"""

from __future__ import annotations

import traceback

import numpy as np


def host_comm(fcomm: int):
    """The ``mpi4py`` communicator for a Fortran INTEGER handle (e.g. NEMO's mpi_comm_oce)."""
    import mpi4py

    mpi4py.rc.initialize = False
    mpi4py.rc.finalize = False
    from mpi4py import MPI

    if not MPI.Is_initialized():
        raise RuntimeError("MPI is not initialised: the host must call MPI_Init before nemoml_init")
    return MPI.Comm.f2py(fcomm).Dup()  # our own context: no clash with the host's messages


class HookError(RuntimeError):
    """A failure already agreed by every rank; its message names the failing rank(s)."""


def describe(exc: BaseException) -> str:
    """One line for the host's log: exception type, message and the innermost frame.

    Never raises: it runs inside the failure agreement, where an error of its own would escape
    on one rank and leave the others waiting in a collective.
    """
    try:
        return f"{type(exc).__name__}{_message(exc)}{_where(exc)}"
    except BaseException as err:  # noqa: BLE001 - a last resort that cannot fail
        return f"{type(exc).__name__} (its description failed: {type(err).__name__})"


def _message(exc: BaseException) -> str:
    """``": text"``, or "" for an empty message (``MemoryError()``, ``EOFError('')``)."""
    try:
        text = str(exc)
    except BaseException as err:  # noqa: BLE001 - a broken __str__ must not hide the failure
        return f" (its message cannot be read: {type(err).__name__})"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return ""
    # TorchScript errors put a banner first and the model's own exception last
    return f": {lines[0]}" if len(lines) < 2 else f": {lines[0]} ... {lines[-1]}"


def _where(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    return f" [{tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}]" if tb else ""


class Agreement:
    """Run local steps, then agree: ``check()`` raises the same HookError on every rank."""

    def __init__(self, comm, what: str):
        self.comm = comm
        self.what = what
        self.error: str | None = None
        self._flag = np.zeros(1, dtype=np.int32)
        self._any = np.zeros(1, dtype=np.int32)

    def run(self, fn, *args):
        """Call ``fn`` unless a step already failed on this rank; remember its failure."""
        if self.error is not None:
            return None
        try:
            return fn(*args)
        except BaseException as exc:  # noqa: BLE001 - everything must reach the host as a status
            # KeyboardInterrupt/SystemExit too: raised on one rank, they would leave the others
            # waiting in the next collective
            self.error = describe(exc)
            return None

    def check(self) -> None:
        """Collective: if any rank failed, raise on all with the failing ranks' messages."""
        if self.comm is None or self.comm.Get_size() == 1:
            if self.error is not None:
                raise HookError(f"{self.what}: {self.error}")
            return
        from mpi4py import MPI

        self._flag[0] = self.error is not None
        self.comm.Allreduce(self._flag, self._any, op=MPI.MAX)
        if not self._any[0]:
            return
        errors = self.comm.allgather(self.error)
        bad = [(r, e) for r, e in enumerate(errors) if e is not None]
        first = bad[0]
        more = f" (and {len(bad) - 1} other rank(s))" if len(bad) > 1 else ""
        raise HookError(f"{self.what}: rank {first[0]}: {first[1]}{more}")
