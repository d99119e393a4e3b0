"""The report-card table comparing sets of states (data, unconstrained, each constraint)."""

from __future__ import annotations

import json
from pathlib import Path

from nemoml.evaluate.physics import INVERSION_THRESHOLDS, ReportCard, SetMetrics


def _pm(entry: dict, fmt: str = ".3g") -> str:
    return f"{entry['mean']:{fmt}} ± {entry['std']:.1e}"


def table(metrics: list[SetMetrics], depth_box: float) -> str:
    """Markdown table: box means ± std over states, inversions, residuals, spread, N2."""
    thr = INVERSION_THRESHOLDS
    head = (
        ["source", "n", "BW S", "BW T", "DW S", "DW T"]
        + [f"inv. % (>{t:g})" for t in thr]
        + ["N2<0 %", "C1 bias", "C2 bias", "T-S bias", "C1 rms", "spread SST", "spread SSS",
           "pattern spread SST", "pattern spread SSS"]
    )
    rows = []
    for m in metrics:
        s = m.summary()
        rows.append(
            [m.name, str(s["n_states"]), _pm(s["bw_S"], ".4f"), _pm(s["bw_T"], ".3f"),
             _pm(s["dw_S"], ".4f"), _pm(s["dw_T"], ".3f")]
            + [_pm(s[f"inversion_pct_{t:g}"], ".3f") for t in thr]
            + [_pm(s["n2_negative_pct"], ".2f"), f"{s['c1_bias']:.2e}", f"{s['c2_bias']:.2e}",
               f"{s['ts_bias']:.2e}", f"{s['c1_rms']['mean']:.2e}", f"{s['spread_sst']:.3f}",
               f"{s['spread_sss']:.4f}", f"{s['pattern_spread_sst']:.3f}",
               f"{s['pattern_spread_sss']:.4f}"]
        )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    notes = (
        f"\nBW: z > {depth_box:g} m or |lat| > 30°; DW: 500 m < z < {depth_box:g} m and "
        "|lat| < 30° (volume-weighted means; ± is the std over states). Inversions: % of "
        "interface volume where sigma0 decreases downward by more than the threshold "
        "(kg m-3), with the model's own EOS. Biases: RMS over levels of the residual of the set "
        "mean; C1 rms: mean over states of each state's RMS residual. Spread: mean over the "
        "surface of the per-gridpoint std across states; pattern spread: the same after "
        "removing each state's surface mean.\n"
    )
    return "\n".join(lines) + "\n" + notes


SPREADS = ("spread_sst", "spread_sss", "pattern_spread_sst", "pattern_spread_sss")


def checks(summary: dict, data: str, free: str | None, spread_ref: dict | None = None) -> dict:
    """The acceptance checks of each set against the data (and the unconstrained set).

    - inversions (> 1e-5 kg m-3) at most the data's plus 0.5 percentage points;
    - BW/DW mean T and S within two of the data's standard deviations (over states);
    - C1 bias at most a tenth of the unconstrained set's;
    - no collapse: surface spread at least half the data's (``spread``), and the same for
      the spread of each state's departure from its own surface mean (``pattern_spread``).
      A constrained set is compared with the data moved onto its own constraints
      (``spread_ref[name]``): C1 or T-S remove each state's level-mean anomaly, on GYRE the
      seasonal swing that is most of the data's surface spread, so the data themselves keep
      only a quarter of it under C1 + T-S + stability.
    """
    ref = summary[data]
    spread_ref = spread_ref or {}
    out = {}
    for name, s in summary.items():
        if name in (data, free):
            continue
        res = {"inversions": s["inversion_pct_1e-05"]["mean"]
               <= ref["inversion_pct_1e-05"]["mean"] + 0.5}
        for key in ("bw_T", "bw_S", "dw_T", "dw_S"):
            res[key] = abs(s[key]["mean"] - ref[key]["mean"]) <= 2 * ref[key]["std"]
        if free is not None:
            res["c1_tenth"] = s["c1_bias"] <= 0.1 * summary[free]["c1_bias"]
        base = spread_ref.get(name, ref)
        res["spread"] = all(s[k] >= 0.5 * base[k] for k in ("spread_sst", "spread_sss"))
        res["pattern_spread"] = all(s[k] >= 0.5 * base[k]
                                    for k in ("pattern_spread_sst", "pattern_spread_sss"))
        out[name] = {k: bool(v) for k, v in res.items()}
    return out


def checks_table(result: dict) -> str:
    if not result:
        return ""
    keys = list(next(iter(result.values())))
    lines = ["| set | " + " | ".join(keys) + " |", "|" + "---|" * (len(keys) + 1)]
    for name, res in result.items():
        lines.append(f"| {name} | " + " | ".join("yes" if res[k] else "**no**" for k in keys)
                     + " |")
    return "\n".join(lines) + "\n"


def write_report(card: ReportCard, sets: dict, out_dir, plots: bool = True,
                 free: str | None = None, data_under: dict | None = None) -> dict:
    """Evaluate every set, write ``report.md``, ``report.json`` and PNGs into ``out_dir``.

    ``data_under`` maps a set's name to the data moved onto that set's constraints: its
    spreads are the set's spread reference."""
    from nemoml.evaluate import plots as P
    from nemoml.generate.export import atomic_write

    out_dir = Path(out_dir)
    metrics = [card.evaluate(name, fields) for name, fields in sets.items()]
    md = table(metrics, card.depth_box)
    summary = {m.name: m.summary() for m in metrics}
    data = metrics[0].name
    spread_ref = {}
    for name, fields in (data_under or {}).items():
        under = card.evaluate(name, fields).summary()
        spread_ref[name] = {k: under[k] for k in SPREADS}
    result_checks = checks(summary, data, free if free in summary else None, spread_ref)
    if spread_ref:
        md += (f"\nSpread reference: the {data} moved onto each set's constraints (the final "
               "projection alone):\n\n| set | " + " | ".join(SPREADS) + " |\n|"
               + "---|" * (len(SPREADS) + 1) + "\n"
               + "".join(f"| {n} | " + " | ".join(f"{r[k]:.3g}" for k in SPREADS) + " |\n"
                         for n, r in spread_ref.items()))
    if result_checks:
        md += "\nChecks against the data (first row):\n\n" + checks_table(result_checks)
    atomic_write(out_dir / "report.md", lambda p: Path(p).write_text(md))
    atomic_write(out_dir / "report.json", lambda p: Path(p).write_text(json.dumps(
        {"sets": summary, "checks": result_checks, "spread_reference": spread_ref}, indent=1)))
    files = [out_dir / "report.md", out_dir / "report.json"]
    if plots:
        files.append(P.ts_diagram(card, sets, out_dir / "ts_diagram.png"))
        files.append(P.stratification(card, metrics, out_dir / "stratification.png"))
        files.append(P.spread_maps(card, metrics, out_dir / "spread.png"))
    return {"table": md, "summary": summary, "checks": result_checks,
            "files": [str(f) for f in files]}
