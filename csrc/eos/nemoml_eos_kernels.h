/* nemoml_eos_kernels.h: NEMO's equations of state as inline functions, shared by the C (CPU)
 * and CUDA builds (__host__ __device__ under nvcc), in float64 (_f64) and float32 (_f32).
 *
 * The arithmetic keeps NEMO's variables and association order (eosbn2.F90: eos_insitu,
 * eos_insitu_pot, rab_3d, bn2), so without FMA contraction (-ffp-contract=off, nvcc
 * --fmad=false) the f64 results equal NEMO's gfortran -O2 results bit for bit.
 */
#ifndef NEMOML_EOS_KERNELS_H
#define NEMOML_EOS_KERNELS_H

#include <math.h>

#include "nemoml_eos.h"
#include "nemoml_eos_coeffs.h"

/* always inlined: the CPU loops only vectorise once the calls are gone */
#ifdef __CUDACC__
#define NEMOML_HD static __forceinline__ __host__ __device__
#elif defined(__GNUC__)
#define NEMOML_HD static inline __attribute__((always_inline))
#else
#define NEMOML_HD static inline
#endif
#define NEMOML_HOST static inline
#define NEMOML_CAT_(a, b) a##b
#define NEMOML_CAT(a, b) NEMOML_CAT_(a, b)

#define NEMOML_REAL double
#define NEMOML_SFX f64
#define NEMOML_SQRT sqrt
#define NEMOML_FABS fabs
#include "nemoml_eos_kernels_t.h"
#undef NEMOML_REAL
#undef NEMOML_SFX
#undef NEMOML_SQRT
#undef NEMOML_FABS

#define NEMOML_REAL float
#define NEMOML_SFX f32
#define NEMOML_SQRT sqrtf
#define NEMOML_FABS fabsf
#include "nemoml_eos_kernels_t.h"
#undef NEMOML_REAL
#undef NEMOML_SFX
#undef NEMOML_SQRT
#undef NEMOML_FABS

#endif
