"""``nemoml bench bridge``: Fortran and pure-Python batches alternate in time (ABBA), so a ratio
cannot come from the order of the phases."""

import pytest
import torch

from nemoml.devtools.bench.bridge import interleaved

from ..bridge.conftest import requires_mpirun

pytestmark = [pytest.mark.mpi, requires_mpirun]


def test_fortran_and_python_batches_alternate_in_time(models):
    from nemoml.devtools.testmodels import write_all

    torch.set_num_threads(1)
    paths = write_all(models)
    loaded = {name: torch.jit.load(str(paths[name])) for name in ("identity", "conv")}
    rounds = interleaved(models, loaded, nrep=20, nbatch=4)
    assert [r["fortran_first"] for r in rounds] == [True, False, True, False]
    # the host's batch ran (host clock) strictly before or after the Python batch of its round,
    # and rounds follow each other: no two batches overlap
    spans = []
    for r in rounds:
        order = ("fortran", "python") if r["fortran_first"] else ("python", "fortran")
        spans += [r["spans"][side] for side in order]
    for (a0, a1), (b0, b1) in zip(spans, spans[1:], strict=False):
        assert a0 < a1 <= b0 < b1
    for r in rounds:
        assert set(r["fortran"]) >= set(r["python"]) | {"ping"}
        assert all(v > 0 for v in r["python"].values())
