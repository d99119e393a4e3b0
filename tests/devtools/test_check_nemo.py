"""check-nemo's own logic, without NEMO: the configuration read from its files, NEMO's normal
end told from the banner, and the five checks run on a stand-in executable (fake_nemo.py) that
writes NEMO's outputs, on a 4.2-like (MLF, 7200 s, grid 6.7 degrees east of the embedded one)
and a 5.0-like (RK3, 14400 s) configuration. The checks on a real NEMO build are in
tests/bridge/test_nemo_check.py (NEMOML_NEMO_CFG)."""

import sys
from pathlib import Path

import pytest

from nemoml.devtools import check_nemo as cn

FAKE = Path(__file__).with_name("fake_nemo.py")

NAMELIST = """&namrun
   nn_it000 = 1
   nn_itend = 4320
   nn_date0 = 010101
   nn_leapy = 30
/
&namusr_def
   nn_GYRE = 1
/
&namdom
   ln_linssh = .true.
{dt}
/
&nameos
   ln_eos80 = .true.
/
&nam_asminc
/
"""


def make_config(root: Path, version: str, keys: str = "key_linssh key_asminc",
                dt: str | None = None, patched: bool = True) -> Path:
    """A NEMO-like tree ``root`` with a configuration cfgs/MY_GYRE (no NEMO code)."""
    cfg = root / "cfgs" / "MY_GYRE"
    for d in ("BLD/bin", "EXP00", "MY_SRC"):
        (cfg / d).mkdir(parents=True, exist_ok=True)
    (root / "src" / "OCE").mkdir(parents=True, exist_ok=True)
    (root / "src" / "OCE" / ("stprk3.F90" if version == "5.0" else "step.F90")).write_text("")
    (cfg / "BLD/bin/nemo.exe").write_text("")
    rk3 = version == "5.0"
    (cfg / "cpp_MY_GYRE.fcm").write_text(
        f"bld::tool::fppkeys    {keys}{' key_vco_1d key_RK3' if rk3 else ''}\n")
    if dt is None:
        dt = "!MLF   rn_Dt = 7200.\n   rn_Dt = 14400." if rk3 else "   rn_Dt = 7200."
    (cfg / "EXP00/namelist_cfg").write_text(NAMELIST.format(dt=dt))
    iau = ("ln_trainc = .false., ln_dyninc = .false., ln_sshinc = .false.\n"
           "   ln_asmdin = .false., ln_asmiau = .false.\n   "
           + ("nn_itiaustr = 1\n   nn_itiaufin = 15" if rk3
              else "nitiaustr = 1\n   nitiaufin = 15"))
    (cfg / "EXP00/namelist_ref").write_text("&namrun\n   nn_leapy = 0\n/\n&namdom\n"
                                            f"   rn_Dt = 5400.\n/\n&nam_asminc\n   {iau}\n/\n")
    (cfg / "EXP00/iodef.xml").write_text("<xml/>\n")
    (cfg / "MY_SRC/nemogcm.F90").write_text("   USE nemoml_hooks   !! nemoml\n" if patched
                                            else "")
    return cfg


@pytest.mark.parametrize("version,scheme,spd", [("5.0", "RK3", 6), ("4.2", "MLF", 12)])
def test_the_configuration_is_read_from_its_own_files(tmp_path, version, scheme, spd):
    cfg = cn.read_config(make_config(tmp_path, version))
    assert (cfg.version, cfg.scheme, cfg.steps_per_day) == (version, scheme, spd)
    assert cfg.nn_gyre == 1 and cfg.nn_leapy == 30 and "key_asminc" in cfg.keys
    assert cfg.iau_keys == (("nn_itiaustr", "nn_itiaufin") if version == "5.0"
                            else ("nitiaustr", "nitiaufin"))
    assert "MLF" not in str(cfg.rn_dt)  # the commented-out "!MLF rn_Dt" line is not read


def test_namelist_ref_fills_what_namelist_cfg_lacks(tmp_path):
    cfg = cn.read_config(make_config(tmp_path, "4.2", dt="   ln_meshmask = .false."))
    assert cfg.rn_dt == 5400.0 and cfg.steps_per_day == 16


def test_an_unbuilt_or_unpatched_configuration_is_an_error(tmp_path):
    with pytest.raises(cn.CheckError, match="no executable"):
        cn.read_config(tmp_path)
    with pytest.raises(cn.CheckError, match="is not patched"):
        cn.read_config(make_config(tmp_path, "5.0", patched=False))


def test_a_step_that_does_not_divide_a_day_is_an_error(tmp_path):
    cfg = cn.read_config(make_config(tmp_path, "4.2", dt="   rn_Dt = 7000."))
    with pytest.raises(cn.CheckError, match="does not divide a day"):
        _ = cfg.steps_per_day


def test_the_banner_alone_is_not_a_normal_end():
    banner = " NEMO\n AAAAAAAA\n stp_init ...\n AAAAAAAA\n AAAAAAAA\n it: 1"
    stat = "\n".join(f" it :{k:8d}    |ssh|_max:  0.1D+01" for k in range(1, 21))
    assert cn.last_step(stat) == 20 and cn.last_step("") is None
    done = cn.RunResult("r", Path("."), 0, 20, banner + "\n AAAAAAAA\n", 20)
    assert done.normal_end() == (True, "normal end")
    cases = {
        "exit status 1": cn.RunResult("r", Path("."), 1, 20, banner + " AAAAAAAA", 20),
        "run.stat ends at step 7": cn.RunResult("r", Path("."), 0, 20, banner + " AAAAAAAA", 7),
        "closing AAAAAAAA": cn.RunResult("r", Path("."), 0, 20, banner, 20),
        "E R R O R": cn.RunResult("r", Path("."), 0, 20,
                                  banner + " ===>>> : E R R O R\n AAAAAAAA", 20),
    }
    stopped = cn.RunResult("r", Path("."), 123, 20, banner + "\n  ===>>> : E R R O R\n\n"
                           "          ===========\n\n zdf_tke_init: with no ice model\n", None)
    assert stopped.normal_end()[1] == "exit status 123: zdf_tke_init: with no ice model"
    for why, r in cases.items():
        ok, text = r.normal_end()
        assert not ok and why in text, (why, text)


def test_a_run_copies_exp00_and_sets_its_namelist(tmp_path):
    cfg = cn.read_config(make_config(tmp_path / "nemo", "5.0"))
    d, itend = cn.prepare(cfg, tmp_path / "work", "x", 20,
                          {"namnemoml": {"ln_nemoml": ".true."}, "namrun": {"nn_itend": "120"}})
    text = (d / "namelist_cfg").read_text()
    assert itend == 120 and (d / "iodef.xml").is_file() and (d / "nemo").is_symlink()
    from nemoml.devtools import nemo_namelist as nml

    assert nml.lookup([text], "namrun", "nn_itend") == 120
    assert nml.lookup([text], "namrun", "ln_rstart") is False
    assert nml.lookup([text], "namnemoml", "ln_nemoml") is True
    assert nml.lookup([text], "namctl", "sn_cfctl%l_runstat") is True


def _run(tmp_path, version, monkeypatch, **env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    lines = []
    report = cn.run_checks(make_config(tmp_path / "nemo", version), ranks=1, steps=20,
                           work=tmp_path / "work", echo=lines.append,
                           command=[sys.executable, str(FAKE)], timeout=600)
    return report, "\n".join(lines)


@pytest.mark.mpi
@pytest.mark.slow
@pytest.mark.parametrize("version,kt", [("4.2", 120), ("5.0", 60)])
def test_all_five_checks_pass_on_a_stand_in_nemo(tmp_path, monkeypatch, version, kt):
    report, out = _run(tmp_path, version, monkeypatch)
    assert report.failed == 0 and len(report.outcomes) == 5, out
    assert f"IAU re-armed at kt = {kt}" in out
    # the observations follow this grid (moved 6.7 degrees east): none falls outside it
    import netCDF4

    from nemoml.base.packaged import gyre

    with netCDF4.Dataset(gyre("mesh_mask.nc")) as ds:
        west = float(ds["glamt"][:].min()) + 6.7
    assert ", 0 outside it" in out and f"(lon {west:.1f} to" in out, out


@pytest.mark.mpi
def test_a_run_that_stops_early_with_status_0_fails(tmp_path, monkeypatch):
    report, out = _run(tmp_path, "5.0", monkeypatch, FAKE_NEMO_STOP_AT="7")
    plain = report.outcomes[0]
    assert plain.name == "plain" and not plain.passed
    assert "run.stat ends at step 7, not nn_itend = 20" in plain.why
