"""Truth runs of the 1/4-degree GYRE: the namelist is the data README's, a run resumes from its
last kept restart, and (with a NEMO build) a real run collects its days and goes on."""

import os
from pathlib import Path

import netCDF4
import pytest

from nemoml.base.paths import shared_data
from nemoml.devtools import gyre025

README = shared_data("gyre025", "README.md")


@pytest.mark.skipif(not README.is_file(), reason="../shared/data/gyre025 is not beside the repo")
def test_the_namelist_is_the_data_readmes():
    text = README.read_text().replace(" ", "")
    for group, values in gyre025.EDITS.items():
        if group in ("namnemoml", "namctl", "nameos"):
            continue  # ours: plugin off, run.stat on; EOS-80 is checked below
        for key, value in values.items():
            assert f"{key}={value}" in text, (group, key, value)
    assert "ln_eos80=.true." in text


def test_a_run_starts_from_its_last_kept_restart(tmp_path):
    start = tmp_path / "start"
    start.mkdir()
    for rank in range(2):
        (start / f"GYRE_00008688_restart_{rank:04d}.nc").write_bytes(b"")
    assert gyre025._start(tmp_path) == ("GYRE_00008688_restart", start, 8688)


CFG = os.environ.get("NEMOML_NEMO_CFG")


@pytest.mark.skipif(not CFG, reason="set NEMOML_NEMO_CFG to a GYRE configuration built with "
                    "the plugin (nemo_patches/README.md) to run NEMO")
@pytest.mark.skipif(not README.is_file(), reason="../shared/data/gyre025 is not beside the repo")
def test_two_real_days_in_two_chunks(tmp_path):
    assert gyre025.main([CFG, str(tmp_path), "--days", "1"]) == 0
    assert gyre025.main([CFG, str(tmp_path), "--days", "2"]) == 0  # resumes from day 1
    with netCDF4.Dataset(tmp_path / "daily.nc") as ds:
        assert list(ds["kt"][:]) == [8664, 8688] and list(ds["time"][:]) == [361, 362]
        ssh = ds["zos"][1]
        assert 0.15 < float(ssh[ssh != 0].std()) < 0.35  # the README's eddying basin: 0.23 m
    assert not list(Path(tmp_path / "run").glob("*_restart*.nc"))  # collected and deleted
