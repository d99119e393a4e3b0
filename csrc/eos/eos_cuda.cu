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

}  // extern "C"
