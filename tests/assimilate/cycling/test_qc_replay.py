"""The observations' background check in cycled assimilation, through the Fortran replay host
on 2 ranks (issue 26): 200 observations of 1e30 added to a window leave the increments those of
the clean run (they gave an increment summing to 4.6e32 before), the clean run loses no
observation, and a window losing more than ``rn_nemoml_qc_maxrej`` stops every rank."""

import numpy as np
import pytest

from nemoml.assimilate.cycling import replay_case as replay
from nemoml.assimilate.obs.obsfile import ObsSet
from nemoml.devtools.replay_host import run_replay

from ...bridge.conftest import requires_mpirun

pytestmark = [requires_mpirun, pytest.mark.mpi]
DAYS = 30
WINDOW0 = (48240.0, 48250.0)  # window 0 of the run (days since 0001-01-01)
N_BAD = 200


def with_gross_errors(obs: ObsSet, n: int = N_BAD, value: float = 1e30) -> ObsSet:
    """``obs`` and, after them, copies of ``n`` of window 0's observations valued ``value``:
    the clean observations bin exactly as without them."""
    first = np.flatnonzero((obs.time >= WINDOW0[0]) & (obs.time < WINDOW0[1]))
    bad = obs.select(first[np.linspace(0, first.size - 1, n).astype(int)])
    bad.value = np.full(n, value, dtype=np.float32)
    return ObsSet.concat([obs, bad])


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    root = tmp_path_factory.mktemp("qc_cases")
    return {"clean": replay.build(root / "clean", DAYS, shared=False),
            "bad": replay.build(root / "bad", DAYS, shared=False, obs_filter=with_gross_errors)}


@pytest.fixture(scope="module")
def clean(cases, tmp_path_factory):
    r = run_replay(cases["clean"], 2, tmp_path_factory.mktemp("qc_clean"), timeout=300)
    assert r.returncode == 0, r.output[-3000:]
    return r


def test_clean_observations_are_all_kept(clean):
    assert [a["window"] for a in clean.analyses] == [0, 1]
    for a in clean.analyses:
        assert a["qc_checked"] == a["observations"] > 10000
        assert a["qc_rejected"] == 0 and set(a["qc_rejected_by"].values()) == {0}
        assert {"T/argo", "S/argo", "T/sst"} <= set(a["qc_rejected_by"])


def test_gross_errors_leave_the_clean_increments(cases, clean, tmp_path):
    r = run_replay(cases["bad"], 2, tmp_path, timeout=300)
    assert r.returncode == 0, r.output[-3000:]
    a0, a1 = r.analyses
    assert a0["observations"] == clean.analyses[0]["observations"] + N_BAD
    assert a0["qc_rejected"] == N_BAD and a1["qc_rejected"] == 0
    assert sum(a0["qc_rejected_by"].values()) == N_BAD
    for a, b in zip(r.analyses, clean.analyses, strict=True):
        assert float(a["checksum"]) == pytest.approx(float(b["checksum"]), rel=1e-12)
    for a, b in zip(r.windows, clean.windows, strict=True):
        for k, v in b.items():
            assert a[k] == pytest.approx(v, rel=1e-12), k


def test_without_the_check_gross_errors_reach_the_increment(cases, clean, tmp_path):
    """rn_nemoml_qc_k = 0 is the behaviour before the check: the 1e30 enter the analysis
    (|increment| sum 7.6e32, cycled T error 3e28 degC) and the run still ends with status 0."""
    r = run_replay(cases["bad"], 2, tmp_path, timeout=300, nemoml={"rn_nemoml_qc_k": 0.0})
    assert r.returncode == 0 and "QC off" in r.output
    assert float(r.analyses[0]["checksum"]) > 1e30
    assert r.windows[-1]["rmse_T_cycled"] > 1e20


@pytest.mark.parametrize("ranks", [2, 4])
def test_a_window_losing_too_many_stops_every_rank(cases, tmp_path, ranks):
    r = run_replay(cases["bad"], ranks, tmp_path, timeout=300,
                   nemoml={"rn_nemoml_qc_maxrej": 0.005})
    assert r.returncode != 0
    errors = "\n".join(r.errors())
    assert "the background check rejected 200 of" in errors, r.output[-3000:]
    assert "rn_nemoml_qc_maxrej = 0.005" in errors
    assert sorted(ln.split(":")[1] for ln in r.errors() if "status" in ln) == \
        [f" rank {i}" for i in range(ranks)]  # each rank got the nonzero status
    assert r.analyses == []  # stopped at window 0, before any increment


def test_the_4dvarnet_window_rejects_them_too(cases, tmp_path):
    """The cycled 3D 4DVarNet path: the same 1e30 rejected, the increments the clean run's
    (its spread: the training backgrounds' error, from the packaged solver.json)."""
    clean = run_replay(cases["clean"], 2, tmp_path / "clean", method="4dvarnet", timeout=300)
    bad = run_replay(cases["bad"], 2, tmp_path / "bad", method="4dvarnet", timeout=300)
    assert clean.returncode == 0 and bad.returncode == 0, bad.output[-3000:]
    assert [a["qc_rejected"] for a in clean.analyses] == [0, 0]
    assert [a["qc_rejected"] for a in bad.analyses] == [N_BAD, 0]
    assert [a["checksum"] for a in bad.analyses] == [a["checksum"] for a in clean.analyses]
