"""SSH-mapping scores exactly as defined by the 2020a data challenge (DC-2020a OSSE).

Arrays are (time, y, x) with ``x`` the "longitude" axis of the challenge. The code is ours; it
keeps the challenge's definitions and avoids the bugs of its reference implementation: the
arguments are always (reference, estimate), failures raise instead of returning NaN, and the
0.5 contour is found directly on the (k, f) grid instead of through a plotting library.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.signal import get_window


@dataclass(frozen=True)
class MappingScores:
    mu: float  # 1 - RMSE / RMS(ref), over the whole space-time window
    sigma: float  # std over time of the daily score
    rmse: float  # same units as the input
    lambda_x: float  # units of dx
    lambda_t: float  # units of dt

    def to_dict(self) -> dict:
        return asdict(self)


def _checked(ref: np.ndarray, est: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ref = np.asarray(ref, dtype=np.float64)
    est = np.asarray(est, dtype=np.float64)
    if ref.ndim != 3 or ref.shape != est.shape:
        raise ValueError(f"reference {ref.shape} and estimate {est.shape} must both be "
                         "(time, y, x) of the same shape")
    if ref.shape[0] < 2:
        raise ValueError("the evaluation window needs at least two days")
    if not np.isfinite(ref).all():
        raise ValueError("the reference has non-finite values")
    if not np.isfinite(est).all():
        bad = int(np.argwhere(~np.isfinite(est))[0][0])
        raise ValueError(f"the estimate has non-finite values (first at time index {bad})")
    return ref, est


def rmse_scores(ref: np.ndarray, est: np.ndarray) -> tuple[float, float, float]:
    """Return (mu, sigma, rmse) of DC-2020a.

    ``mu = 1 - sqrt(mean_txy err^2) / sqrt(mean_txy ref^2)`` is a global score, not a mean of
    daily scores; ``sigma`` is the standard deviation over time of
    ``score(t) = 1 - RMS_xy(err) / RMS_xy(ref)``.
    """
    ref, est = _checked(ref, est)
    err2 = (est - ref) ** 2
    rmse = float(np.sqrt(err2.mean()))
    mu = 1.0 - rmse / float(np.sqrt((ref**2).mean()))
    daily = 1.0 - np.sqrt(err2.mean(axis=(1, 2))) / np.sqrt((ref**2).mean(axis=(1, 2)))
    return mu, float(daily.std()), rmse


def _psd(a: np.ndarray) -> np.ndarray:
    """Power over (time, x), mean over y, with constant detrend and a Hann window."""
    nt, _, nx = a.shape
    a = a - a.mean(axis=(0, 2), keepdims=True)
    win = get_window("hann", nt)[:, None, None] * get_window("hann", nx)[None, None, :]
    spec = np.abs(np.fft.fft2(a * win, axes=(0, 2))) ** 2
    return spec.mean(axis=1)


def psd_score(ref: np.ndarray, est: np.ndarray, dt: float = 1.0,
              dx: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Space-time PSD score ``S(f, k) = 1 - <P_err>_y / <P_ref>_y`` for f, k > 0.

    Returns ``(score[f, k], f, k)`` with f in cycles per ``dt`` unit and k per ``dx`` unit.
    """
    ref, est = _checked(ref, est)
    nt, _, nx = ref.shape
    f = np.fft.fftfreq(nt, d=dt)
    k = np.fft.fftfreq(nx, d=dx)
    p_ref = _psd(ref)
    p_err = _psd(est - ref)
    fi = np.flatnonzero(f > 0)
    ki = np.flatnonzero(k > 0)
    p_ref = p_ref[np.ix_(fi, ki)]
    if (p_ref <= 0).any():
        raise ValueError("the reference has no power at some (f, k) > 0: cannot score it")
    return 1.0 - p_err[np.ix_(fi, ki)] / p_ref, f[fi], k[ki]


def contour_lambdas(score: np.ndarray, f: np.ndarray, k: np.ndarray,
                    level: float = 0.5) -> tuple[float, float]:
    """Smallest wavelength and period on the ``level`` contour of ``score[f, k]``.

    As the challenge contours the score on the (1/k, 1/f) axes, crossings are interpolated
    linearly in wavelength and period along each grid edge. Without a crossing the answer is
    bounded by the grid: the shortest scales if all of it is resolved (score >= level), the
    longest if none is.
    """
    wl = 1.0 / k
    per = 1.0 / f
    s = score - level
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    # edges along k (fixed f), then along f (fixed k); exact zeros count as crossings
    a, b = s[:, :-1], s[:, 1:]
    hit = (a * b < 0) | (a == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(hit, a / (a - b), 0.0)
    jj, ii = np.nonzero(hit)
    xs.append(wl[ii] + w[jj, ii] * (wl[ii + 1] - wl[ii]))
    ys.append(per[jj])
    a, b = s[:-1, :], s[1:, :]
    hit = (a * b < 0) | (a == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(hit, a / (a - b), 0.0)
    jj, ii = np.nonzero(hit)
    xs.append(wl[ii])
    ys.append(per[jj] + w[jj, ii] * (per[jj + 1] - per[jj]))
    last = s[-1, -1] == 0
    x = np.concatenate(xs + ([wl[-1:]] if last else []))
    y = np.concatenate(ys + ([per[-1:]] if last else []))
    if x.size == 0:
        if (s >= 0).all():
            return float(wl.min()), float(per.min())
        return float(wl.max()), float(per.max())
    return float(x.min()), float(y.min())


def mapping_scores(ref: np.ndarray, est: np.ndarray, dt: float = 1.0,
                   dx: float = 1.0) -> MappingScores:
    """All DC-2020a scores of an estimate against the reference (see the module docstring)."""
    mu, sigma, rmse = rmse_scores(ref, est)
    score, f, k = psd_score(ref, est, dt, dx)
    lam_x, lam_t = contour_lambdas(score, f, k)
    return MappingScores(mu, sigma, rmse, lam_x, lam_t)
