"""DC-2020a metrics on cases with known answers."""

import numpy as np
import pytest

from nemoml.evaluate.mapping import (
    contour_lambdas,
    mapping_scores,
    psd_score,
    rmse_scores,
)

NT, NY, NX = 64, 16, 64
DT, DX = 1.0, 10.0  # days, km


def white(seed=0):
    return np.random.default_rng(seed).standard_normal((NT, NY, NX))


def lowpass(a, transfer):
    """Filter ``a`` in (time, x) Fourier space with ``transfer(f, k)`` (periodic, exact)."""
    f = np.fft.fftfreq(NT, DT)[:, None, None]
    k = np.fft.fftfreq(NX, DX)[None, None, :]
    return np.fft.ifft2(np.fft.fft2(a, axes=(0, 2)) * transfer(np.abs(f), np.abs(k)),
                        axes=(0, 2)).real


def grid_limits():
    return 1.0 / np.fft.fftfreq(NX, DX)[NX // 2 - 1], 1.0 / np.fft.fftfreq(NT, DT)[NT // 2 - 1]


def test_perfect_reconstruction():
    ref = white()
    s = mapping_scores(ref, ref.copy(), DT, DX)
    assert s.mu == 1.0 and s.sigma == 0.0 and s.rmse == 0.0
    assert (s.lambda_x, s.lambda_t) == pytest.approx(grid_limits())


def test_constant_offset():
    ref = white(1) + 0.3 * np.arange(NT)[:, None, None] / NT
    c = 0.25
    mu, sigma, rmse = rmse_scores(ref, ref + c)
    assert rmse == pytest.approx(c)
    assert mu == pytest.approx(1 - c / np.sqrt(np.mean(ref**2)))
    daily = [1 - c / np.sqrt(np.mean(ref[t] ** 2)) for t in range(NT)]
    assert sigma == pytest.approx(np.std(daily))
    score, _, _ = psd_score(ref, ref + c, DT, DX)
    assert np.allclose(score, 1.0)  # the constant detrend removes an offset from the spectrum
    s = mapping_scores(ref, ref + c, DT, DX)
    assert (s.lambda_x, s.lambda_t) == pytest.approx(grid_limits())


def test_mu_is_global_not_mean_of_daily_scores():
    ref = white(2)
    est = ref.copy()
    est[0] += 2.0  # all the error on one day
    mu, sigma, _ = rmse_scores(ref, est)
    daily = 1 - np.sqrt(((est - ref) ** 2).mean(axis=(1, 2))) / np.sqrt((ref**2).mean(axis=(1, 2)))
    assert mu == pytest.approx(1 - np.sqrt(((est - ref) ** 2).mean()) / np.sqrt((ref**2).mean()))
    assert abs(mu - daily.mean()) > 0.01
    assert sigma == pytest.approx(daily.std())


def test_argument_order_matters():
    ref = white(3)
    est = 0.5 * ref
    mu_ok, _, _ = rmse_scores(ref, est)
    mu_swapped, _, _ = rmse_scores(est, ref)
    assert mu_ok == pytest.approx(0.5)  # 1 - 0.5 rms / rms
    assert mu_swapped == pytest.approx(0.0)


def test_spatial_lowpass_gives_known_lambda_x():
    k0 = 1.0 / 120.0  # cycles per km
    ref = white(4)
    est = lowpass(ref, lambda f, k: np.exp(-((k / k0) ** 2)))
    # S = 1 - (1 - H)^2 = 0.5  <=>  H = 1 - 1/sqrt(2)
    k_star = k0 * np.sqrt(-np.log(1 - 1 / np.sqrt(2)))
    s = mapping_scores(ref, est, DT, DX)
    assert s.lambda_x == pytest.approx(1 / k_star, rel=0.05)
    assert s.lambda_t == pytest.approx(grid_limits()[1])  # no temporal filtering


def test_space_time_lowpass_gives_known_lambdas():
    k0, f0 = 1.0 / 150.0, 1.0 / 8.0
    ref = white(5)
    est = lowpass(ref, lambda f, k: np.exp(-((k / k0) ** 2) - (f / f0) ** 2))
    c = -np.log(1 - 1 / np.sqrt(2))
    f1 = 1.0 / (NT * DT)
    k1 = 1.0 / (NX * DX)
    # smallest wavelength is reached on the lowest positive frequency row, and vice versa
    lam_x = 1.0 / (k0 * np.sqrt(c - (f1 / f0) ** 2))
    lam_t = 1.0 / (f0 * np.sqrt(c - (k1 / k0) ** 2))
    s = mapping_scores(ref, est, DT, DX)
    assert s.lambda_x == pytest.approx(lam_x, rel=0.07)
    assert s.lambda_t == pytest.approx(lam_t, rel=0.07)


def test_contour_interpolates_in_wavelength():
    f = np.array([0.1, 0.2, 0.3])
    k = np.array([0.01, 0.02, 0.03, 0.04])
    score = np.tile(1.0 - k / 0.05, (3, 1))  # 0.8 0.6 0.4 0.2 on every row
    lam_x, lam_t = contour_lambdas(score, f, k)
    # crossing between k=0.02 (S 0.6) and k=0.03 (S 0.4), halfway in wavelength 50 -> 33.3
    assert lam_x == pytest.approx(50 + 0.5 * (1 / 0.03 - 50))
    assert lam_t == pytest.approx(1 / 0.3)


def test_contour_when_nothing_is_resolved():
    f = np.array([0.1, 0.2])
    k = np.array([0.01, 0.02])
    assert contour_lambdas(np.zeros((2, 2)), f, k) == pytest.approx((100.0, 10.0))


def test_bad_input_raises():
    ref = white(6)
    bad = ref.copy()
    bad[5, 2, 3] = np.nan
    with pytest.raises(ValueError, match="time index 5"):
        mapping_scores(ref, bad)
    with pytest.raises(ValueError, match="same shape"):
        mapping_scores(ref, ref[:, :, :-1])
    with pytest.raises(ValueError, match="two days"):
        rmse_scores(ref[:1], ref[:1])
