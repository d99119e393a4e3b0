"""``nemoml config --arch``: a NEMO arch file (``arch/arch-NAME.fcm``) for this machine.

gfortran through the MPI wrapper ``mpif90``, netCDF from ``nf-config`` (Debian's
``libnetcdff-dev``), XIOS when ``--xios DIR`` is given (``DIR/inc``, ``DIR/lib/libxios.a``), and
``nemoml config --ldflags`` in ``%USER_LIB``. The same file serves NEMO 4.2 and 5.0.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path


class ArchError(RuntimeError):
    pass


def _out(cmd: list[str]) -> str:
    if shutil.which(cmd[0]) is None:
        raise ArchError(f"{cmd[0]} not found on PATH (Debian: apt-get install libnetcdff-dev "
                        "libopenmpi-dev gfortran)")
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def gfortran_major(fc: str = "mpif90") -> int:
    """Major version of the compiler behind ``fc`` (0 when it is not gfortran)."""
    try:
        text = _out([fc, "--version"])
    except (ArchError, subprocess.CalledProcessError):
        return 0
    m = re.search(r"GNU Fortran.*?(\d+)\.\d+", text)
    return int(m.group(1)) if m else 0


def arch_text(ldflags: str, xios: Path | None = None, ncdf_inc: str | None = None,
              ncdf_lib: str | None = None, fc_major: int | None = None) -> str:
    """The arch file; netCDF flags from ``nf-config`` unless given."""
    ncdf_inc = ncdf_inc if ncdf_inc is not None else _out(["nf-config", "--fflags"])
    ncdf_lib = ncdf_lib if ncdf_lib is not None else _out(["nf-config", "--flibs"])
    fc_major = gfortran_major() if fc_major is None else fc_major
    # gfortran >= 10 rejects the MPI calls' mismatched buffer types of NEMO's lib_mpp
    mismatch = " -fallow-argument-mismatch" if fc_major >= 10 else ""
    lines = ["# NEMO arch file written by `nemoml config --arch"
             + (f" --xios {xios}`" if xios else "`"),
             "# gfortran (mpif90), netCDF from nf-config, the nemoml plugin in %USER_LIB",
             f"%NCDF_INC            {ncdf_inc}",
             f"%NCDF_LIB            {ncdf_lib}"]
    if xios:
        xios = Path(xios).resolve()
        lines += [f"%XIOS_HOME           {xios}",
                  "%XIOS_INC            -I%XIOS_HOME/inc",
                  "%XIOS_LIB            -L%XIOS_HOME/lib -lxios -lstdc++"]
    lines += [f"%NEMOML_LIB          {ldflags}",
              "%CPP                 cpp -Dkey_nosignedzero",
              "%FC                  mpif90 -c -cpp",
              "%FCFLAGS             -fdefault-real-8 -O2 -funroll-all-loops -fcray-pointer "
              f"-ffree-line-length-none{mismatch}",
              "%FFLAGS              %FCFLAGS",
              "%LD                  mpif90",
              "%LDFLAGS             ",
              "%FPPFLAGS            -P -traditional",
              "%AR                  ar",
              "%ARFLAGS             rs",
              "%MK                  make",
              "%USER_INC            " + ("%XIOS_INC %NCDF_INC" if xios else "%NCDF_INC"),
              "%USER_LIB            " + ("%XIOS_LIB " if xios else "") + "%NCDF_LIB %NEMOML_LIB",
              "%CC                  cc",
              "%CFLAGS              -O0"]
    return "\n".join(lines) + "\n"
