"""``train-generator --eos/--nameos/--seos-params``: the EOS the generator is trained with."""

import argparse

import pytest

from nemoml.cli.generate import _eos_choice, register


def _args(*argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(["train-generator", "--database", "d", "--mesh-mask", "m",
                              "--out", "o", *argv])


def test_seos_takes_the_namelist_coefficients(tmp_path):
    nml = tmp_path / "namelist_cfg"
    nml.write_text("&nameos\n   ln_seos = .true.\n   rn_a0 = 0.2\n   rn_lambda1 = 0.\n/\n")
    kind, params = _eos_choice(_args("--nameos", str(nml)))
    assert kind == "seos" and params["rn_a0"] == 0.2 and params["rn_lambda1"] == 0.0
    assert params["rn_b0"] == 0.76554  # not in the group: namelist_ref's value
    kind, params = _eos_choice(_args("--nameos", str(nml), "--seos-params", "rn_nu=0"))
    assert params["rn_nu"] == 0.0 and params["rn_a0"] == 0.2


def test_defaults_and_refusals(tmp_path):
    assert _eos_choice(_args()) == ("eos80", {})
    kind, params = _eos_choice(_args("--eos", "seos", "--seos-params", "rn_a0=0.3"))
    assert kind == "seos" and params["rn_a0"] == 0.3 and params["rn_mu1"] == 1.497e-4
    nml = tmp_path / "namelist_cfg"
    nml.write_text("&nameos\n   ln_teos10 = .true.\n/\n")
    with pytest.raises(SystemExit, match="--eos eos80 but &nameos .* chooses teos10"):
        _eos_choice(_args("--eos", "eos80", "--nameos", str(nml)))
    with pytest.raises(SystemExit, match="--seos-params given but the EOS is teos10"):
        _eos_choice(_args("--nameos", str(nml), "--seos-params", "rn_a0=1"))
    with pytest.raises(SystemExit, match="expected rn_NAME=value"):
        _eos_choice(_args("--eos", "seos", "--seos-params", "rn_zz=1"))
