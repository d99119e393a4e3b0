// CUDA kernels of libnemoml_eos_cuda: the shared header's functions on device pointers.
//
// Rows go on grid.y (grid-stride) and points within a row on grid.x, so the per-level depth
// needs no integer division. Built with --fmad=false: results equal the CPU build's bit for bit.
// Out-of-range counts use one atomicAdd per warp, and only when a counter is given.
#include <cuda_runtime.h>

#include <cstdio>

#include "nemoml_eos_kernels.h"

namespace {

thread_local char last_error[256] = "";

int32_t fail(cudaError_t err, const char *where) {
  if (err != cudaSuccess)
    std::snprintf(last_error, sizeof last_error, "%s: %s", where, cudaGetErrorString(err));
  return (int32_t)err;
}

template <typename R> struct Eos;
template <> struct Eos<double> {
  using type = nemoml_eos_f64;
  static void setup(type *e, const nemoml_eos_params *p) { nemoml_eos_setup_f64(e, p); }
  __device__ static void insitu(const type *e, double T, double S, double z, double m,
                                double *a, double *b) {
    nemoml_eos_insitu_pt_f64(e, T, S, z, m, a, b);
  }
  __device__ static void rab(const type *e, double T, double S, double z, double m, double *a,
                             double *b) {
    nemoml_eos_rab_pt_f64(e, T, S, z, m, a, b);
  }
  __device__ static double bad(double T, double S, double m) { return nemoml_eos_bad_f64(T, S, m); }
  __device__ static double bn2(double gt, double gtm, double gw, double a, double am, double b,
                               double bm, double T, double Tm, double S, double Sm, double e3,
                               double wm) {
    return nemoml_eos_bn2_pt_f64(gt, gtm, gw, a, am, b, bm, T, Tm, S, Sm, e3, wm);
  }
};
template <> struct Eos<float> {
  using type = nemoml_eos_f32;
  static void setup(type *e, const nemoml_eos_params *p) { nemoml_eos_setup_f32(e, p); }
  __device__ static void insitu(const type *e, float T, float S, float z, float m, float *a,
                                float *b) {
    nemoml_eos_insitu_pt_f32(e, T, S, z, m, a, b);
  }
  __device__ static void rab(const type *e, float T, float S, float z, float m, float *a,
                             float *b) {
    nemoml_eos_rab_pt_f32(e, T, S, z, m, a, b);
  }
  __device__ static float bad(float T, float S, float m) { return nemoml_eos_bad_f32(T, S, m); }
  __device__ static float bn2(float gt, float gtm, float gw, float a, float am, float b, float bm,
                              float T, float Tm, float S, float Sm, float e3, float wm) {
    return nemoml_eos_bn2_pt_f32(gt, gtm, gw, a, am, b, bm, T, Tm, S, Sm, e3, wm);
  }
};

template <typename R, bool RAB>
__global__ void pointwise(const typename Eos<R>::type e, int64_t nrow, int64_t nz, int64_t n,
                          const R *__restrict__ T, const R *__restrict__ S,
                          const R *__restrict__ z, int32_t zfull, const R *__restrict__ mask,
                          R *__restrict__ o1, R *__restrict__ o2,
                          unsigned long long *__restrict__ bad) {
  unsigned long long nbad = 0;
  const int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  for (int64_t r = blockIdx.y; r < nrow; r += gridDim.y) {
    if (j >= n) break;
    const int64_t i = r * n + j;
    const R zi = zfull ? z[i] : z[r % nz];
    const R m = mask ? mask[i] : (R)1;
    R a, b;
    if (RAB)
      Eos<R>::rab(&e, T[i], S[i], zi, m, &a, &b);
    else
      Eos<R>::insitu(&e, T[i], S[i], zi, m, &a, &b);
    if (o1) o1[i] = a;
    if (o2) o2[i] = b;
    nbad += (unsigned long long)Eos<R>::bad(T[i], S[i], m);
  }
  if (bad) {
    for (int off = 16; off > 0; off /= 2) nbad += __shfl_down_sync(0xffffffffu, nbad, off);
    if ((threadIdx.x & 31) == 0 && nbad) atomicAdd(bad, nbad);
  }
}

// one thread per column (o, j): levels in order, alpha/beta of the level above in registers
template <typename R>
__global__ void bn2_kernel(const typename Eos<R>::type e, int64_t nout, int64_t nz, int64_t n,
                           const R *__restrict__ T, const R *__restrict__ S,
                           const R *__restrict__ gdept, const R *__restrict__ gdepw,
                           const R *__restrict__ e3w, int32_t zfull,
                           const R *__restrict__ wmask, R *__restrict__ n2,
                           unsigned long long *__restrict__ bad) {
  unsigned long long nbad = 0;
  const int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  for (int64_t o = blockIdx.y; o < nout && j < n; o += gridDim.y) {
    R am = 0, bm = 0, gtm = 0;
    for (int64_t k = 0; k < nz; ++k) {
      const int64_t i = (o * nz + k) * n + j;
      const R gt = zfull ? gdept[i] : gdept[k];
      R a, b;
      if (k == nz - 1) {
        n2[i] = 0;
        break;
      }
      Eos<R>::rab(&e, T[i], S[i], gt, (R)1, &a, &b);
      if (k == 0) {
        n2[i] = 0;
      } else {
        const R wm = wmask ? wmask[i] : (R)1;
        n2[i] = Eos<R>::bn2(gt, gtm, zfull ? gdepw[i] : gdepw[k], a, am, b, bm, T[i], T[i - n],
                            S[i], S[i - n], zfull ? e3w[i] : e3w[k], wm);
        nbad += (unsigned long long)(Eos<R>::bad(T[i], S[i], wm) + Eos<R>::bad(T[i - n], S[i - n], wm));
      }
      am = a, bm = b, gtm = gt;
    }
  }
  if (bad) {
    for (int off = 16; off > 0; off /= 2) nbad += __shfl_down_sync(0xffffffffu, nbad, off);
    if ((threadIdx.x & 31) == 0 && nbad) atomicAdd(bad, nbad);
  }
}

template <typename R>
int32_t launch_bn2(const nemoml_eos_params *p, int64_t nout, int64_t nz, int64_t n, const R *T,
                   const R *S, const R *gdept, const R *gdepw, const R *e3w, int32_t zfull,
                   const R *wmask, R *n2, unsigned long long *bad, void *stream) {
  typename Eos<R>::type e;
  if (nout <= 0 || nz <= 0 || n <= 0) return 0;
  Eos<R>::setup(&e, p);
  const unsigned threads = 256;
  const dim3 grid((unsigned)((n + threads - 1) / threads), (unsigned)(nout < 65535 ? nout : 65535));
  bn2_kernel<R><<<grid, threads, 0, (cudaStream_t)stream>>>(e, nout, nz, n, T, S, gdept, gdepw,
                                                            e3w, zfull, wmask, n2, bad);
  return fail(cudaGetLastError(), "bn2 kernel launch");
}

template <typename R, bool RAB>
int32_t launch(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n, const R *T,
               const R *S, const R *z, int32_t zfull, const R *mask, R *o1, R *o2,
               unsigned long long *bad, void *stream) {
  typename Eos<R>::type e;
  if (nrow <= 0 || n <= 0) return 0;
  Eos<R>::setup(&e, p);
  const unsigned threads = 256;
  const dim3 grid((unsigned)((n + threads - 1) / threads), (unsigned)(nrow < 65535 ? nrow : 65535));
  pointwise<R, RAB><<<grid, threads, 0, (cudaStream_t)stream>>>(e, nrow, nz, n, T, S, z, zfull,
                                                                 mask, o1, o2, bad);
  return fail(cudaGetLastError(), RAB ? "rab kernel launch" : "insitu kernel launch");
}

// copy host arrays in, run one kernel, copy the results out (NULL outputs are not copied)
template <typename R>
int32_t host_path(int32_t op, const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                  const R *T, const R *S, const R *z, int32_t zfull, const R *mask, R *o1, R *o2,
                  int64_t *bad) {
  const size_t bytes = (size_t)(nrow * n) * sizeof(R);
  const size_t sizes[6] = {bytes, bytes, zfull ? bytes : (size_t)nz * sizeof(R),
                           mask ? bytes : 0, o1 ? bytes : 0, o2 ? bytes : 0};
  const R *src[4] = {T, S, z, mask};
  R *dst[2] = {o1, o2};
  R *d[6] = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  unsigned long long *dbad = nullptr, hbad = 0;
  int32_t err = 0;
  if (nrow <= 0 || n <= 0) return 0;
  for (int k = 0; k < 6 && !err; ++k)
    if (sizes[k]) err = fail(cudaMalloc((void **)&d[k], sizes[k]), "cudaMalloc");
  if (!err) err = fail(cudaMalloc((void **)&dbad, sizeof hbad), "cudaMalloc");
  if (!err) err = fail(cudaMemset(dbad, 0, sizeof hbad), "cudaMemset");
  for (int k = 0; k < 4 && !err; ++k)
    if (sizes[k]) err = fail(cudaMemcpy(d[k], src[k], sizes[k], cudaMemcpyHostToDevice), "H2D");
  if (!err)
    err = op == 0 ? launch<R, false>(p, nrow, nz, n, d[0], d[1], d[2], zfull, d[3], d[4], d[5],
                                     dbad, nullptr)
                  : launch<R, true>(p, nrow, nz, n, d[0], d[1], d[2], zfull, d[3], d[4], d[5],
                                    dbad, nullptr);
  if (!err) err = fail(cudaDeviceSynchronize(), op == 0 ? "insitu kernel" : "rab kernel");
  for (int k = 0; k < 2 && !err; ++k)
    if (dst[k]) err = fail(cudaMemcpy(dst[k], d[4 + k], bytes, cudaMemcpyDeviceToHost), "D2H");
  if (!err) err = fail(cudaMemcpy(&hbad, dbad, sizeof hbad, cudaMemcpyDeviceToHost), "D2H");
  for (int k = 0; k < 6; ++k) cudaFree(d[k]);
  cudaFree(dbad);
  *bad = (int64_t)hbad;
  return err;
}

// bn2 on host arrays: copy in, run, copy n2 out
template <typename R>
int32_t bn2_host(const nemoml_eos_params *p, int64_t nout, int64_t nz, int64_t n, const R *T,
                 const R *S, const R *gdept, const R *gdepw, const R *e3w, int32_t zfull,
                 const R *wmask, R *n2, int64_t *bad) {
  const size_t bytes = (size_t)(nout * nz * n) * sizeof(R);
  const size_t zb = zfull ? bytes : (size_t)nz * sizeof(R);
  const size_t sizes[7] = {bytes, bytes, zb, zb, zb, wmask ? bytes : 0, bytes};
  const R *src[6] = {T, S, gdept, gdepw, e3w, wmask};
  R *d[7] = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  unsigned long long *dbad = nullptr, hbad = 0;
  int32_t err = 0;
  if (nout <= 0 || nz <= 0 || n <= 0) return 0;
  for (int k = 0; k < 7 && !err; ++k)
    if (sizes[k]) err = fail(cudaMalloc((void **)&d[k], sizes[k]), "cudaMalloc");
  if (!err) err = fail(cudaMalloc((void **)&dbad, sizeof hbad), "cudaMalloc");
  if (!err) err = fail(cudaMemset(dbad, 0, sizeof hbad), "cudaMemset");
  for (int k = 0; k < 6 && !err; ++k)
    if (sizes[k]) err = fail(cudaMemcpy(d[k], src[k], sizes[k], cudaMemcpyHostToDevice), "H2D");
  if (!err)
    err = launch_bn2<R>(p, nout, nz, n, d[0], d[1], d[2], d[3], d[4], zfull, d[5], d[6], dbad,
                        nullptr);
  if (!err) err = fail(cudaDeviceSynchronize(), "bn2 kernel");
  if (!err) err = fail(cudaMemcpy(n2, d[6], bytes, cudaMemcpyDeviceToHost), "D2H");
  if (!err) err = fail(cudaMemcpy(&hbad, dbad, sizeof hbad, cudaMemcpyDeviceToHost), "D2H");
  for (int k = 0; k < 7; ++k) cudaFree(d[k]);
  cudaFree(dbad);
  *bad = (int64_t)hbad;
  return err;
}

}  // namespace

extern "C" {

int32_t nemoml_eos_cuda_device_count(void) {
  int count = 0;
  // no driver (35), no device (100) or any other error: no usable GPU, never an abort
  if (fail(cudaGetDeviceCount(&count), "cudaGetDeviceCount") != 0) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

const char *nemoml_eos_cuda_last_error(void) { return last_error; }

int32_t nemoml_eos_cuda_insitu_f64(const nemoml_eos_params *p, int64_t nrow, int64_t nz,
                                   int64_t n, const double *T, const double *S, const double *z,
                                   int32_t zfull, const double *mask, double *rd, double *rhop,
                                   unsigned long long *bad, void *stream) {
  return launch<double, false>(p, nrow, nz, n, T, S, z, zfull, mask, rd, rhop, bad, stream);
}

int32_t nemoml_eos_cuda_insitu_f32(const nemoml_eos_params *p, int64_t nrow, int64_t nz,
                                   int64_t n, const float *T, const float *S, const float *z,
                                   int32_t zfull, const float *mask, float *rd, float *rhop,
                                   unsigned long long *bad, void *stream) {
  return launch<float, false>(p, nrow, nz, n, T, S, z, zfull, mask, rd, rhop, bad, stream);
}

int32_t nemoml_eos_cuda_rab_f64(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                                const double *T, const double *S, const double *z, int32_t zfull,
                                const double *mask, double *alpha, double *beta,
                                unsigned long long *bad, void *stream) {
  return launch<double, true>(p, nrow, nz, n, T, S, z, zfull, mask, alpha, beta, bad, stream);
}

int32_t nemoml_eos_cuda_rab_f32(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                                const float *T, const float *S, const float *z, int32_t zfull,
                                const float *mask, float *alpha, float *beta,
                                unsigned long long *bad, void *stream) {
  return launch<float, true>(p, nrow, nz, n, T, S, z, zfull, mask, alpha, beta, bad, stream);
}

int32_t nemoml_eos_cuda_host_f64(int32_t op, const nemoml_eos_params *p, int64_t nrow, int64_t nz,
                                 int64_t n, const double *T, const double *S, const double *z,
                                 int32_t zfull, const double *mask, double *o1, double *o2,
                                 int64_t *bad) {
  return host_path<double>(op, p, nrow, nz, n, T, S, z, zfull, mask, o1, o2, bad);
}

int32_t nemoml_eos_cuda_host_f32(int32_t op, const nemoml_eos_params *p, int64_t nrow, int64_t nz,
                                 int64_t n, const float *T, const float *S, const float *z,
                                 int32_t zfull, const float *mask, float *o1, float *o2,
                                 int64_t *bad) {
  return host_path<float>(op, p, nrow, nz, n, T, S, z, zfull, mask, o1, o2, bad);
}

int32_t nemoml_eos_cuda_bn2_f64(const nemoml_eos_params *p, int64_t nout, int64_t nz, int64_t n,
                                const double *T, const double *S, const double *gdept,
                                const double *gdepw, const double *e3w, int32_t zfull,
                                const double *wmask, double *n2, unsigned long long *bad,
                                void *stream) {
  return launch_bn2<double>(p, nout, nz, n, T, S, gdept, gdepw, e3w, zfull, wmask, n2, bad,
                            stream);
}

int32_t nemoml_eos_cuda_bn2_f32(const nemoml_eos_params *p, int64_t nout, int64_t nz, int64_t n,
                                const float *T, const float *S, const float *gdept,
                                const float *gdepw, const float *e3w, int32_t zfull,
                                const float *wmask, float *n2, unsigned long long *bad,
                                void *stream) {
  return launch_bn2<float>(p, nout, nz, n, T, S, gdept, gdepw, e3w, zfull, wmask, n2, bad,
                           stream);
}

int32_t nemoml_eos_cuda_bn2_host_f64(const nemoml_eos_params *p, int64_t nout, int64_t nz,
                                     int64_t n, const double *T, const double *S,
                                     const double *gdept, const double *gdepw, const double *e3w,
                                     int32_t zfull, const double *wmask, double *n2,
                                     int64_t *bad) {
  return bn2_host<double>(p, nout, nz, n, T, S, gdept, gdepw, e3w, zfull, wmask, n2, bad);
}

int32_t nemoml_eos_cuda_bn2_host_f32(const nemoml_eos_params *p, int64_t nout, int64_t nz,
                                     int64_t n, const float *T, const float *S,
                                     const float *gdept, const float *gdepw, const float *e3w,
                                     int32_t zfull, const float *wmask, float *n2, int64_t *bad) {
  return bn2_host<float>(p, nout, nz, n, T, S, gdept, gdepw, e3w, zfull, wmask, n2, bad);
}

}  // extern "C"
