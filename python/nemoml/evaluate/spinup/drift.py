"""How far a NEMO run is from equilibrium, year by year (``nemoml spinup-report``).

Per state: volume-mean T and S, mean SST, mean kinetic energy, the extremes of the barotropic
streamfunction, and the nemo-spinup-evaluation metrics that apply to a closed basin (box
temperatures, share of non-monotonic density). Per model year: their annual means, the
year-to-year temperature drift, the RMS distance of the annual-mean T field to a reference
year, and the years after which the drift stays inside a band and KE near the reference's.

Annual means: a run whose every year is sampled on the same days of the year is averaged as it
is. A run sampled on different days each year (a state database that keeps every 5th monthly
restart) aliases the seasonal cycle into the annual means: on GYRE the volume-mean temperature
swings by +-0.04 degC over the year, so a plain mean of the 2-3 states a year errs by up to
13e-3 degC/yr in the drift, 25 times the band. Such a run is fitted instead, year by year, by
least squares over the states of the surrounding years: a quadratic trend in log(time) plus
three seasonal harmonics; the annual mean is the trend averaged over the year's days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nemoml.evaluate.card.physics import INVERSION_THRESHOLDS
from nemoml.grid import Grid

# quantity -> (table heading, scale to the table's units)
QUANTITIES = {
    "T_mean": ("T (degC)", 1.0),
    "S_mean": ("S (psu)", 1.0),
    "SST_mean": ("SST (degC)", 1.0),
    "KE_mean": ("KE (cm2/s2)", 1e4),
    "psi_max": ("psi max (Sv)", 1e-6),
    "psi_min": ("psi min (Sv)", 1e-6),
    "bw_T": ("BW T (degC)", 1.0),
    "dw_T": ("DW T (degC)", 1.0),
    "nonmonotonic_pct": ("non-monotonic rho (%)", 1.0),
}
DRIFT_BAND = 0.5e-3  # degC per year
KE_TOLERANCE = 0.05
# the seasonal fit: half-window (years), trend degree in log(time), seasonal harmonics
FIT_HALF_WINDOW, FIT_DEGREE, FIT_HARMONICS = 3, 2, 3


def days_per_year(calendar: str | None) -> float:
    """Length of a model year in days for a CF calendar name (360 for GYRE and DINO)."""
    cal = (calendar or "").lower()
    return {"360_day": 360.0, "noleap": 365.0, "365_day": 365.0, "all_leap": 366.0,
            "366_day": 366.0}.get(cal, 365.2425 if cal else 360.0)


class Diagnostics:
    """Per-state diagnostics on one grid, in float64.

    Parameters
    ----------
    grid : Grid
        The run's mesh (needs ``e1t, e2t``; ``e1u ... e2v`` default to the T-cell sizes).
    card : ReportCard, optional
        Supplies box temperatures and density inversions with the model's own EOS.
    """

    def __init__(self, grid: Grid, card=None):
        self.grid, self.card = grid, card
        g = grid
        area = g.e1t * g.e2t
        self.vol = g.tmask * np.asarray(g.thickness("T")) * area
        self.area0 = g.tmask[0] * area
        e1u = g.e1u if g.e1u is not None else g.e1t
        e2u = g.e2u if g.e2u is not None else g.e2t
        e1v = g.e1v if g.e1v is not None else g.e1t
        e2v = g.e2v if g.e2v is not None else g.e2t
        self.e3u = g.umask * np.asarray(g.thickness("U"))
        self.wu = self.e3u * e1u * e2u
        self.wv = g.vmask * np.asarray(g.thickness("V")) * e1v * e2v
        self.e2u = e2u

    def __call__(self, fields: dict) -> dict[str, np.ndarray]:
        """``fields``: (n, z, y, x) T, S and, when present, U and V; returns (n,) arrays."""
        temp = np.asarray(fields["T"], np.float64)
        sal = np.asarray(fields["S"], np.float64)
        vol = self.vol.sum()
        out = {"T_mean": (temp * self.vol).sum((1, 2, 3)) / vol,
               "S_mean": (sal * self.vol).sum((1, 2, 3)) / vol,
               "SST_mean": (temp[:, 0] * self.area0).sum((1, 2)) / self.area0.sum()}
        n = len(temp)
        if "U" in fields and "V" in fields:
            u = np.asarray(fields["U"], np.float64)
            v = np.asarray(fields["V"], np.float64)
            out["KE_mean"] = 0.5 * ((u**2 * self.wu).sum((1, 2, 3))
                                    + (v**2 * self.wv).sum((1, 2, 3))) / vol
            psi = self.streamfunction(u)
            out["psi_max"], out["psi_min"] = psi.max((1, 2)), psi.min((1, 2))
        else:
            for key in ("KE_mean", "psi_max", "psi_min"):
                out[key] = np.full(n, np.nan)
        if self.card is not None:
            out.update(self.density_metrics(temp, sal))
        return out

    def density_metrics(self, temp: np.ndarray, sal: np.ndarray) -> dict[str, np.ndarray]:
        """Box temperatures and the interface volume (%) where sigma0 decreases downward by
        more than nemo-spinup-evaluation's eps, on the report card's boxes and weights (its
        sigma0 through the C kernels of ``nemoml.eos``: ten times faster than torch here)."""
        from nemoml import eos

        card = self.card
        params = {k.removeprefix("rn_"): v for k, v in card.density.params.items()}
        sig = eos.sigma0(temp, sal, 0.0, eos.EOS(card.density.eos, **params),
                         mask=np.broadcast_to(self.grid.tmask, temp.shape).astype(np.float64))
        drop = sig[:, :-1] - sig[:, 1:]
        w = card.w_int
        out = {"nonmonotonic_pct": 100 * ((drop > INVERSION_THRESHOLDS[0]) * w).sum((1, 2, 3))
               / w.sum()}
        for box, w in (("bw", card.w_bw), ("dw", card.w_dw)):
            total = w.sum() if w.sum() > 0 else np.nan  # a grid too shallow for the box
            out[f"{box}_T"] = (temp * w).sum((1, 2, 3)) / total
        return out

    def streamfunction(self, u: np.ndarray) -> np.ndarray:
        """Barotropic streamfunction (m3/s) at F points, 0 on the southern wall.

        ``u = -d(psi)/dy``: psi is the transport through the U faces south of each point,
        so in a closed basin it returns to ~0 at the northern wall; a clockwise gyre is a
        maximum, an anticlockwise one a minimum.
        """
        transport = (u * self.e3u).sum(1) * self.e2u  # (n, y, x), m3/s
        return -np.cumsum(transport, axis=1)


@dataclass
class Annual:
    """Annual means of one run: ``years`` and ``{quantity: values}``, plus how they were made."""

    years: np.ndarray
    values: dict[str, np.ndarray]
    method: str
    fields: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)


def model_years(times: np.ndarray, dpy: float) -> np.ndarray:
    """Model year of each record: day ``(Y-1)*dpy < t <= Y*dpy`` is year Y (day 0 is year 0)."""
    return np.ceil(np.round(np.asarray(times, np.float64) / dpy, 9)).astype(int)


def regular_sampling(times: np.ndarray, dpy: float) -> bool:
    """Whether every model year holds records on the same days of the year."""
    years = model_years(times, dpy)
    phases = {}
    for y, t in zip(years, times, strict=True):
        phases.setdefault(int(y), set()).add(round(float(t - (y - 1) * dpy), 3))
    return len({frozenset(p) for p in phases.values()}) <= 1


def annual_means(times, per_state: dict, dpy: float, method: str = "auto") -> Annual:
    """Annual means of each per-state quantity.

    ``method``: ``"mean"`` (plain mean of each year's records), ``"fit"`` (the seasonal fit of
    the module docstring) or ``"auto"`` (``mean`` when every year is sampled on the same days).
    Years with no record are left out; records at day <= 0 (an initial state) too.
    """
    times = np.asarray(times, np.float64)
    keep = times > 0
    times = times[keep]
    per_state = {k: np.asarray(v, np.float64)[keep] for k, v in per_state.items()}
    if method == "auto":
        method = "mean" if regular_sampling(times, dpy) else "fit"
    if method not in ("mean", "fit"):
        raise ValueError(f"annual-mean method must be 'auto', 'mean' or 'fit', got {method!r}")
    years = np.unique(model_years(times, dpy))
    if method == "fit" and len(years) < 2 * FIT_HALF_WINDOW + 1:
        raise ValueError(f"the seasonal fit needs at least {2 * FIT_HALF_WINDOW + 1} model years "
                         f"of states, the run has {len(years)}; use --annual mean")
    recs = model_years(times, dpy)
    values = {}
    for key, vals in per_state.items():
        if method == "mean":
            values[key] = np.array([vals[recs == y].mean() for y in years])
        else:
            values[key] = np.array([_fit_year(times, vals, int(y), dpy) for y in years])
    return Annual(years, values, method)


def _fit_year(times: np.ndarray, vals: np.ndarray, year: int, dpy: float) -> float:
    """The trend part of a local fit, averaged over twelve equally spaced days of ``year``."""
    if not np.isfinite(vals).all():
        return float("nan")
    centre = (year - 0.5) * dpy + dpy / 24  # mean of the days dpy/12, 2 dpy/12, ..., dpy
    sel = np.abs(times - centre) <= (FIT_HALF_WINDOW + 0.5) * dpy
    t = times[sel]
    x = np.log(t / centre)
    phase = 2 * np.pi * t / dpy
    cols = [x**p for p in range(FIT_DEGREE + 1)]
    for h in range(1, FIT_HARMONICS + 1):
        cols += [np.cos(h * phase), np.sin(h * phase)]
    coef = np.linalg.lstsq(np.array(cols).T, vals[sel], rcond=None)[0]
    days = np.log(((year - 1) + np.arange(1, 13) / 12) * dpy / centre)
    return float(sum(coef[p] * (days**p).mean() for p in range(FIT_DEGREE + 1)))


def year_fields(times, fields: dict, dpy: float) -> dict[int, dict[str, np.ndarray]]:
    """Annual-mean (z, y, x) fields of T and S: plain means of each year's records."""
    years = model_years(times, dpy)
    out: dict[int, dict[str, np.ndarray]] = {}
    for y in np.unique(years[np.asarray(times) > 0]):
        sel = years == y
        out[int(y)] = {k: np.asarray(fields[k][sel], np.float64).mean(0) for k in ("T", "S")}
    return out


def rms_distance(vol: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Volume-weighted RMS of ``a - b`` over the ocean."""
    return float(np.sqrt(((a - b) ** 2 * vol).sum() / vol.sum()))


def years_to_stay(years: np.ndarray, ok: np.ndarray) -> int | None:
    """First year from which ``ok`` holds in every later year of the run (None if never)."""
    years, ok = np.asarray(years), np.asarray(ok, bool)
    if not len(ok) or not ok[-1]:
        return None
    bad = np.flatnonzero(~ok)
    return int(years[bad[-1] + 1]) if len(bad) else int(years[0])


def equilibrium(annual: Annual, ke_ref: float, band: float = DRIFT_BAND,
                ke_tol: float = KE_TOLERANCE) -> dict:
    """Drift per year and the years until the drift stays in ``band`` and KE near ``ke_ref``.

    The drift of year Y is the change of annual-mean T from year Y-1 (consecutive years only).
    """
    years, temp = annual.years, annual.values["T_mean"]
    consecutive = np.diff(years) == 1
    drift = np.where(consecutive, np.diff(temp), np.nan)
    drift_years = years[1:]
    ok = np.isfinite(drift) & (np.abs(drift) < band)
    ke = annual.values["KE_mean"]
    ke_ok = np.abs(ke / ke_ref - 1.0) < ke_tol if np.isfinite(ke_ref) and ke_ref > 0 else None
    return {
        "drift": np.concatenate([[np.nan], drift]),
        "years_to_drift_band": years_to_stay(drift_years, ok) if len(drift_years) else None,
        "years_to_ke": years_to_stay(years, ke_ok) if ke_ok is not None else None,
    }
