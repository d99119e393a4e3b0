"""The host's &nameos reaches the bridge, and a generator of another EOS is refused at init."""

import json
import shutil
import types

import pytest

from nemoml.base.paths import package_subdir
from nemoml.bridge.handlers.generator import check_eos
from nemoml.bridge.settings import Settings
from nemoml.devtools.host import run_host

from .conftest import requires_mpirun

SEOS = ("seos rn_T0=1.0000000000000000E+001 rn_S0=3.5E+001 rn_a0=2.0E-001 rn_b0=7.6554E-001 "
        "rn_lambda1=0.0E+000 rn_lambda2=7.4914E-004 rn_mu1=1.497E-004 rn_mu2=1.109E-005 "
        "rn_nu=2.4341E-003")


def test_host_eos_parsed_from_the_settings_line():
    assert Settings.from_text("").host_eos() is None
    assert Settings.from_text("cn_nemoml_eos = 'eos80'").host_eos().kind == "eos80"
    e = Settings.from_text(f"cn_nemoml_eos = '{SEOS}'").host_eos()
    assert (e.kind, e.a0, e.lambda1, e.T0) == ("seos", 0.2, 0.0, 10.0)


@pytest.mark.parametrize("text, message", [
    ("cn_nemoml_eos = 'eos81'", "unknown equation of state 'eos81'"),
    ("cn_nemoml_eos = 'seos rn_zz=1'", "expected 'rn_NAME=value'"),
    ("cn_nemoml_eos = 'seos rn_a0=x'", "got 'rn_a0=x'"),
])
def test_bad_host_eos_is_an_init_error(text, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_text(text)


def _gen(eos, params=None):
    return types.SimpleNamespace(density=types.SimpleNamespace(eos=eos, params=params or {}))


def test_check_eos_refuses_another_eos_and_other_seos_coefficients():
    s = Settings.from_text(f"cn_nemoml_eos = '{SEOS}'")
    with pytest.raises(ValueError, match=r"trained with EOS-80 .* sets ln_SEOS = \.true\."):
        check_eos(_gen("eos80"), s.host_eos(), "g")
    with pytest.raises(ValueError, match=r"rn_a0 = 0.1655 but this run's &nameos has rn_a0 = 0.2"):
        check_eos(_gen("seos", {"rn_lambda1": 0.0}), s.host_eos(), "g")
    check_eos(_gen("seos", {"rn_a0": 0.2, "rn_lambda1": 0.0}), s.host_eos(), "g")
    check_eos(_gen("teos10"), Settings.from_text("cn_nemoml_eos = 'teos10'").host_eos(), "g")


def _run(hostdir, nameos, generator=None):
    data = package_subdir("data")
    host = {"ln_selftest": False, "cn_meshmask": str(data / "gyre" / "mesh_mask.nc"),
            "cn_restart": str(data / "gyre" / "example_restart.nc")}
    settings = {"ln_nemoml": True, "ln_nemoml_istate": True,
                "cn_nemoml_generator": str(generator or data / "generator"),
                "nn_nemoml_steps": 2}
    return run_host(2, hostdir, host=host, settings=settings, timeout=300,
                    namelists={"nameos": nameos})


@requires_mpirun
@pytest.mark.mpi
def test_teos10_run_refuses_the_eos80_generator_on_every_rank(hostdir):
    """The packaged GYRE generator is EOS-80: a TEOS-10 host stops at init, both ranks."""
    r = _run(hostdir, {"ln_teos10": True})
    assert r.returncode == 2, r.output  # every rank reached ERROR STOP 2 (no hang, no 0)
    err = r.error()
    assert "nemoml_init failed" in err, err
    assert "trained with EOS-80 (train-generator --eos eos80)" in err, err
    assert "sets ln_TEOS10 = .true. (TEOS-10)" in err, err
    ok = _run(hostdir, {"ln_eos80": True})  # the same EOS passes
    assert ok.returncode == 0 and "STATE istate_tn" in ok.output, ok.output


@requires_mpirun
@pytest.mark.mpi
def test_seos_coefficients_reach_the_bridge(hostdir):
    """An S-EOS generator (namelist_ref coefficients) against a host with rn_a0 = 0.2."""
    gen = hostdir / "seos_generator"
    shutil.copytree(package_subdir("data") / "generator", gen)
    meta = json.loads((gen / "generator.json").read_text())
    meta["eos"] = {"name": "seos", "params": {}}
    (gen / "generator.json").write_text(json.dumps(meta))
    r = _run(hostdir, {"ln_seos": True, "rn_a0": 0.2}, generator=gen)
    assert r.returncode == 2, r.output
    assert "rn_a0 = 0.1655 but this run's &nameos has rn_a0 = 0.2" in r.error(), r.output
