"""Observation quality control: the background check, before any analysis.

Each observation's innovation ``d = O - B`` (B: the background at the observation's cell,
level and day) is compared with the spread innovations are expected to have,
``sigma^2 = sigma_b^2 + sigma_o^2`` (background-error variance at the observation from the
method's own error model, plus the observation's error variance from its file). An
observation with ``|d| > k sigma`` is rejected, as operational systems do before the analysis
(a gross error, a wrong unit, a fill value read as data): only finiteness was checked before,
and 200 values of 1e30 in a cycled EnOI window gave an increment summing to 4.6e32.

For Gaussian innovations with the right spread a good observation lies beyond ``k sigma``
with probability ``2 (1 - Phi(k))``, 5.7e-7 already at ``k = 5``; but the spreads the methods
state are estimates, and the clean innovations are heavier-tailed than they say. On the GYRE
replay (``nemoml bench cycle``'s case, first two windows, 46 000 observations) the largest
clean ``|O - B| / sigma`` is 9.8 with EnOI's ensemble variance (an Argo profile in the uncycled
first window; 4.2% of the window is beyond 5 sigma with the alpha-scaled ``diag(B)``, 0.7% with
the ensemble's own variance) and 5.9 with the 4DVarNet's training spread. The default
``k = 12`` keeps every clean observation there with a margin of a fifth, while a gross error
is tens of spreads or far more (a sign flip of T, a temperature in kelvin, SSH in
centimetres, 1e30). A smaller k would reject good observations where the background is worse
than the method believes, stopping the analysis from correcting the errors it is there for.

A window that loses more than a fraction of its observations (default 0.25) is an error: either
the observations (units, fill values, a broken platform) or the background (a diverged model)
are wrong, and an analysis from the rest would hide it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_K = 12.0  # rn_nemoml_qc_k: reject |O - B| > k sigma; 0 = no check
DEFAULT_MAX_REJECTED = 0.25  # rn_nemoml_qc_maxrej: a larger fraction rejected stops the run


@dataclass
class QCReport:
    """The background check of one window.

    Attributes
    ----------
    keep : (n,) bool
        The observations that passed.
    rejected : dict
        ``"variable/platform"``: the number rejected, for every pair the window holds.
    k : float
        The threshold in spreads (0: no check).
    largest : float
        The largest ``|O - B| / sigma`` of the window (inf where an innovation is not finite).
    """

    keep: np.ndarray
    rejected: dict
    k: float
    largest: float

    @property
    def checked(self) -> int:
        return int(self.keep.size)

    @property
    def n_rejected(self) -> int:
        return int(self.keep.size - np.count_nonzero(self.keep))

    @property
    def fraction(self) -> float:
        return self.n_rejected / self.checked if self.checked else 0.0

    def describe(self) -> str:
        """``QC (k 12): 200 of 12000 rejected (SSH/sst 0, T/argo 200)`` for the per-window log
        line: every variable/platform pair of the window."""
        if self.k <= 0:
            return "QC off"  # the log line's parsers expect "QC" first
        by = ", ".join(f"{lab} {n}" for lab, n in self.rejected.items())
        return f"QC (k {self.k:g}): {self.n_rejected} of {self.checked} rejected ({by})"

    def to_json(self) -> dict:
        return {"checked": self.checked, "rejected": self.n_rejected,
                "rejected_by": dict(self.rejected), "k": self.k}


def background_check(value, background, variance, noise, labels, k: float) -> QCReport:
    """Reject the observations whose ``|value - background|`` exceeds
    ``k sqrt(variance + noise^2)``.

    Parameters
    ----------
    value, background : (n,) array
        Observed values and the background at each observation (same units).
    variance : (n,) array
        Background-error variance at each observation (the method's error model).
    noise : (n,) array
        Observation-error standard deviation of each observation.
    labels : (n,) array of str
        ``"variable/platform"`` of each observation, for the counts.
    k : float
        Threshold in spreads; ``k <= 0`` keeps every observation.

    Returns
    -------
    QCReport
    """
    d = np.asarray(value, np.float64) - np.asarray(background, np.float64)
    spread = np.sqrt(np.asarray(variance, np.float64) + np.asarray(noise, np.float64) ** 2)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ratio = np.abs(d) / spread
    ratio = np.where(np.isnan(ratio), np.inf, ratio)  # not finite: never passes
    keep = ratio <= k if k > 0 else np.ones(d.shape, bool)
    labels = np.asarray(labels, dtype=object)
    rejected = {str(lab): int(np.count_nonzero(~keep & (labels == lab)))
                for lab in dict.fromkeys(labels.tolist())}
    return QCReport(keep, rejected, float(k), float(ratio.max()) if ratio.size else 0.0)


def check_settings(k: float, max_fraction: float) -> None:
    """``rn_nemoml_qc_k`` >= 0 and ``rn_nemoml_qc_maxrej`` in [0, 1], checked at init."""
    if not k >= 0:
        raise ValueError(f"rn_nemoml_qc_k = {k:g}: the background check's threshold in expected "
                         f"spreads must be >= 0 (0 = no check; default {DEFAULT_K:g})")
    if not 0 <= max_fraction <= 1:
        raise ValueError(f"rn_nemoml_qc_maxrej = {max_fraction:g}: the largest fraction of a "
                         f"window's observations the background check may reject, in [0, 1] "
                         f"(default {DEFAULT_MAX_REJECTED:g})")


def enforce(report: QCReport, max_fraction: float, where: str) -> None:
    """Stop when the check rejected more than ``max_fraction`` of the window.

    Raises
    ------
    ValueError
        Naming ``where``, the counts per variable and platform and the keys to look at.
    """
    if report.checked and report.fraction > max_fraction:
        by = ", ".join(f"{lab} {n}" for lab, n in report.rejected.items() if n)
        raise ValueError(
            f"{where}: the background check rejected {report.n_rejected} of {report.checked} "
            f"observation(s) ({report.fraction:.1%} > rn_nemoml_qc_maxrej = {max_fraction:g}; "
            f"{by}; largest |O - B| {report.largest:.3g} expected spreads, threshold "
            f"rn_nemoml_qc_k = {report.k:g}): the observations (values, units, fill values) or "
            f"the background are wrong; an analysis of the rest would hide it")


def check_located(located, background: dict, variance: np.ndarray, k: float,
                  max_fraction: float, where: str) -> QCReport:
    """The background check of located ``nemoml-obs-2`` observations (``binning.Located``)
    against ``background`` ({T, S: (days, z, y, x), SSH: (days, y, x)}); raises when more than
    ``max_fraction`` are rejected (:func:`enforce`)."""
    report = background_check(located.obs.value, located.at(background), variance,
                              located.obs.noise, set_labels(located.obs), k)
    enforce(report, max_fraction, where)
    return report


def check_points(obs, index: np.ndarray, day: np.ndarray, iy: np.ndarray, ix: np.ndarray,
                 background: np.ndarray, variance: float, k: float, max_fraction: float,
                 where: str) -> tuple[np.ndarray, QCReport]:
    """The background check of ``nemoml-obs-1`` SSH observations (``ObsPoints``) placed by
    ``obsfile.grid_points`` (``index`` in ``obs``, ``day``, ``iy``, ``ix``) against
    ``background`` (days, ny, nx).

    Returns
    -------
    keep : (len(obs),) bool
        False for the rejected (observations outside the window are kept: not checked).
    report : QCReport
    """
    sel = obs.select(index)
    bkg = np.asarray(background, np.float64)[day, iy, ix]
    report = background_check(sel.ssh, bkg, np.full(index.size, variance),
                              np.full(index.size, obs.noise_m), points_labels(sel), k)
    enforce(report, max_fraction, where)
    keep = np.ones(len(obs), bool)
    keep[index] = report.keep
    return keep, report


def set_labels(obs) -> np.ndarray:
    """``"variable/platform"`` of each observation of an ``ObsSet`` (``nemoml-obs-2``)."""
    var = np.asarray(obs.variables, dtype=object)[obs.variable]
    plat = np.asarray(obs.platforms, dtype=object)[obs.platform]
    return np.array([f"{v}/{p}" for v, p in zip(var, plat, strict=True)], dtype=object)


def points_labels(obs) -> np.ndarray:
    """``"SSH/satellite"`` of each observation of an ``ObsPoints`` (``nemoml-obs-1``)."""
    sat = np.asarray(obs.satellites, dtype=object)[obs.satellite]
    return np.array([f"SSH/{s}" for s in sat], dtype=object)
