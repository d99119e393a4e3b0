"""`nemoml check-nemo` (and tools/nemo_check.sh, which calls it): checks of a NEMO configuration
the user built with the plugin.

NEMO is not part of this repository: the full checks run when NEMOML_NEMO_CFG names a built
configuration (e.g. /path/to/nemo/cfgs/MY_GYRE, NEMO 4.2 or 5.0); without it only the command's
errors and the script are checked (the checks' own logic: tests/devtools/test_check_nemo.py)."""

import os
import subprocess
import sys
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
    r = subprocess.run([sys.executable, "-m", "nemoml.cli", "check-nemo", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 9 and "no executable" in r.stdout


@pytest.mark.mpi
@pytest.mark.skipif(not os.environ.get("NEMOML_NEMO_CFG"),
                    reason="NEMOML_NEMO_CFG (a configuration built with the plugin) not set")
def test_nemo_configuration_passes_the_checks():
    r = subprocess.run([sys.executable, "-m", "nemoml.cli", "check-nemo",
                        os.environ["NEMOML_NEMO_CFG"], "--ranks", "2", "--steps", "20"],
                       capture_output=True, text=True, timeout=3600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(" PASS ") == 5 and "5/5 checks passed" in r.stdout, r.stdout
