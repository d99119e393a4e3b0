/* CPU test of the shared __host__ __device__ header (nemoml_eos_kernels.h) and of the library
 * kernels built on it: NEMO's published check values, polyTEOS alpha/beta, S-EOS against its
 * closed form, alpha/beta against centred differences of rho, and bn2 against a linear EOS. */
#include <math.h>
#include <stdio.h>

#include "nemoml_eos_kernels.h"

static int failures = 0;

static void check(const char *what, double got, double want, double tol) {
  const int ok = fabs(got - want) <= tol * fmax(1.0, fabs(want));
  printf("%-44s %.14f %s %.14f\n", what, got, ok ? "==" : "!=", want);
  failures += !ok;
}

static nemoml_eos_params params(int kind, double rho0) {
  /* S-EOS: NEMO namelist_ref */
  nemoml_eos_params p = {kind, rho0, 0.1655, 0.76554, 0.05952, 7.4914e-4, 1.497e-4, 1.109e-5,
                         2.4341e-3, 10.0, 35.0};
  return p;
}

static void test_pointwise(void) {
  nemoml_eos_params p = params(NEMOML_EOS_TEOS10, 1026.0);
  nemoml_eos_f64 e;
  nemoml_eos_f32 ef;
  double rd, rhop, a, b;
  float rdf, rhopf, af, bf;
  nemoml_eos_setup_f64(&e, &p);
  nemoml_eos_setup_f32(&ef, &p);
  nemoml_eos_insitu_pt_f64(&e, 3.0, 35.5, 3000.0, 1.0, &rd, &rhop);
  check("TEOS-10 rho (NEMO check value)", (rd + 1.0) * 1026.0, 1028.21993233072, 1e-12);
  check("TEOS-10 rhop", rhop, 1028.15079430905, 1e-12);
  nemoml_eos_insitu_pt_f32(&ef, 3.0f, 35.5f, 3000.0f, 1.0f, &rdf, &rhopf);
  check("TEOS-10 rho f32", ((double)rdf + 1.0) * 1026.0, 1028.21993233072, 1e-3 / 1028);
  check("TEOS-10 rhop f32", rhopf, 1028.15079430905, 1e-3 / 1028);
  nemoml_eos_insitu_pt_f64(&e, 10.0, 30.0, 1000.0, 1.0, &rd, &rhop);
  check("polyTEOS r (SA=30, CT=10, p=1000)", (rd + 1.0) * 1026.0, 1022.85377, 1e-8);

  p.rho0 = 1.0; /* the sheet gives alpha*rho0 and beta*rho0 */
  nemoml_eos_setup_f64(&e, &p);
  nemoml_eos_setup_f32(&ef, &p);
  nemoml_eos_rab_pt_f64(&e, 10.0, 30.0, 1000.0, 1.0, &a, &b);
  check("polyTEOS alpha*rho0", a, 0.179646281, 1e-9);
  check("polyTEOS beta*rho0", b, 0.765555368, 1e-9);
  nemoml_eos_rab_pt_f32(&ef, 10.0f, 30.0f, 1000.0f, 1.0f, &af, &bf);
  check("polyTEOS alpha*rho0 f32", af, 0.179646281, 1e-5);
  check("polyTEOS beta*rho0 f32", bf, 0.765555368, 1e-5);

  p = params(NEMOML_EOS_EOS80, 1026.0);
  nemoml_eos_setup_f64(&e, &p);
  nemoml_eos_insitu_pt_f64(&e, 3.0, 35.5, 3000.0, 1.0, &rd, &rhop);
  check("EOS-80 rho (NEMO check value)", (rd + 1.0) * 1026.0, 1028.35011066567, 1e-12);
}

/* alpha = -drho/dT/rho0 and beta = drho/dS/rho0 by centred differences, all three EOS */
static void test_derivatives(void) {
  const char *names[3] = {"TEOS-10", "EOS-80", "S-EOS"};
  int kind;
  for (kind = 0; kind < 3; ++kind) {
    nemoml_eos_params p = params(kind, 1026.0);
    nemoml_eos_f64 e;
    const double T = 7.3, S = 34.2, z = 1500.0, h = 1e-3;
    double a, b, rp, rm, x, d;
    char what[64];
    nemoml_eos_setup_f64(&e, &p);
    nemoml_eos_rab_pt_f64(&e, T, S, z, 1.0, &a, &b);
    nemoml_eos_insitu_pt_f64(&e, T + h, S, z, 1.0, &rp, &x);
    nemoml_eos_insitu_pt_f64(&e, T - h, S, z, 1.0, &rm, &x);
    d = -(rp - rm) / (2 * h);
    snprintf(what, sizeof what, "%s alpha vs -drd/dT", names[kind]);
    check(what, a * 1e4, d * 1e4, 1e-6);
    nemoml_eos_insitu_pt_f64(&e, T, S + h, z, 1.0, &rp, &x);
    nemoml_eos_insitu_pt_f64(&e, T, S - h, z, 1.0, &rm, &x);
    d = (rp - rm) / (2 * h);
    snprintf(what, sizeof what, "%s beta vs drd/dS", names[kind]);
    check(what, b * 1e4, d * 1e4, 1e-6);
  }
}

/* library kernels on a small column: S-EOS closed form, bn2 of a linear EOS, mask, range count */
static void test_library(void) {
  enum { NZ = 4, N = 3 };
  double T[NZ * N], S[NZ * N], z[NZ] = {5, 15, 25, 35}, zw[NZ] = {0, 10, 20, 30};
  double e3w[NZ] = {5, 10, 10, 10}, mask[NZ * N], rd[NZ * N], rhop[NZ * N], n2[NZ * N];
  float Tf[NZ * N], Sf[NZ * N], zf[NZ] = {5, 15, 25, 35}, rdf[NZ * N], rhopf[NZ * N];
  nemoml_eos_params p = params(NEMOML_EOS_SEOS, 1026.0);
  int i, k;
  int64_t bad;
  double err = 0.0;
  for (i = 0; i < NZ * N; ++i) {
    T[i] = 20.0 - 2.0 * (i / N) + 0.1 * (i % N), S[i] = 35.0 + 0.05 * (i / N);
    Tf[i] = (float)T[i], Sf[i] = (float)S[i], mask[i] = (i % N) != 2;
  }
  T[N * NZ - 1] = 55.0; /* out of range but masked: not counted */
  T[N * NZ - 2] = 45.0; /* out of range and wet: counted */
  bad = nemoml_eos_insitu_f64(&p, NZ, NZ, N, T, S, z, 0, mask, rd, rhop);
  check("range count (one wet point out of range)", (double)bad, 1.0, 0.0);
  for (i = 0; i < NZ * N; ++i) {
    const double zt = T[i] - 10.0, zs = S[i] - 35.0, zh = z[i / N];
    const double r = -0.1655 * (1 + 0.5 * 0.05952 * zt + 1.497e-4 * zh) * zt
                     + 0.76554 * (1 - 0.5 * 7.4914e-4 * zs - 1.109e-5 * zh) * zs
                     - 2.4341e-3 * zt * zs;
    err = fmax(err, fabs(rd[i] - r / 1026.0 * mask[i]));
  }
  check("S-EOS rd vs closed form (max abs error)", err, 0.0, 1e-15);
  { /* fused sigma0 profiles against means of the rhop just computed */
    double mean[NZ], diff[NZ], want, wantd, cnt, cntd;
    T[N * NZ - 2] = 30.0;
    nemoml_eos_insitu_f64(&p, NZ, NZ, N, T, S, z, 0, mask, rd, rhop);
    nemoml_eos_sigma0_profiles_f64(&p, 1, NZ, N, T, S, mask, mean, diff);
    err = 0.0;
    for (k = 0; k < NZ; ++k) {
      want = wantd = cnt = cntd = 0.0;
      for (i = 0; i < N; ++i) {
        const int j = k * N + i;
        want += mask[j] * (rhop[j] - 1000.0), cnt += mask[j];
        if (k + 1 < NZ && mask[j] * mask[j + N] != 0)
          wantd += (rhop[j] - 1000.0) - (rhop[j + N] - 1000.0), cntd += 1;
      }
      err = fmax(err, fabs(mean[k] - want / cnt));
      err = fmax(err, fabs(diff[k] - (cntd ? wantd / cntd : 0.0)));
    }
    check("sigma0 profiles vs two-pass means (max error)", err, 0.0, 1e-12);
  }
  nemoml_eos_insitu_f32(&p, NZ, NZ, N, Tf, Sf, zf, 0, NULL, rdf, rhopf);
  check("S-EOS rhop f32 vs f64", rhopf[4], rhop[4], 1e-6);

  err = 0.0;
  p.lambda1 = p.lambda2 = p.mu1 = p.mu2 = p.nu = 0.0; /* linear EOS: N2 in closed form */
  nemoml_eos_bn2_f64(&p, 1, NZ, N, T, S, z, zw, e3w, 0, NULL, n2);
  for (k = 0; k < NZ; ++k)
    for (i = 0; i < N; ++i) {
      const int j = k * N + i;
      const double want = (k == 0 || k == NZ - 1) ? 0.0
                           : 9.80665 * (0.1655 / 1026.0 * (T[j - N] - T[j])
                                        - 0.76554 / 1026.0 * (S[j - N] - S[j])) / e3w[k];
      err = fmax(err, fabs(n2[j] - want) / 1e-6);
    }
  check("linear-EOS N2 vs closed form (max error / 1e-6)", err, 0.0, 1e-10);
}

int main(void) {
  test_pointwise();
  test_derivatives();
  test_library();
  printf("%s (%d failures)\n", failures ? "FAILED" : "OK", failures);
  return failures != 0;
}
