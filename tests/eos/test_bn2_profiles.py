"""bn2 against its definition and a linear EOS; masked level profiles against brute force."""

from __future__ import annotations

import numpy as np

import nemoml.eos as eos
from nemoml.eos import EOS, GRAV


def test_bn2_matches_nemo_formula_on_gyre(gyre):
    T, S, tmask, zt = gyre
    e = EOS("eos80")
    wmask = tmask * np.concatenate([tmask[:1], tmask[:-1]])
    gt, gw, e3w = zt["gdept_1d"], zt["gdepw_1d"], zt["e3w_1d"]
    n2 = eos.bn2(T, S, gt, gw, e3w, wmask, e)
    a, b = eos.rab(T, S, gt, e, tmask)
    want = np.zeros_like(T)
    for k in range(1, T.shape[1] - 1):
        w = (gw[k] - gt[k]) / (gt[k - 1] - gt[k])
        aw = a[:, k] * (1 - w) + a[:, k - 1] * w
        bw = b[:, k] * (1 - w) + b[:, k - 1] * w
        want[:, k] = (
            GRAV * (aw * (T[:, k - 1] - T[:, k]) - bw * (S[:, k - 1] - S[:, k])) / e3w[k] * wmask[k]
        )
    np.testing.assert_array_equal(n2, want)  # same rounding as NEMO's bn2
    assert np.all(n2[:, 0] == 0) and np.all(n2[:, -1] == 0)
    wet = n2[:, wmask == 1]
    assert np.median(wet) > 0  # GYRE is stably stratified almost everywhere
    # 3-D depth arrays give the same as per-level ones
    full = [np.ascontiguousarray(np.broadcast_to(v[:, None, None], T.shape)) for v in (gt, gw, e3w)]
    np.testing.assert_array_equal(eos.bn2(T, S, *full, wmask, e), n2)


def test_bn2_linear_eos_column():
    e = EOS("seos", lambda1=0, lambda2=0, mu1=0, mu2=0, nu=0)
    T = np.array([20.0, 15.0, 10.0, 8.0, 7.0])
    S = np.array([35.0, 35.2, 35.1, 35.0, 34.9])
    gt = np.array([5.0, 15.0, 30.0, 50.0, 75.0])
    gw = np.array([0.0, 10.0, 20.0, 40.0, 60.0])
    e3w = np.array([5.0, 10.0, 15.0, 20.0, 25.0])
    n2 = eos.bn2(T, S, gt, gw, e3w, None, e)
    want = GRAV * (e.a0 * -np.diff(T) - e.b0 * -np.diff(S)) / e.rho0 / e3w[1:]
    np.testing.assert_allclose(n2[1:-1], want[:-1], rtol=1e-13)
    assert n2[0] == 0 and n2[-1] == 0


def test_level_means_brute_force(gyre):
    T, S, tmask, _ = gyre
    e = EOS("eos80")
    sig = eos.sigma0(T, S, 0.0, e, tmask)
    mean, diff = eos.sigma0_profiles(T, S, tmask, e)
    assert mean.shape == diff.shape == T.shape[:2]
    for t in range(T.shape[0]):
        for k in range(T.shape[1]):
            wet = tmask[k] == 1
            want = sig[t, k][wet].mean() if wet.any() else 0.0
            assert abs(mean[t, k] - want) < 1e-12
            if k < T.shape[1] - 1:
                both = wet & (tmask[k + 1] == 1)
                d = (sig[t, k] - sig[t, k + 1])[both]
                assert abs(diff[t, k] - (d.mean() if both.any() else 0.0)) < 1e-12
    assert mean[0, -1] == 0 and diff[0, -1] == 0 and np.all(diff[:, :-2] < 0)


def test_level_means_single_field_and_dry_level():
    f = np.arange(24.0).reshape(2, 3, 4)
    m = np.ones_like(f)
    m[1] = 0
    m[0, 0, 0] = 0
    np.testing.assert_allclose(eos.level_means(f, m), [f[0].ravel()[1:].mean(), 0.0])
    np.testing.assert_allclose(eos.level_diff_means(f, m), [0.0, 0.0])


def test_fused_profiles_equal_two_pass_f32_f64_and_ignore_land_nan(gyre):
    T, S, tmask, _ = gyre
    T, S = T.copy(), S.copy()
    T[:, tmask == 0] = np.nan  # land NaN must not leak into the sums
    for e in (EOS("eos80"), EOS("seos")):
        # the reference is the float64 two-pass result; float32 sigma0 is good to a few 1e-4
        # kg m-3 (rho ~ 1027 carried with eps 6e-8 through the polynomial: 2.6e-4 measured on
        # deep GYRE levels), and a float32 reference's own rounding depends on the machine's FMA
        sig = np.where(tmask == 1, eos.sigma0(np.nan_to_num(T), S, 0.0, e), 0)
        for dt in (np.float64, np.float32):
            Tt, St = T.astype(dt), S.astype(dt)
            mean, diff = eos.sigma0_profiles(Tt, St, tmask, e)
            tol = 1e-12 if dt == np.float64 else 5e-4
            np.testing.assert_allclose(mean, eos.level_means(sig, tmask), rtol=0, atol=tol)
            np.testing.assert_allclose(diff, eos.level_diff_means(sig, tmask), rtol=0, atol=tol)
            assert np.isfinite(mean).all() and np.isfinite(diff).all()
