/* nemoml.h: the one C ABI between a Fortran host (NEMO or the stand-in) and embedded Python.
 *
 * Every function returns 0 on success and a nonzero status otherwise; on failure the message
 * is fetched with nemoml_last_error. Failures are agreed collectively over the communicator
 * given to nemoml_init, so every rank returns the same status and the host can stop cleanly.
 *
 * Arrays are passed zero-copy as nemoml_field descriptors. Shapes are given in Fortran order
 * (i fastest): a Fortran a(jpi,jpj,jpk) is seen by Python as a C-order (jpk,jpj,jpi) view,
 * valid only during the call. Pass contiguous arrays only (see fortran/nemoml.F90).
 */
#ifndef NEMOML_H
#define NEMOML_H

#include <stdint.h>

#define NEMOML_ABI_VERSION 1
#define NEMOML_MAXDIM 4
#define NEMOML_ERRLEN 1024
#define NEMOML_NAMELEN 32

/* dtype codes: the element size in bytes of a real type */
#define NEMOML_FLOAT32 4
#define NEMOML_FLOAT64 8
#define NEMOML_NONCONTIGUOUS -1 /* set by the Fortran module: the array was not contiguous */

/* forward modes */
#define NEMOML_LOCAL 0  /* each rank runs the model on its own inner domain */
#define NEMOML_GLOBAL 1 /* inner domains gathered, model run once on the global field, scattered back */

typedef struct nemoml_grid {
  int32_t jpi, jpj, jpk;    /* local sizes, halos included */
  int32_t ni0glo, nj0glo;   /* global sizes, halos excluded */
  int32_t nimpp, njmpp;     /* 1-based global index of the first inner point */
  int32_t nn_hls;           /* halo width */
  int32_t nis0, nie0;       /* 1-based local bounds of the inner domain along i */
  int32_t njs0, nje0;       /* ... and along j */
} nemoml_grid;

typedef struct nemoml_field {
  char name[NEMOML_NAMELEN];       /* NUL-terminated: "tn", "sn", "un", "vn", "sshn", "tmask", ... */
  void *data;                      /* first element; contiguous, Fortran order */
  int32_t dtype;                   /* NEMOML_FLOAT32 or NEMOML_FLOAT64 */
  int32_t ndim;                    /* 1..NEMOML_MAXDIM */
  int32_t cgrid;                   /* grid point: 'T', 'U', 'V', 'W', 'F', or 'Z' for 1-D depth axes */
  int32_t intent;                  /* 1 in, 2 out, 3 inout */
  int64_t shape[NEMOML_MAXDIM];    /* Fortran order, i first */
} nemoml_field;

/* Start the embedded interpreter from the venv this library was installed in, import nemoml.
 * Must be the first call; returns 0 on success. No signal handlers are installed. */
int nemoml_boot(void);

/* Initialise on the host communicator (a Fortran INTEGER handle, e.g. NEMO's mpi_comm_oce).
 * fields: masks and depths (tmask, umask, vmask, gdept_1d, ...). settings: NUL-terminated
 * "key = value" lines from the host namelist. Loads every model named in settings. */
int nemoml_init(int32_t fcomm, const nemoml_grid *grid, int32_t nfields, const nemoml_field *fields,
                const char *settings);

/* Load a model file (TorchScript .pt or torch.export .pt2) under a name; *handle is set. */
int nemoml_model_load(const char *name, const char *path, int32_t *handle);

/* Run a model: inputs are read, outputs written in place. mode: NEMOML_LOCAL or NEMOML_GLOBAL. */
int nemoml_forward(int32_t handle, int32_t mode, int32_t nin, const nemoml_field *inputs,
                   int32_t nout, nemoml_field *outputs);

/* Initial state at NEMO's istate_init: fields tn, sn, un, vn, sshn (in/out, halos included). */
int nemoml_istate(int32_t kt, int32_t nfields, nemoml_field *fields);

/* Analysis increments at NEMO's asm_inc_init: background fields in, *_bkginc fields out. */
int nemoml_increments(int32_t kt, int32_t nfields, nemoml_field *fields);

/* Cycled assimilation, called from the host's time step every nn_nemoml_freq steps.
 * fields: tn, sn, sshn (un, vn) in; t_bkginc, s_bkginc, ssh_bkginc (u_bkginc, v_bkginc) out.
 * On return *iau_steps > 0 when a window ended at kt: the outputs hold the window's analysis
 * increment, to be applied by IAU over the next *iau_steps steps from kt+1; 0: nothing new
 * (outputs untouched).
 * The inputs are the state at the end of step kt. Samples are the steps with
 * (kt - nit000 + 1) % freq == 0 (freq 0: once a model day); a call at another step returns 0
 * at once. Step kt+j, j = 1..*iau_steps, adds w_j times the increment, w the weights of
 * nn_iaufn (0: 1/n; 1: min(j, n+1-j) normalised to sum 1; see python/nemoml/assimilate/cycle.py).
 * A window ending at nitend is not analysed. */
int nemoml_cycle(int32_t kt, int32_t nfields, nemoml_field *fields, int32_t *iau_steps);

/* An empty round trip, for measuring the fixed cost of a call. */
int nemoml_ping(void);

/* Release models and the communicator; call before MPI_Finalize. The interpreter stays up. */
int nemoml_finalize(void);

/* Copy the last error message (NUL-terminated, truncated to buflen) and return its length. */
int nemoml_last_error(char *buf, int32_t buflen);

#endif /* NEMOML_H */
