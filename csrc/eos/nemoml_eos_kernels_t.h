/* Type-generic body of nemoml_eos_kernels.h, included once per real type with NEMOML_REAL,
 * NEMOML_SFX, NEMOML_SQRT and NEMOML_FABS defined. No include guard on purpose. */
#define R NEMOML_REAL
#define FN(name) NEMOML_CAT(name, NEMOML_SFX)
#define NEMOML_FIELD(name) R name;

/* polynomial table and normalisation (NEMO's eos_init module variables) */
typedef struct FN(nemoml_poly_) {
  R rdeltaS, r1_S0, r1_T0, r1_Z0;
  NEMOML_EOS_POLY_FIELDS(NEMOML_FIELD)
} FN(nemoml_poly_);

/* everything a kernel needs, in the working precision */
typedef struct FN(nemoml_eos_) {
  int kind;
  R rho0, r1_rho0;
  R a0, b0, lambda1, lambda2, mu1, mu2, nu, T0, S0;
  FN(nemoml_poly_) poly;
} FN(nemoml_eos_);

/* eos_init (host only): pick the table of p->kind and round everything to R once */
NEMOML_HOST void FN(nemoml_eos_setup_)(FN(nemoml_eos_) *e, const nemoml_eos_params *p) {
  static const double teos10[NEMOML_EOS_NCOEF] = NEMOML_TEOS10_VALUES;
  static const double eos80[NEMOML_EOS_NCOEF] = NEMOML_EOS80_VALUES;
  const int t10 = p->kind == NEMOML_EOS_TEOS10;
  const double *v = t10 ? teos10 : eos80;
  R *dst = &e->poly.rdeltaS; /* the struct is 4 + NCOEF consecutive R, filled in order */
  int i;
  (void)sizeof(char[sizeof(e->poly) == (4 + NEMOML_EOS_NCOEF) * sizeof(R) ? 1 : -1]);
  e->kind = p->kind;
  e->rho0 = (R)p->rho0;
  e->r1_rho0 = (R)(1.0 / p->rho0);
  e->a0 = (R)p->a0, e->b0 = (R)p->b0, e->lambda1 = (R)p->lambda1, e->lambda2 = (R)p->lambda2;
  e->mu1 = (R)p->mu1, e->mu2 = (R)p->mu2, e->nu = (R)p->nu, e->T0 = (R)p->T0, e->S0 = (R)p->S0;
  e->poly.rdeltaS = (R)(t10 ? NEMOML_TEOS10_rdeltaS : NEMOML_EOS80_rdeltaS);
  e->poly.r1_S0 = (R)(t10 ? NEMOML_TEOS10_r1_S0 : NEMOML_EOS80_r1_S0);
  e->poly.r1_T0 = (R)(t10 ? NEMOML_TEOS10_r1_T0 : NEMOML_EOS80_r1_T0);
  e->poly.r1_Z0 = (R)(t10 ? NEMOML_TEOS10_r1_Z0 : NEMOML_EOS80_r1_Z0);
  for (i = 0; i < NEMOML_EOS_NCOEF; ++i) dst[4 + i] = (R)v[i];
}

/* eos_insitu_pot, polynomial: rd = (zn/rho0 - 1)*tm and rhop = zn0*tm */
NEMOML_HD void FN(nemoml_poly_insitu_)(const FN(nemoml_eos_) *e, R T, R S, R z, R tm, R *rd,
                                       R *rhop) {
  const FN(nemoml_poly_) *c = &e->poly;
  const R zh = z * c->r1_Z0;
  const R zt = T * c->r1_T0;
  const R zs = NEMOML_SQRT(NEMOML_FABS(S + c->rdeltaS) * c->r1_S0);
  const R zn3 = NEMOML_EOS_P3(c, zs, zt);
  const R zn2 = NEMOML_EOS_P2(c, zs, zt);
  const R zn1 = NEMOML_EOS_P1(c, zs, zt);
  const R zn0 = NEMOML_EOS_P0(c, zs, zt);
  const R zn = ((zn3 * zh + zn2) * zh + zn1) * zh + zn0;
  *rd = (zn * e->r1_rho0 - (R)1) * tm;
  *rhop = zn0 * tm;
}

/* eos_insitu_pot, S-EOS */
NEMOML_HD void FN(nemoml_seos_insitu_)(const FN(nemoml_eos_) *e, R T, R S, R z, R tm, R *rd,
                                       R *rhop) {
  const R zt = T - e->T0;
  const R zs = S - e->S0;
  const R zh = z;
  R zn = -e->a0 * ((R)1 + (R)0.5 * e->lambda1 * zt + e->mu1 * zh) * zt
         + e->b0 * ((R)1 - (R)0.5 * e->lambda2 * zs - e->mu2 * zh) * zs - e->nu * zt * zs;
  *rd = zn * e->r1_rho0 * tm;
  zn = -e->a0 * ((R)1 + (R)0.5 * e->lambda1 * zt) * zt
       + e->b0 * ((R)1 - (R)0.5 * e->lambda2 * zs) * zs - e->nu * zt * zs;
  *rhop = (e->rho0 + zn) * tm;
}

/* rab_3d, polynomial: alpha = zn_a/rho0*tm, beta = zn_b/zs/rho0*tm */
NEMOML_HD void FN(nemoml_poly_rab_)(const FN(nemoml_eos_) *e, R T, R S, R z, R tm, R *alpha,
                                    R *beta) {
  const FN(nemoml_poly_) *c = &e->poly;
  const R zh = z * c->r1_Z0;
  const R zt = T * c->r1_T0;
  const R zs = NEMOML_SQRT(NEMOML_FABS(S + c->rdeltaS) * c->r1_S0);
  R zn3 = NEMOML_ALP_P3(c, zs, zt);
  R zn2 = NEMOML_ALP_P2(c, zs, zt);
  R zn1 = NEMOML_ALP_P1(c, zs, zt);
  R zn0 = NEMOML_ALP_P0(c, zs, zt);
  R zn = ((zn3 * zh + zn2) * zh + zn1) * zh + zn0;
  *alpha = zn * e->r1_rho0 * tm;
  zn3 = NEMOML_BET_P3(c, zs, zt);
  zn2 = NEMOML_BET_P2(c, zs, zt);
  zn1 = NEMOML_BET_P1(c, zs, zt);
  zn0 = NEMOML_BET_P0(c, zs, zt);
  zn = ((zn3 * zh + zn2) * zh + zn1) * zh + zn0;
  *beta = zn / zs * e->r1_rho0 * tm;
}

/* rab_3d, S-EOS */
NEMOML_HD void FN(nemoml_seos_rab_)(const FN(nemoml_eos_) *e, R T, R S, R z, R tm, R *alpha,
                                    R *beta) {
  const R zt = T - e->T0;
  const R zs = S - e->S0;
  const R zh = z;
  R zn = e->a0 * ((R)1 + e->lambda1 * zt + e->mu1 * zh) + e->nu * zs;
  *alpha = zn * e->r1_rho0 * tm;
  zn = e->b0 * ((R)1 - e->lambda2 * zs - e->mu2 * zh) - e->nu * zt;
  *beta = zn * e->r1_rho0 * tm;
}

NEMOML_HD void FN(nemoml_eos_insitu_pt_)(const FN(nemoml_eos_) *e, R T, R S, R z, R tm, R *rd,
                                         R *rhop) {
  if (e->kind == NEMOML_EOS_SEOS)
    FN(nemoml_seos_insitu_)(e, T, S, z, tm, rd, rhop);
  else
    FN(nemoml_poly_insitu_)(e, T, S, z, tm, rd, rhop);
}

NEMOML_HD void FN(nemoml_eos_rab_pt_)(const FN(nemoml_eos_) *e, R T, R S, R z, R tm, R *alpha,
                                      R *beta) {
  if (e->kind == NEMOML_EOS_SEOS)
    FN(nemoml_seos_rab_)(e, T, S, z, tm, alpha, beta);
  else
    FN(nemoml_poly_rab_)(e, T, S, z, tm, alpha, beta);
}

/* bn2 at w-level k from alpha/beta at T-levels k (a, b) and k-1 (am, bm) */
NEMOML_HD R FN(nemoml_eos_bn2_pt_)(R gdept, R gdeptm, R gdepw, R a, R am, R b, R bm, R T, R Tm,
                                   R S, R Sm, R e3w, R wmask) {
  const R zrw = (gdepw - gdept) / (gdeptm - gdept);
  const R zaw = a * ((R)1 - zrw) + am * zrw;
  const R zbw = b * ((R)1 - zrw) + bm * zrw;
  return (R)NEMOML_EOS_GRAV * (zaw * (Tm - T) - zbw * (Sm - S)) / e3w * wmask;
}

/* 1 where a wet point's T or S is NaN or outside the checked range, else 0 */
NEMOML_HD R FN(nemoml_eos_bad_)(R T, R S, R tm) {
  const int ok = (T >= (R)NEMOML_EOS_TMIN) & (T <= (R)NEMOML_EOS_TMAX)
                 & (S >= (R)NEMOML_EOS_SMIN) & (S <= (R)NEMOML_EOS_SMAX);
  return (tm != (R)0) & !ok ? (R)1 : (R)0;
}

#undef NEMOML_FIELD
#undef FN
#undef R
