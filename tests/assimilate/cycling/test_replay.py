"""Cycled assimilation through the real bridge: the Fortran replay host under mpirun calls
``nemoml_cycle`` as NEMO will, on the embedded GYRE sample (30 days: two analysed windows and
the run's last one). The cycled error falls below the free run's, the same on 1, 2 and 4 ranks
and as the serial Python loop; a window without observations, and bad inputs."""

import pytest

from nemoml.assimilate.cycling import replay_case as replay
from nemoml.devtools.replay_host import run_replay, run_serial

from ...bridge.conftest import requires_mpirun

pytestmark = [requires_mpirun, pytest.mark.mpi]
DAYS = 30


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return replay.build(tmp_path_factory.mktemp("cycle_case"), DAYS, shared=False)


@pytest.fixture(scope="module")
def runs(case, tmp_path_factory):
    out = {}
    for ranks in (1, 2, 4):
        r = run_replay(case, ranks, tmp_path_factory.mktemp(f"cycle_{ranks}"), timeout=300)
        assert r.returncode == 0, r.output[-3000:]
        out[ranks] = r
    return out


def test_cycled_error_falls_below_the_free_run(runs):
    r = runs[2]
    assert [w["window"] for w in r.windows] == [0, 1, 2]
    assert [a["window"] for a in r.analyses] == [0, 1]  # the window ending the run: none
    assert all(a["observations"] > 10000 for a in r.analyses)
    first, last = r.windows[0], r.windows[-1]
    assert first["rmse_T_cycled"] == first["rmse_T_free"]  # nothing applied before window 1
    for v in ("T", "S", "SSH"):
        assert last[f"rmse_{v}_cycled"] < 0.5 * last[f"rmse_{v}_free"]
    # 0.14 here; 0.41 when the background is not completed with the increment IAU is still
    # applying (the second analysis then corrects the first's error again and overshoots)
    assert last["rmse_T_cycled"] < 0.25 * last["rmse_T_free"]
    assert last["rmse_T_cycled"] < 0.7 * r.windows[1]["rmse_T_cycled"]  # cycling keeps going
    # each increment re-arms IAU over the next window from kt + 1, weights summing to one
    assert [(kt, n) for kt, n, _ in r.iau] == [(60, 60), (120, 60)]
    assert [a["iau_from"] for a in r.analyses] == [61, 121]
    assert all(abs(s - 1.0) < 1e-14 for _, _, s in r.iau)


def test_identical_on_1_2_and_4_ranks(runs):
    ref = runs[1]
    for ranks in (2, 4):
        assert [a["checksum"] for a in runs[ranks].analyses] == \
            [a["checksum"] for a in ref.analyses]
        for a, b in zip(runs[ranks].windows, ref.windows, strict=True):
            for k, v in b.items():
                assert a[k] == pytest.approx(v, rel=1e-12, abs=0), (ranks, k)
    assert runs[4].output.count("LAYOUT 2 2") == 1


def test_calls_off_the_sampling_steps_change_nothing(case, runs, tmp_path):
    r = run_replay(case, 2, tmp_path, run={"ln_every_step": True}, timeout=300)
    assert r.returncode == 0, r.output[-3000:]
    assert "CHECK untouched PASS" in r.output  # iau_steps 0, *_bkginc left as they were
    assert [a["checksum"] for a in r.analyses] == [a["checksum"] for a in runs[2].analyses]
    assert r.windows == runs[2].windows


def test_host_matches_the_serial_python_loop(case, runs):
    ser = run_serial(case)
    for a, b in zip(runs[1].windows, ser, strict=True):
        for k, v in b.items():
            assert a[k] == pytest.approx(v, rel=1e-6), k


def test_a_window_without_observations_gives_a_zero_increment(tmp_path, runs):
    t0, t1 = 48250.0, 48260.0  # window 1 of the run (days since 0001-01-01)
    quiet = replay.build(tmp_path / "case", DAYS, shared=False,
                         obs_filter=lambda o: o.select((o.time < t0) | (o.time >= t1)))
    r = run_replay(quiet, 1, tmp_path / "run", timeout=300)
    assert r.returncode == 0, r.output[-3000:]
    a = {x["window"]: x for x in r.analyses}
    assert a[1]["observations"] == 0 and float(a[1]["checksum"]) == 0.0
    assert a[0]["observations"] > 0 and float(a[0]["checksum"]) > 0
    assert r.output.count("(none: increment zero)") == 1
    assert [(kt, n) for kt, n, _ in r.iau] == [(60, 60), (120, 60)]  # zero IAU, still re-armed
    # windows 0 and 1 as with observations (window 1's increment enters in window 2 only);
    # window 2 then has window 0's increment alone: a larger error than with window 1's too
    full = runs[1].windows
    for k in ("rmse_T_cycled", "rmse_S_cycled"):
        assert [w[k] for w in r.windows[:2]] == pytest.approx([w[k] for w in full[:2]],
                                                              rel=1e-12)
        assert r.windows[2][k] > 1.1 * full[2][k]


def test_the_packaged_4dvarnet_cycles_through_the_bridge(tmp_path, case, runs):
    r = run_replay(case, 2, tmp_path, method="4dvarnet", timeout=300)
    assert r.returncode == 0, r.output[-3000:]
    assert [a["window"] for a in r.analyses] == [0, 1]
    assert r.analyses[0]["checksum"] != runs[2].analyses[0]["checksum"]  # not EnOI's
    last = r.windows[-1]
    assert last["rmse_T_cycled"] < 0.5 * last["rmse_T_free"]
    assert last["rmse_S_cycled"] < 0.5 * last["rmse_S_free"]


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("what, message", [
    ("obs_outside", "no observation dated in the run"),
    ("window_too_long", "longer than the run"),
    ("solver_window", "works on 10-day windows"),
    ("missed_sample", "holds 9 state(s), expected 10"),
])
def test_bad_input_stops_every_rank_with_a_message(tmp_path, case, what, message):
    if what == "obs_outside":  # every date a year after the run
        case = replay.build(tmp_path.parent / f"{tmp_path.name}_late", DAYS, shared=False,
                            obs_filter=lambda o: _shifted(o, 360.0))
    kw = {"obs_outside": {}, "window_too_long": dict(window=40),
          "solver_window": dict(window=5, method="4dvarnet"),
          "missed_sample": dict(run={"nn_skip": 66})}[what]
    r = run_replay(case, 2, tmp_path, timeout=300, **kw)
    assert r.returncode != 0
    assert message in "\n".join(r.errors()), r.output[-3000:]
    assert sorted(ln.split(":")[1] for ln in r.errors() if "status" in ln) == \
        [" rank 0", " rank 1"]  # each rank got the nonzero status
    assert len(r.analyses) == (1 if what == "missed_sample" else 0)  # stopped at window 1
    assert _files(tmp_path) == ["namelist_replay_2"]  # nothing written, nothing half-written


def _shifted(obs, days: float):
    from dataclasses import replace

    return replace(obs, time=obs.time + days)


def test_observations_beyond_the_run_are_left_out(tmp_path, case):
    """A file longer than the run (30 days of observations, a 20-day run): the run cycles on
    the observations it covers and says how many it left out."""
    r = run_replay(case, 2, tmp_path, timeout=300, days=20)
    assert r.returncode == 0, r.output[-3000:]
    assert "observation(s) dated outside the run" in r.output and "left out" in r.output
    assert len(r.analyses) == 1 and r.analyses[0]["observations"] > 10000
