"""The committed coefficient header is what the generator writes, and the CPU test of the
shared __host__ __device__ header (csrc/eos/test_eos_header.c) passes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from nemoml.base import paths as _paths
from nemoml.eos import codegen

SRC = Path(__file__).resolve().parents[2] / "csrc" / "eos"


def test_committed_header_is_generated():
    assert (SRC / codegen.HEADER.name).read_text() == codegen.render()


def test_generated_horner_follows_nemo_order():
    terms = {(0, 1): "A", (1, 0): "B", (0, 0): "C"}
    assert codegen.horner(terms, c="") == "((A*zt) + B*zs + C)"
    with pytest.raises(ValueError):
        codegen.horner({(1, 1): "X", (0, 1): "A", (0, 0): "C"}, c="")


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_shared_header_cpu(tmp_path):
    """Compile the C header test against the installed library and run it."""
    lib = _paths.libdir()
    exe = tmp_path / "test_eos_header"
    subprocess.run(
        [
            "cc",
            "-O2",
            "-ffp-contract=off",
            "-fno-math-errno",
            f"-I{SRC}",
            str(SRC / "test_eos_header.c"),
            f"-L{lib}",
            f"-Wl,-rpath,{lib}",
            "-lnemoml_eos",
            "-lm",
            "-o",
            str(exe),
        ],
        check=True,
    )
    out = subprocess.run([str(exe)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "OK (0 failures)" in out.stdout
