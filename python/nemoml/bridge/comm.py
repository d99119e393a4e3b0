"""mpi4py on the host's communicator, and collective agreement on failures.

The host (NEMO) owns MPI: mpi4py must neither initialise nor finalise it. Every failure inside
a call is caught on its rank and shared at the next agreement point, so all ranks return the
same nonzero status and nobody is left waiting in a collective.
"""

from __future__ import annotations

import traceback
import zlib
from itertools import zip_longest

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
        self._flag = np.zeros(3, dtype=np.int64)  # failed, crc of ``same``, -crc
        self._any = np.zeros(3, dtype=np.int64)

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

    def check(self, same=None, explain=None) -> None:
        """Collective: if any rank failed, raise on all with the failing ranks' messages.

        ``same``: a value every rank must pass equal (a call's mode, its fields' levels); if
        they differ, raise on all naming the first difference of ``explain(same)``, a list of
        ``(label, value)`` pairs (default: ``same`` is that list). Both travel in one
        Allreduce, so agreeing on the arguments costs no extra collective.
        """
        if self.comm is None or self.comm.Get_size() == 1:
            if self.error is not None:
                raise HookError(f"{self.what}: {self.error}")
            return
        from mpi4py import MPI

        try:
            crc = zlib.crc32(repr(same).encode())  # the same on every rank for equal values
        except BaseException as exc:  # noqa: BLE001 - must not escape before the collective
            self.error = self.error or describe(exc)
            crc = 0
        self._flag[:] = (self.error is not None, crc, -crc)
        self.comm.Allreduce(self._flag, self._any, op=MPI.MAX)
        differ = self._any[1] != -self._any[2]  # max(crc) != min(crc)
        if self._any[0]:
            self._raise_errors()
        if differ:
            pairs = [explain(v) if explain else v for v in self.comm.allgather(same)]
            raise HookError(f"{self.what}: {first_difference(pairs)}")

    def _raise_errors(self) -> None:
        errors = self.comm.allgather(self.error)
        bad = [(r, e) for r, e in enumerate(errors) if e is not None]
        first = bad[0]
        more = f" (and {len(bad) - 1} other rank(s))" if len(bad) > 1 else ""
        raise HookError(f"{self.what}: rank {first[0]}: {first[1]}{more}")


def first_difference(signatures: list) -> str:
    """The first ``(label, value)`` in which a rank's arguments differ from rank 0's."""
    ref = signatures[0] or []
    for rank, sig in enumerate(signatures[1:], 1):
        sig = sig or []
        for (label, mine), (other, theirs) in zip_longest(ref, sig, fillvalue=("", "nothing")):
            if mine != theirs:
                return (f"the ranks' arguments differ: {label or other}: {theirs} on rank "
                        f"{rank}, {mine} on rank 0")
    return "the ranks' arguments differ"
