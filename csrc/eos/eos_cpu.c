/* CPU kernels of libnemoml_eos: OpenMP over blocks of points, vectorised inner loops.
 *
 * Work is cut into blocks of at most NEMOML_BLK points inside one row (so one depth per block
 * when depth is given per level); each block runs one branch-free loop specialised for its
 * layout. Outputs not asked for go to small per-thread buffers that stay in L1. Blocks are handed out dynamically, so a core
 * slowed by other work on a shared machine does not hold the other back. The hot loops are cloned for AVX2 and
 * AVX-512 and picked at load time; no FMA contraction (-ffp-contract=off) keeps NEMO parity.
 */
#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "nemoml_eos_kernels.h"

#define NEMOML_BLK 1024
/* below this many points one thread is faster than waking the others */
#define NEMOML_PAR_MIN 32768

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NEMOML_CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define NEMOML_CLONES
#endif

int32_t nemoml_eos_threads(void) {
#ifdef _OPENMP
  return (int32_t)omp_get_max_threads();
#else
  return 1;
#endif
}

int32_t nemoml_eos_set_threads(int32_t nthreads) {
  int32_t before = nemoml_eos_threads();
#ifdef _OPENMP
  if (nthreads > 0) omp_set_num_threads((int)nthreads);
#else
  (void)nthreads;
#endif
  return before;
}

#define NEMOML_REAL double
#define NEMOML_SFX f64
#include "eos_cpu_t.h"
#undef NEMOML_REAL
#undef NEMOML_SFX

#define NEMOML_REAL float
#define NEMOML_SFX f32
#include "eos_cpu_t.h"
#undef NEMOML_REAL
#undef NEMOML_SFX
