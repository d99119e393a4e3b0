"""Observation quality control: the background check, before any analysis.

Each observation's innovation ``d = O - B`` (B: the background at the observation's cell,
level and day) is compared with the spread innovations are expected to have,
``sigma^2 = sigma_b^2 + sigma_o^2`` (background-error variance at the observation from the
method's own error model, plus the observation's error variance from its file). An
observation with ``|d| > k sigma`` is rejected, as operational systems do before the analysis
(a gross error, a wrong unit, a fill value read as data): only finiteness was checked before,
and 200 values of 1e30 in a cycled EnOI window gave an increment summing to 4.6e32.

For Gaussian innovations with the assumed spread a good observation lies beyond ``k sigma``
with probability ``2 (1 - Phi(k))``: 5.7e-7 for the default ``k = 5``, so a clean window of
100 000 observations loses none in 17 of 18 windows, while any gross error (a wrong unit is
already tens of sigma) goes. ``k`` is loose on purpose: the spread each method states is an
estimate (EnOI's B is a static ensemble scaled by ``alpha``), and rejecting good observations
where the background is worse than the method believes would stop the analysis from
correcting exactly the errors it is there for.

A window that loses more than a fraction of its observations (default 0.25) is an error: either
the observations (units, fill values, a broken platform) or the background (a diverged model)
are wrong, and an analysis from the rest would hide it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_K = 5.0  # rn_nemoml_qc_k: reject |O - B| > k sigma; 0 = no check
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
        """``QC (k 5): 200 of 12000 rejected (T/argo 200)`` for the per-window log line."""
        if self.k <= 0:
            return "QC off"
        by = ", ".join(f"{lab} {n}" for lab, n in self.rejected.items() if n)
        return f"QC (k {self.k:g}): {self.n_rejected} of {self.checked} rejected" + \
            (f" ({by})" if by else "")

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


def set_labels(obs) -> np.ndarray:
    """``"variable/platform"`` of each observation of an ``ObsSet`` (``nemoml-obs-2``)."""
    var = np.asarray(obs.variables, dtype=object)[obs.variable]
    plat = np.asarray(obs.platforms, dtype=object)[obs.platform]
    return np.array([f"{v}/{p}" for v, p in zip(var, plat, strict=True)], dtype=object)


def points_labels(obs) -> np.ndarray:
    """``"SSH/satellite"`` of each observation of an ``ObsPoints`` (``nemoml-obs-1``)."""
    sat = np.asarray(obs.satellites, dtype=object)[obs.satellite]
    return np.array([f"SSH/{s}" for s in sat], dtype=object)
