/* nemoml_eos.h: C ABI of libnemoml_eos (CPU, OpenMP) and libnemoml_eos_cuda (CUDA).
 *
 * NEMO's three equations of state (eosbn2.F90): TEOS-10 and EOS-80 polynomials, S-EOS.
 * Arrays are C-order blocks of nrow rows of n points (a (z,y,x) field is nrow = nz rows of
 * n = ny*nx points; a stack of B fields is nrow = B*nz). Row r lies at level r % nz. The depth
 * z (metres, positive down) is either one value per level (zfull = 0: nz values) or a full
 * array shaped like T (zfull = 1). A NULL mask means all points are wet; a NULL output is not
 * written. Outputs must not overlap inputs.
 *
 * Every kernel returns the number of wet points (mask != 0) whose T or S is not finite or lies
 * outside [NEMOML_EOS_TMIN, NEMOML_EOS_TMAX] x [NEMOML_EOS_SMIN, NEMOML_EOS_SMAX]. NaN inputs
 * propagate to the outputs (IEEE arithmetic, masked points included, as in NEMO's Fortran).
 */
#ifndef NEMOML_EOS_H
#define NEMOML_EOS_H

#include <stdint.h>

#define NEMOML_EOS_TEOS10 0
#define NEMOML_EOS_EOS80 1
#define NEMOML_EOS_SEOS 2

/* range checked by the kernels: where the polynomial fits hold (Roquet et al. 2015) */
#define NEMOML_EOS_TMIN (-3.0)
#define NEMOML_EOS_TMAX 40.0
#define NEMOML_EOS_SMIN 0.0
#define NEMOML_EOS_SMAX 42.0

/* NEMO's gravity (phycst) used by bn2 */
#define NEMOML_EOS_GRAV 9.80665

typedef struct nemoml_eos_params {
  int32_t kind;    /* NEMOML_EOS_TEOS10, NEMOML_EOS_EOS80 or NEMOML_EOS_SEOS */
  double rho0;     /* reference density (NEMO: 1026) */
  double a0, b0, lambda1, lambda2, mu1, mu2, nu, T0, S0; /* S-EOS rn_* (ignored otherwise) */
} nemoml_eos_params;

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CPU (libnemoml_eos) ---- */
/* rd = NEMO's prd = (rho/rho0 - 1)*mask; rhop = NEMO's prhop (sigma0 = rhop - 1000) */
int64_t nemoml_eos_insitu_f64(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                              const double *T, const double *S, const double *z, int32_t zfull,
                              const double *mask, double *rd, double *rhop);
int64_t nemoml_eos_insitu_f32(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                              const float *T, const float *S, const float *z, int32_t zfull,
                              const float *mask, float *rd, float *rhop);
/* alpha = -1/rho0 drho/dT, beta = 1/rho0 drho/dS (NEMO's rab_3d), masked */
int64_t nemoml_eos_rab_f64(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                           const double *T, const double *S, const double *z, int32_t zfull,
                           const double *mask, double *alpha, double *beta);
int64_t nemoml_eos_rab_f32(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                           const float *T, const float *S, const float *z, int32_t zfull,
                           const float *mask, float *alpha, float *beta);
/* N^2 on w-points as NEMO's bn2 (alpha/beta form) for nout stacked (nz, n) fields; levels 0
 * and nz-1 are 0. gdept, gdepw and e3w share the zfull layout; wmask NULL means all wet. */
int64_t nemoml_eos_bn2_f64(const nemoml_eos_params *p, int64_t nout, int64_t nz, int64_t n,
                           const double *T, const double *S, const double *gdept,
                           const double *gdepw, const double *e3w, int32_t zfull,
                           const double *wmask, double *n2);
int64_t nemoml_eos_bn2_f32(const nemoml_eos_params *p, int64_t nout, int64_t nz, int64_t n,
                           const float *T, const float *S, const float *gdept,
                           const float *gdepw, const float *e3w, int32_t zfull,
                           const float *wmask, float *n2);
/* C1/C2 profiles in one pass (fields (nout, nz, n)): mean[o*nz+k] = masked mean over the n
 * points of sigma0 = rhop - 1000 at level k, diff[o*nz+k] = masked mean of sigma0_k -
 * sigma0_{k+1} where both are wet (0 at the last level); 0 where no point is wet. Sums run in
 * the working precision within blocks of 1024 points and in float64 across blocks, in a fixed
 * order (results do not depend on the thread count). */
int64_t nemoml_eos_sigma0_profiles_f64(const nemoml_eos_params *p, int64_t nout, int64_t nz,
                                       int64_t n, const double *T, const double *S,
                                       const double *mask, double *mean, double *diff);
int64_t nemoml_eos_sigma0_profiles_f32(const nemoml_eos_params *p, int64_t nout, int64_t nz,
                                       int64_t n, const float *T, const float *S,
                                       const float *mask, double *mean, double *diff);
/* number of OpenMP threads the CPU kernels use */
int32_t nemoml_eos_threads(void);
/* set the number of OpenMP threads of later calls from this thread (nthreads > 0), return the
 * previous number (benchmarks time one thread against the default) */
int32_t nemoml_eos_set_threads(int32_t nthreads);

/* ---- CUDA (libnemoml_eos_cuda): same kernels on device pointers, async on a stream ---- */
/* number of usable CUDA devices; 0 when there is no driver or no device (never aborts) */
int32_t nemoml_eos_cuda_device_count(void);
/* last CUDA error text of this thread ("" if none) */
const char *nemoml_eos_cuda_last_error(void);
/* device pointers; bad is a device int64 counter (may be NULL); return 0 or a cudaError_t */
int32_t nemoml_eos_cuda_insitu_f64(const nemoml_eos_params *p, int64_t nrow, int64_t nz,
                                   int64_t n, const double *T, const double *S, const double *z,
                                   int32_t zfull, const double *mask, double *rd, double *rhop,
                                   unsigned long long *bad, void *stream);
int32_t nemoml_eos_cuda_insitu_f32(const nemoml_eos_params *p, int64_t nrow, int64_t nz,
                                   int64_t n, const float *T, const float *S, const float *z,
                                   int32_t zfull, const float *mask, float *rd, float *rhop,
                                   unsigned long long *bad, void *stream);
int32_t nemoml_eos_cuda_rab_f64(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                                const double *T, const double *S, const double *z, int32_t zfull,
                                const double *mask, double *alpha, double *beta,
                                unsigned long long *bad, void *stream);
int32_t nemoml_eos_cuda_rab_f32(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                                const float *T, const float *S, const float *z, int32_t zfull,
                                const float *mask, float *alpha, float *beta,
                                unsigned long long *bad, void *stream);
/* N^2 as nemoml_eos_bn2_*: one thread per column, levels in order, alpha/beta kept in
 * registers between levels */
int32_t nemoml_eos_cuda_bn2_f64(const nemoml_eos_params *p, int64_t nout, int64_t nz, int64_t n,
                                const double *T, const double *S, const double *gdept,
                                const double *gdepw, const double *e3w, int32_t zfull,
                                const double *wmask, double *n2, unsigned long long *bad,
                                void *stream);
int32_t nemoml_eos_cuda_bn2_f32(const nemoml_eos_params *p, int64_t nout, int64_t nz, int64_t n,
                                const float *T, const float *S, const float *gdept,
                                const float *gdepw, const float *e3w, int32_t zfull,
                                const float *wmask, float *n2, unsigned long long *bad,
                                void *stream);
/* synchronous host-array path: copies in, runs op (0 insitu: o1 = rd, o2 = rhop; 1 rab:
 * o1 = alpha, o2 = beta), copies out; *bad receives the range count */
int32_t nemoml_eos_cuda_host_f64(int32_t op, const nemoml_eos_params *p, int64_t nrow, int64_t nz,
                                 int64_t n, const double *T, const double *S, const double *z,
                                 int32_t zfull, const double *mask, double *o1, double *o2,
                                 int64_t *bad);
int32_t nemoml_eos_cuda_host_f32(int32_t op, const nemoml_eos_params *p, int64_t nrow, int64_t nz,
                                 int64_t n, const float *T, const float *S, const float *z,
                                 int32_t zfull, const float *mask, float *o1, float *o2,
                                 int64_t *bad);
/* synchronous host-array bn2 (arguments as nemoml_eos_bn2_*) */
int32_t nemoml_eos_cuda_bn2_host_f64(const nemoml_eos_params *p, int64_t nout, int64_t nz,
                                     int64_t n, const double *T, const double *S,
                                     const double *gdept, const double *gdepw, const double *e3w,
                                     int32_t zfull, const double *wmask, double *n2,
                                     int64_t *bad);
int32_t nemoml_eos_cuda_bn2_host_f32(const nemoml_eos_params *p, int64_t nout, int64_t nz,
                                     int64_t n, const float *T, const float *S,
                                     const float *gdept, const float *gdepw, const float *e3w,
                                     int32_t zfull, const float *wmask, float *n2, int64_t *bad);

#ifdef __cplusplus
}
#endif
#endif
