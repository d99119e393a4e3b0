/* boot.c: the C side of libnemoml, inlined into the cffi-generated module (see cffi_build.py).
 *
 * The exported functions of nemoml.h live here, in C, so that:
 *  - the interpreter is started explicitly by nemoml_boot with a PyConfig that points at the
 *    venv holding this library (no PATH/PYTHONPATH games) and installs no signal handlers;
 *  - no call can trigger cffi's lazy start-up, whose failures make every entry return 0;
 *  - nemoml_last_error works even when Python never started.
 * The Python halves are the static extern "Python" callbacks nemoml_py_* (nemoml.bridge.entry).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef NEMOML_BUILD_PYTHON
#define NEMOML_BUILD_PYTHON ""
#endif

/* The Python halves, defined by cffi after this prologue (extern "Python" in cffi_build.py). */
static int nemoml_py_boot(void);
static int nemoml_py_init(int32_t, const nemoml_grid *, int32_t, const nemoml_field *, const char *);
static int nemoml_py_model_load(const char *, const char *, int32_t *);
static int nemoml_py_forward(int32_t, int32_t, int32_t, const nemoml_field *, int32_t, nemoml_field *);
static int nemoml_py_hook(int32_t, int32_t, int32_t, nemoml_field *);
static int nemoml_py_cycle(int32_t, int32_t, nemoml_field *, int32_t *);
static int nemoml_py_ping(void);
static int nemoml_py_finalize(void);

static char nemoml_errbuf[NEMOML_ERRLEN];
static int nemoml_booted = 0;

static int nemoml_fail(const char *msg) {
  snprintf(nemoml_errbuf, sizeof nemoml_errbuf, "%s", msg);
  return 1;
}

/* Called from Python to record the message of a failed call. */
static void nemoml_set_error(const char *msg) {
  snprintf(nemoml_errbuf, sizeof nemoml_errbuf, "%s", msg ? msg : "");
}

/* Hosts may dlopen us RTLD_LOCAL; extension modules (numpy, torch) are not linked against
 * libpython and need its symbols global. Re-open the already-loaded libpython RTLD_GLOBAL. */
__attribute__((constructor)) static void nemoml_promote_libpython(void) {
  Dl_info info;
  if (dladdr((void *)&Py_IsInitialized, &info) && info.dli_fname)
    dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

/* The interpreter to configure: <venv>/bin/python for the venv whose site-packages holds this
 * library (found by walking up to pyvenv.cfg), else the Python that built it. */
static int nemoml_find_python(char *exe, size_t n) {
  Dl_info info;
  char dir[4096];
  if (dladdr((void *)&nemoml_find_python, &info) && info.dli_fname) {
    snprintf(dir, sizeof dir, "%s", info.dli_fname);
    char *slash;
    while ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
      *slash = '\0';
      char cfg[4200];
      snprintf(cfg, sizeof cfg, "%s/pyvenv.cfg", dir);
      if (access(cfg, R_OK) == 0) {
        snprintf(exe, n, "%s/bin/python3", dir);
        if (access(exe, X_OK) == 0) return 0;
      }
    }
  }
  snprintf(exe, n, "%s", NEMOML_BUILD_PYTHON);
  return exe[0] ? 0 : -1;
}

CFFI_DLLEXPORT int nemoml_boot(void) {
  if (nemoml_booted) return 0;
  if (!Py_IsInitialized()) {
    char exe[4096];
    if (nemoml_find_python(exe, sizeof exe) != 0)
      return nemoml_fail("nemoml_boot: cannot locate the Python environment of libnemoml");
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0; /* leave SIGINT/SIGTERM to MPI and the host */
    config.parse_argv = 0;
    char *argv[] = {"nemoml"};
    PyStatus status = PyConfig_SetBytesString(&config, &config.executable, exe);
    if (!PyStatus_Exception(status))
      status = PyConfig_SetBytesString(&config, &config.program_name, exe);
    if (!PyStatus_Exception(status)) status = PyConfig_SetBytesArgv(&config, 1, argv);
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
      snprintf(nemoml_errbuf, sizeof nemoml_errbuf, "nemoml_boot: Python failed to start from %s: %s",
               exe, status.err_msg ? status.err_msg : "unknown error");
      return 1;
    }
    PyEval_SaveThread(); /* cffi takes the GIL per call */
  }
  if (cffi_start_python() != 0)
    return nemoml_fail("nemoml_boot: the embedded nemoml package failed to import "
                       "(traceback on stderr)");
  nemoml_booted = 1;
  if (nemoml_py_boot() != 0) {
    nemoml_booted = 0;
    return 1;
  }
  return 0;
}

#define NEMOML_REQUIRE_BOOT()                                                      \
  do {                                                                             \
    if (!nemoml_booted) return nemoml_fail("nemoml: call nemoml_boot first (it failed or was not called)"); \
  } while (0)

CFFI_DLLEXPORT int nemoml_init(int32_t fcomm, const nemoml_grid *grid, int32_t nfields,
                               const nemoml_field *fields, const char *settings) {
  NEMOML_REQUIRE_BOOT();
  return nemoml_py_init(fcomm, grid, nfields, fields, settings ? settings : "");
}

CFFI_DLLEXPORT int nemoml_model_load(const char *name, const char *path, int32_t *handle) {
  NEMOML_REQUIRE_BOOT();
  return nemoml_py_model_load(name, path, handle);
}

CFFI_DLLEXPORT int nemoml_forward(int32_t handle, int32_t mode, int32_t nin,
                                  const nemoml_field *inputs, int32_t nout, nemoml_field *outputs) {
  NEMOML_REQUIRE_BOOT();
  return nemoml_py_forward(handle, mode, nin, inputs, nout, outputs);
}

CFFI_DLLEXPORT int nemoml_istate(int32_t kt, int32_t nfields, nemoml_field *fields) {
  NEMOML_REQUIRE_BOOT();
  return nemoml_py_hook(0, kt, nfields, fields);
}

CFFI_DLLEXPORT int nemoml_increments(int32_t kt, int32_t nfields, nemoml_field *fields) {
  NEMOML_REQUIRE_BOOT();
  return nemoml_py_hook(1, kt, nfields, fields);
}

CFFI_DLLEXPORT int nemoml_cycle(int32_t kt, int32_t nfields, nemoml_field *fields,
                                int32_t *iau_steps) {
  if (!iau_steps) return nemoml_fail("nemoml_cycle: iau_steps is NULL");
  *iau_steps = 0;
  NEMOML_REQUIRE_BOOT();
  return nemoml_py_cycle(kt, nfields, fields, iau_steps);
}

CFFI_DLLEXPORT int nemoml_ping(void) {
  NEMOML_REQUIRE_BOOT();
  return nemoml_py_ping();
}

CFFI_DLLEXPORT int nemoml_finalize(void) {
  if (!nemoml_booted) return 0;
  return nemoml_py_finalize();
}

CFFI_DLLEXPORT int nemoml_last_error(char *buf, int32_t buflen) {
  int len = (int)strlen(nemoml_errbuf);
  if (buf && buflen > 0) snprintf(buf, (size_t)buflen, "%s", nemoml_errbuf);
  return len;
}
