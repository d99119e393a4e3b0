"""`nemoml config --arch`: the NEMO arch file, with and without XIOS (no NEMO needed)."""

import re
import shutil
import subprocess
import sys

import pytest

from nemoml.devtools.nemo_arch import arch_text

LD = "-L/x/nemoml/lib -Wl,-rpath,/x/nemoml/lib -lnemoml"


def keys(text):
    return dict(re.match(r"(%\w+)\s*(.*)", ln).groups() for ln in text.splitlines()
                if ln.startswith("%"))


def test_without_xios_the_plugin_and_netcdf_are_linked():
    k = keys(arch_text(LD, None, "-I/nc/include", "-L/nc/lib -lnetcdff -lnetcdf", fc_major=12))
    assert k["%NEMOML_LIB"] == LD and k["%NCDF_INC"] == "-I/nc/include"
    assert k["%USER_LIB"] == "%NCDF_LIB %NEMOML_LIB" and k["%USER_INC"] == "%NCDF_INC"
    assert not any(name.startswith("%XIOS") for name in k)
    assert "-fdefault-real-8" in k["%FCFLAGS"] and "-fallow-argument-mismatch" in k["%FCFLAGS"]
    for name in ("%CPP", "%FC", "%LD", "%FPPFLAGS", "%AR", "%ARFLAGS", "%MK", "%CC", "%CFLAGS"):
        assert name in k, name


def test_with_xios_its_include_and_library_come_first(tmp_path):
    k = keys(arch_text(LD, tmp_path, "-I/nc", "-lnetcdff", fc_major=9))
    assert k["%XIOS_HOME"] == str(tmp_path.resolve())
    assert k["%XIOS_INC"] == "-I%XIOS_HOME/inc"
    assert k["%XIOS_LIB"] == "-L%XIOS_HOME/lib -lxios -lstdc++"
    assert k["%USER_INC"] == "%XIOS_INC %NCDF_INC"
    assert k["%USER_LIB"] == "%XIOS_LIB %NCDF_LIB %NEMOML_LIB"
    assert "-fallow-argument-mismatch" not in k["%FCFLAGS"]  # gfortran 9 has no such flag


@pytest.mark.skipif(shutil.which("nf-config") is None, reason="nf-config (libnetcdff-dev) missing")
def test_the_command_takes_netcdf_from_nf_config():
    out = subprocess.run([sys.executable, "-m", "nemoml.cli", "config", "--arch"],
                         capture_output=True, text=True, check=True).stdout
    flibs = subprocess.run(["nf-config", "--flibs"], capture_output=True, text=True).stdout
    ld = subprocess.run([sys.executable, "-m", "nemoml.cli", "config", "--ldflags"],
                        capture_output=True, text=True, check=True).stdout
    k = keys(out)
    assert k["%NCDF_LIB"] == flibs.strip() and k["%NEMOML_LIB"] == ld.strip()
