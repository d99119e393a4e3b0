/* Type-generic CPU loops for eos_cpu.c (included once per real type). No include guard. */
#define R NEMOML_REAL
#define FN(name) NEMOML_CAT(name, NEMOML_SFX)
#define E FN(nemoml_eos_)

/* One block of m <= NEMOML_BLK points of op (insitu or rab). seos, zfull and masked are
 * constants once inlined, so each combination is its own branch-free vector loop: depth given
 * per level is the scalar zk, and without a mask no mask is read or multiplied. */
#define NEMOML_BLOCK(op)                                                                      \
  static inline __attribute__((always_inline)) R FN(op##_loop_)(                             \
      const E *e, const int seos, const int zfull, const int masked, int64_t m,              \
      const R *restrict T, const R *restrict S, const R *restrict z, R zk,                   \
      const R *restrict tm, R *restrict o1, R *restrict o2) {                                \
    R bad = 0;                                                                               \
    int64_t i;                                                                               \
    _Pragma("omp simd reduction(+ : bad)") /* points are independent: no alias versioning */ \
    for (i = 0; i < m; ++i) {                                                                \
      const R zi = zfull ? z[i] : zk, mi = masked ? tm[i] : (R)1;                            \
      R a, b;                                                                                \
      if (seos)                                                                              \
        FN(nemoml_seos_##op##_)(e, T[i], S[i], zi, mi, &a, &b);                              \
      else                                                                                   \
        FN(nemoml_poly_##op##_)(e, T[i], S[i], zi, mi, &a, &b);                              \
      o1[i] = a, o2[i] = b;                                                                  \
      bad += FN(nemoml_eos_bad_)(T[i], S[i], mi);                                            \
    }                                                                                        \
    return bad;                                                                              \
  }                                                                                          \
  NEMOML_CLONES static R FN(op##_block_)(                                                    \
      const E *e, int zfull, int64_t m, const R *restrict T, const R *restrict S,            \
      const R *restrict z, R zk, const R *restrict tm, R *restrict o1, R *restrict o2) {     \
    switch ((e->kind == NEMOML_EOS_SEOS) * 4 + (zfull != 0) * 2 + (tm != NULL)) {            \
    case 0: return FN(op##_loop_)(e, 0, 0, 0, m, T, S, z, zk, tm, o1, o2);                   \
    case 1: return FN(op##_loop_)(e, 0, 0, 1, m, T, S, z, zk, tm, o1, o2);                   \
    case 2: return FN(op##_loop_)(e, 0, 1, 0, m, T, S, z, zk, tm, o1, o2);                   \
    case 3: return FN(op##_loop_)(e, 0, 1, 1, m, T, S, z, zk, tm, o1, o2);                   \
    case 4: return FN(op##_loop_)(e, 1, 0, 0, m, T, S, z, zk, tm, o1, o2);                   \
    case 5: return FN(op##_loop_)(e, 1, 0, 1, m, T, S, z, zk, tm, o1, o2);                   \
    case 6: return FN(op##_loop_)(e, 1, 1, 0, m, T, S, z, zk, tm, o1, o2);                   \
    default: return FN(op##_loop_)(e, 1, 1, 1, m, T, S, z, zk, tm, o1, o2);                  \
    }                                                                                        \
  }

NEMOML_BLOCK(insitu)
NEMOML_BLOCK(rab)
#undef NEMOML_BLOCK

typedef R (*FN(block_fn_))(const E *, int, int64_t, const R *, const R *, const R *, R,
                           const R *, R *, R *);

/* shared driver of insitu and rab: blocks over rows, buffers for absent arrays */
static int64_t FN(pointwise_)(FN(block_fn_) block, const nemoml_eos_params *p, int64_t nrow,
                              int64_t nz, int64_t n, const R *T, const R *S, const R *z,
                              int32_t zfull, const R *mask, R *out1, R *out2) {
  E e;
  const int64_t nb = (n + NEMOML_BLK - 1) / NEMOML_BLK;
  int64_t bad = 0, b;
  if (nrow <= 0 || n <= 0) return 0;
  FN(nemoml_eos_setup_)(&e, p);
#pragma omp parallel reduction(+ : bad) if (nrow * n >= NEMOML_PAR_MIN)
  {
    R sink1[NEMOML_BLK], sink2[NEMOML_BLK]; /* stand-ins for outputs not asked for */
#pragma omp for schedule(dynamic, 4)
    for (b = 0; b < nrow * nb; ++b) {
      const int64_t r = b / nb, i0 = r * n + (b % nb) * NEMOML_BLK;
      const int64_t m = (b % nb == nb - 1) ? n - (b % nb) * NEMOML_BLK : NEMOML_BLK;
      bad += (int64_t)block(&e, zfull, m, T + i0, S + i0, zfull ? z + i0 : NULL,
                            zfull ? (R)0 : z[r % nz], mask ? mask + i0 : NULL,
                            out1 ? out1 + i0 : sink1, out2 ? out2 + i0 : sink2);
    }
  }
  return bad;
}

int64_t FN(nemoml_eos_insitu_)(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                               const R *T, const R *S, const R *z, int32_t zfull, const R *mask,
                               R *rd, R *rhop) {
  return FN(pointwise_)(FN(insitu_block_), p, nrow, nz, n, T, S, z, zfull, mask, rd, rhop);
}

int64_t FN(nemoml_eos_rab_)(const nemoml_eos_params *p, int64_t nrow, int64_t nz, int64_t n,
                            const R *T, const R *S, const R *z, int32_t zfull, const R *mask,
                            R *alpha, R *beta) {
  return FN(pointwise_)(FN(rab_block_), p, nrow, nz, n, T, S, z, zfull, mask, alpha, beta);
}

/* N^2 of one column block at w-level k from the alpha/beta rows of levels k and k-1 */
NEMOML_CLONES static R FN(bn2_block_)(int64_t m, const R *restrict gt, const R *restrict gtm,
                                      const R *restrict gw, const R *restrict a,
                                      const R *restrict am, const R *restrict b,
                                      const R *restrict bm, const R *restrict T,
                                      const R *restrict Tm, const R *restrict S,
                                      const R *restrict Sm, const R *restrict e3w,
                                      const R *restrict wm, R *restrict n2) {
  R bad = 0;
  int64_t i;
  for (i = 0; i < m; ++i) {
    n2[i] = FN(nemoml_eos_bn2_pt_)(gt[i], gtm[i], gw[i], a[i], am[i], b[i], bm[i], T[i], Tm[i],
                                   S[i], Sm[i], e3w[i], wm[i]);
    bad += FN(nemoml_eos_bad_)(T[i], S[i], wm[i]) + FN(nemoml_eos_bad_)(Tm[i], Sm[i], wm[i]);
  }
  return bad;
}

int64_t FN(nemoml_eos_bn2_)(const nemoml_eos_params *p, int64_t nout, int64_t nz, int64_t n,
                            const R *T, const R *S, const R *gdept, const R *gdepw,
                            const R *e3w, int32_t zfull, const R *wmask, R *n2) {
  E e;
  const int64_t nb = (n + NEMOML_BLK - 1) / NEMOML_BLK;
  int64_t bad = 0, b;
  if (nout <= 0 || nz <= 0 || n <= 0) return 0;
  FN(nemoml_eos_setup_)(&e, p);
#pragma omp parallel reduction(+ : bad) if (nout * nz * n >= NEMOML_PAR_MIN)
  {
    /* alpha/beta of the current and previous level, and per-level depth rows */
    R ab[4][NEMOML_BLK], zb[2][NEMOML_BLK], gwb[NEMOML_BLK], e3b[NEMOML_BLK], ones[NEMOML_BLK];
    int64_t i, k;
    for (i = 0; i < NEMOML_BLK; ++i) ones[i] = 1;
#pragma omp for schedule(dynamic, 4)
    for (b = 0; b < nout * nb; ++b) {
      const int64_t o = b / nb, j0 = (b % nb) * NEMOML_BLK;
      const int64_t m = (b % nb == nb - 1) ? n - j0 : NEMOML_BLK;
      for (k = 0; k < nz; ++k) {
        const int64_t i0 = (o * nz + k) * n + j0, cur = k & 1;
        R *ak = ab[2 * cur], *bk = ab[2 * cur + 1];
        const R *akm = ab[2 * (1 - cur)], *bkm = ab[2 * (1 - cur) + 1];
        const R *gt = zb[cur], *gtm = zb[1 - cur], *gw = gwb, *e3 = e3b;
        if (zfull) {
          gt = gdept + i0, gtm = k ? gt - n : gt, gw = gdepw + i0, e3 = e3w + i0;
        } else {
          for (i = 0; i < m; ++i) zb[cur][i] = gdept[k], gwb[i] = gdepw[k], e3b[i] = e3w[k];
        }
        if (k == nz - 1) { /* the bottom w-level needs no alpha/beta */
          for (i = 0; i < m; ++i) n2[i0 + i] = 0;
          continue;
        }
        FN(rab_block_)(&e, 1, m, T + i0, S + i0, gt, (R)0, NULL, ak, bk);
        if (k == 0) {
          for (i = 0; i < m; ++i) n2[i0 + i] = 0;
          continue;
        }
        bad += (int64_t)FN(bn2_block_)(m, gt, gtm, gw, ak, akm, bk, bkm, T + i0, T + i0 - n,
                                       S + i0, S + i0 - n, e3, wmask ? wmask + i0 : ones,
                                       n2 + i0);
      }
    }
  }
  return bad;
}

/* sigma0 of one level block with its masked sums; prev (sigma0 of the level above, or NULL)
 * adds the masked sums of the vertical difference. acc: sum, count, diff sum, diff count.
 * seos is a constant once inlined, so the loop has no branch. */
static inline __attribute__((always_inline)) R FN(profile_loop_)(
    const E *e, const int seos, int64_t m, const R *restrict T, const R *restrict S,
    const R *restrict tm, const R *restrict tmp, const R *restrict prev, R *restrict sig,
    double *restrict acc) {
  R s = 0, c = 0, ds = 0, dc = 0; /* block sums (<= NEMOML_BLK terms); blocks add in float64 */
  R rd[NEMOML_BLK];
  /* rhop*tm through the insitu loop (vectorised), then sigma0 with a select: NaN on land
   * stays out of the sums */
  const R bad = FN(insitu_loop_)(e, seos, 0, 1, m, T, S, NULL, (R)0, tm, rd, sig);
  int64_t i;
#pragma omp simd reduction(+ : s, c)
  for (i = 0; i < m; ++i) {
    const R w = tm[i] != 0 ? (R)1 : (R)0;
    sig[i] = w != 0 ? sig[i] - (R)1000 : (R)0;
    s += sig[i];
    c += w;
  }
  if (prev)
#pragma omp simd reduction(+ : ds, dc)
    for (i = 0; i < m; ++i) {
      const R both = (tm[i] != 0) & (tmp[i] != 0) ? (R)1 : (R)0;
      ds += both != 0 ? prev[i] - sig[i] : (R)0;
      dc += both;
    }
  acc[0] = s, acc[1] = c, acc[2] = ds, acc[3] = dc;
  return bad;
}

NEMOML_CLONES static R FN(profile_block_)(const E *e, int64_t m, const R *restrict T,
                                          const R *restrict S, const R *restrict tm,
                                          const R *restrict tmp, const R *restrict prev,
                                          R *restrict sig, double *restrict acc) {
  if (e->kind == NEMOML_EOS_SEOS) return FN(profile_loop_)(e, 1, m, T, S, tm, tmp, prev, sig, acc);
  return FN(profile_loop_)(e, 0, m, T, S, tm, tmp, prev, sig, acc);
}

int64_t FN(nemoml_eos_sigma0_profiles_)(const nemoml_eos_params *p, int64_t nout, int64_t nz,
                                        int64_t n, const R *T, const R *S, const R *mask,
                                        double *mean, double *diff) {
  E e;
  const int64_t nb = (n + NEMOML_BLK - 1) / NEMOML_BLK;
  int64_t bad = 0, b, k, o;
  double *part; /* per (block, level) sums, reduced below in block order */
  if (nout <= 0 || nz <= 0) return 0;
  if (n <= 0) {
    for (k = 0; k < nout * nz; ++k) mean[k] = diff[k] = 0;
    return 0;
  }
  part = (double *)malloc((size_t)(nout * nb * nz * 4) * sizeof(double));
  if (!part) return -1;
  FN(nemoml_eos_setup_)(&e, p);
#pragma omp parallel reduction(+ : bad) if (nout * nz * n >= NEMOML_PAR_MIN)
  {
    R sig[2][NEMOML_BLK], ones[NEMOML_BLK];
    int64_t i;
    for (i = 0; i < NEMOML_BLK; ++i) ones[i] = 1;
#pragma omp for schedule(dynamic, 4)
    for (b = 0; b < nout * nb; ++b) {
      const int64_t o = b / nb, j0 = (b % nb) * NEMOML_BLK;
      const int64_t m = (b % nb == nb - 1) ? n - j0 : NEMOML_BLK;
      int64_t kk;
      for (kk = 0; kk < nz; ++kk) {
        const int64_t i0 = (o * nz + kk) * n + j0;
        const R *tm = mask ? mask + i0 : ones, *tmp = mask && kk ? tm - n : ones;
        bad += (int64_t)FN(profile_block_)(&e, m, T + i0, S + i0, tm, tmp,
                                           kk ? sig[(kk - 1) & 1] : NULL, sig[kk & 1],
                                           part + (b * nz + kk) * 4);
      }
    }
  }
  for (o = 0; o < nout; ++o)
    for (k = 0; k < nz; ++k) {
      double acc[4] = {0, 0, 0, 0};
      for (b = o * nb; b < (o + 1) * nb; ++b) {
        const double *q = part + (b * nz + k) * 4;
        acc[0] += q[0], acc[1] += q[1];
        if (k + 1 < nz) acc[2] += q[4 + 2], acc[3] += q[4 + 3]; /* pair (k, k+1) sits at k+1 */
      }
      mean[o * nz + k] = acc[1] > 0 ? acc[0] / acc[1] : 0.0;
      diff[o * nz + k] = acc[3] > 0 ? acc[2] / acc[3] : 0.0;
    }
  free(part);
  return bad;
}

#undef E
#undef FN
#undef R
