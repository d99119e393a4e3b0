"""Generate the C source of libnemoml with cffi's embedding mode (run by CMake).

usage: cffi_build.py HEADER BOOT_C OUT_C

The exported ABI (nemoml.h) is implemented in C (boot.c); each entry forwards to a static
``extern "Python"`` callback implemented in ``nemoml.bridge.entry``.
"""

import re
import sys
from pathlib import Path

import cffi

PY_CALLBACKS = """
extern "Python" int nemoml_py_boot(void);
extern "Python" int nemoml_py_init(int32_t, const nemoml_grid *, int32_t, const nemoml_field *,
                                   const char *);
extern "Python" int nemoml_py_model_load(const char *, const char *, int32_t *);
extern "Python" int nemoml_py_forward(int32_t, int32_t, int32_t, const nemoml_field *, int32_t,
                                      nemoml_field *);
extern "Python" int nemoml_py_hook(int32_t, int32_t, int32_t, nemoml_field *);
extern "Python" int nemoml_py_cycle(int32_t, int32_t, nemoml_field *, int32_t *);
extern "Python" int nemoml_py_ping(void);
extern "Python" int nemoml_py_finalize(void);
void nemoml_set_error(const char *msg);
"""

INIT_CODE = """
from nemoml.bridge.isolate import import_isolated
import_isolated()
from _nemoml_cffi import ffi, lib
from nemoml.bridge import entry
entry.bind(ffi, lib)
"""


def header_cdef(text: str) -> str:
    """The header as cdef: integer #defines kept, other preprocessor lines dropped."""
    keep = []
    for line in text.splitlines():
        if line.startswith("#"):
            if re.match(r"#define\s+\w+\s+-?\d+\s*(/\*.*)?$", line):
                keep.append(re.sub(r"/\*.*", "", line))
            continue
        keep.append(line)
    return re.sub(r"/\*.*?\*/", "", "\n".join(keep), flags=re.S)


def main(header: str, boot_c: str, out_c: str) -> None:
    ffi = cffi.FFI()
    ffi.cdef(header_cdef(Path(header).read_text()) + PY_CALLBACKS)
    ffi.embedding_api("")  # all exports are the C functions of boot.c
    ffi.set_source("_nemoml_cffi", '#include "nemoml.h"\n' + Path(boot_c).read_text())
    ffi.embedding_init_code(INIT_CODE)
    ffi.emit_c_code(out_c)


if __name__ == "__main__":
    main(*sys.argv[1:])
