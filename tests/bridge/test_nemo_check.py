"""tools/nemo_check.sh: checks of a NEMO configuration the user built with the plugin.

NEMO is not part of this repository: the full checks run when NEMOML_NEMO_CFG names a built
configuration (e.g. /path/to/nemo/cfgs/GYRE_NML); without it only the script itself is checked."""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "tools" / "nemo_check.sh"


def test_script_parses_and_skips_without_a_configuration():
    assert subprocess.run(["bash", "-n", str(SCRIPT)]).returncode == 0
    r = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True)
    assert r.returncode == 0 and "skipped" in r.stdout


def test_a_configuration_that_is_not_built_is_an_error(tmp_path):
    r = subprocess.run(["bash", str(SCRIPT), str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 9 and "no executable" in r.stdout


@pytest.mark.mpi
@pytest.mark.skipif(not os.environ.get("NEMOML_NEMO_CFG"), reason="NEMOML_NEMO_CFG not set")
def test_nemo_configuration_passes_the_checks():
    r = subprocess.run(["bash", str(SCRIPT), os.environ["NEMOML_NEMO_CFG"], "2", "20"],
                       capture_output=True, text=True, timeout=3600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("PASS") == 3, r.stdout
