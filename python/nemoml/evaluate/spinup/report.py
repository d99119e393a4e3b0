"""Several runs side by side: the spin-up table, its JSON and its figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nemoml.evaluate.spinup.drift import (
    DRIFT_BAND,
    KE_TOLERANCE,
    QUANTITIES,
    Annual,
    annual_means,
    equilibrium,
    rms_distance,
    years_to_stay,
)
from nemoml.evaluate.spinup.runs import RunData

# the side-by-side table's columns per run: (key, heading, format)
COLUMNS = (("T_mean", "T", ".4f"), ("drift", "dT (1e-3/yr)", "+.2f"), ("S_mean", "S", ".6f"),
           ("SST_mean", "SST", ".3f"), ("KE_mean", "KE", ".3f"), ("psi_max", "psi max", ".2f"),
           ("rms_T", "RMS T", ".3f"))


def summarise(runs: list[RunData], vol: np.ndarray, reference: str | None = None,
              band: float = DRIFT_BAND, ke_tol: float = KE_TOLERANCE,
              method: str = "auto", from_rest: str | None = None) -> dict:
    """The per-year quantities of every run and its years to equilibrium.

    The reference is a run's last model year (``reference`` names the run, default the first):
    its annual-mean T field is the RMS target, its KE the KE target. ``from_rest`` names the
    run started from rest: every other run gets the spin-up years it saves (``years_saved``).
    """
    annual = {r.name: annual_means(r.times, r.per_state, r.days_per_year, method) for r in runs}
    for r in runs:
        annual[r.name].fields = r.year_fields
    ref_name = reference or runs[0].name
    if ref_name not in annual:
        raise ValueError(f"reference run {ref_name!r} is not among {list(annual)}")
    ref = annual[ref_name]
    ref_year = int(ref.years[-1])
    ke_ref = float(ref.values["KE_mean"][-1])
    ref_field = ref.fields[ref_year]["T"]
    out = {"reference": {"run": ref_name, "year": ref_year, "KE_mean": ke_ref * 1e4},
           "band_degC_per_year": band, "ke_tolerance": ke_tol, "runs": {}}
    for r in runs:
        a = annual[r.name]
        eq = equilibrium(a, ke_ref, band, ke_tol)
        rms = np.array([rms_distance(vol, a.fields[int(y)]["T"], ref_field) for y in a.years])
        out["runs"][r.name] = _run_entry(r, a, eq, rms)
    if from_rest is not None:
        if from_rest not in out["runs"]:
            raise ValueError(f"from-rest run {from_rest!r} is not among {list(annual)}")
        out["from_rest"] = from_rest
        for name, entry in out["runs"].items():
            if name != from_rest:
                entry["versus_from_rest"] = years_saved(entry, out["runs"][from_rest])
    return out


def years_saved(run: dict, rest: dict) -> dict:
    """Spin-up years a run saves against the run from rest: the largest drift the run shows
    from its second year on (its first measurable drift) and the year from which the run
    from rest stays below that drift; the same for KE (years to the KE band)."""
    drifts = [abs(r["drift"]) for r in run["years"] if r["drift"] is not None]
    if not drifts:
        return {"drift_level": None, "from_rest_year": None, "years_saved_drift": None,
                "years_saved_ke": None}
    level = max(drifts)
    rows = [r for r in rest["years"] if r["drift"] is not None]
    year = years_to_stay([r["year"] for r in rows], [abs(r["drift"]) <= level for r in rows])
    first = next(r["year"] for r in run["years"] if r["drift"] is not None)
    ke_run, ke_rest = run["years_to_ke"], rest["years_to_ke"]
    return {"drift_level": level, "from_rest_year": year,
            "years_saved_drift": None if year is None else year - first,
            "years_saved_ke": None if ke_run is None or ke_rest is None else ke_rest - ke_run}


def _run_entry(r: RunData, a: Annual, eq: dict, rms: np.ndarray) -> dict:
    rows = []
    for i, y in enumerate(a.years):
        row = {"year": int(y), "drift": _num(eq["drift"][i] * 1e3), "rms_T": _num(rms[i])}
        for key, (_, scale) in QUANTITIES.items():
            if key in a.values:
                row[key] = _num(a.values[key][i] * scale)
        rows.append(row)
    return {"source": r.source, "kind": r.kind, "mesh_mask": r.mesh, "n_states": len(r.times),
            "annual_mean": a.method, "years_to_drift_band": eq["years_to_drift_band"],
            "years_to_ke": eq["years_to_ke"], "skipped": list(r.skipped), "years": rows}


def _num(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def table(summary: dict) -> str:
    """Markdown: years to equilibrium per run, then every year's quantities side by side."""
    runs = summary["runs"]
    band = summary["band_degC_per_year"]
    ref = summary["reference"]
    lines = [f"| run | states | annual mean | years to drift band (abs(dT) < {band * 1e3:g}e-3 "
             f"degC/yr) | years to KE within {summary['ke_tolerance']:.0%} of "
             f"{ref['KE_mean']:.3f} cm2/s2 |", "|---|---|---|---|---|"]
    for name, r in runs.items():
        lines.append(f"| {name} | {r['n_states']} | {r['annual_mean']} | "
                     f"{_reached(r['years_to_drift_band'])} | {_reached(r['years_to_ke'])} |")
    if "from_rest" in summary:
        lines += ["", f"| run | max abs(dT) from year 2 (1e-3 degC/yr) | {summary['from_rest']} "
                  "stays below it from year | spin-up years saved (drift) | (KE) |",
                  "|---|---|---|---|---|"]
        for name, r in runs.items():
            v = r.get("versus_from_rest")
            if v is not None:
                lines.append(f"| {name} | {_cell(v['drift_level'], '.2f')} | "
                             f"{_reached(v['from_rest_year'])} | "
                             f"{_cell(v['years_saved_drift'], 'd')} | "
                             f"{_cell(v['years_saved_ke'], 'd')} |")
    head = ["year"] + [f"{name} {h}" if len(runs) > 1 else h for name in runs
                       for _, h, _ in COLUMNS]
    lines += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    by_year: dict[int, dict] = {}
    for name, r in runs.items():
        for row in r["years"]:
            by_year.setdefault(row["year"], {})[name] = row
    for year in sorted(by_year):
        cells = [str(year)]
        for name in runs:
            row = by_year[year].get(name, {})
            cells += [_cell(row.get(key), fmt) for key, _, fmt in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(f"\nT, S: volume means; SST: area mean of the top level; KE: mean kinetic energy "
                 f"(cm2/s2); psi max: maximum of the barotropic streamfunction (Sv); RMS T: "
                 f"volume-weighted RMS distance (degC) of the annual-mean T field to the "
                 f"reference ({ref['run']}, year {ref['year']}).")
    return "\n".join(lines) + "\n"


def _reached(year) -> str:
    return "not reached" if year is None else str(year)


def _cell(value, fmt: str) -> str:
    return "" if value is None else f"{value:{fmt}}"


def figure(summary: dict, path) -> Path:
    """Time series of each quantity, one line per run; the drift band shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nemoml.base.files import atomic_write

    panels = (("T_mean", "volume-mean T (degC)"), ("drift", "|dT| (1e-3 degC/yr)"),
              ("SST_mean", "mean SST (degC)"), ("KE_mean", "mean KE (cm2/s2)"),
              ("psi_max", "max barotropic streamfunction (Sv)"),
              ("rms_T", "RMS T to reference (degC)"))
    fig, axes = plt.subplots(3, 2, figsize=(10, 9), sharex=True)
    band = summary["band_degC_per_year"] * 1e3
    for ax, (key, label) in zip(axes.ravel(), panels, strict=True):
        for name, r in summary["runs"].items():
            years = [row["year"] for row in r["years"]]
            vals = np.array([np.nan if row.get(key) is None else row[key]
                             for row in r["years"]])
            vals = np.abs(vals) if key == "drift" else vals
            (line,) = ax.plot(years, vals, marker="." if len(years) < 30 else None, label=name)
            reach = r["years_to_drift_band"]
            if key == "drift" and reach is not None:
                ax.axvline(reach, color=line.get_color(), ls=":", lw=1)
        if key == "drift":
            ax.set_yscale("log")
            ax.set_ylim(bottom=band / 50)
            ax.axhspan(band / 50, band, color="0.85", zorder=0)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("model year")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"spin-up; drift band |dT| < {band:g}e-3 degC/yr shaded (dotted: the year "
                 "from which it holds)")
    path = Path(path)
    atomic_write(path, lambda p: fig.savefig(p, dpi=90, bbox_inches="tight", format="png"))
    plt.close(fig)
    return path
