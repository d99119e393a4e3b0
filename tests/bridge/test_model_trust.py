"""A model named in ``cn_nemoml_models`` that would run code when read stops NEMO at init on
every rank, and its payload never runs (issue 26: a .pt2 whose pickled example inputs called
``exec`` ran inside the host and the run ended with status 0)."""

import pytest

from nemoml.devtools.host import default_settings, run_host

from ..base.test_serialised import evil_checkpoint, evil_pt2
from .conftest import requires_mpirun

pytestmark = [requires_mpirun, pytest.mark.mpi]


@pytest.mark.parametrize("kind,ranks", [("pt2", 2), ("checkpoint", 2), ("pt2", 4)])
def test_a_model_that_runs_code_stops_every_rank(hostdir, kind, ranks):
    marker = hostdir / "payload_ran"
    bad = evil_pt2(hostdir, marker) if kind == "pt2" else \
        evil_checkpoint(hostdir / "evil.pt", marker)
    settings = {**default_settings(hostdir / "models"),
                "cn_nemoml_models": f"istate={bad}, increments={hostdir}/models/increments.pt"}
    r = run_host(ranks, hostdir, settings=settings, timeout=180)
    assert r.returncode == 2, r.output
    err = r.error()
    assert "nemoml_init failed" in err and f"model 'istate': cannot load {bad}" in err, err
    assert f"{bad.name} refused" in err, err
    assert not marker.exists()
