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
        + ["N2<0 %", "C1 bias", "C2 bias", "T-S bias", "C1 rms", "spread SST", "spread SSS"]
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
               f"{s['spread_sss']:.4f}"]
        )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    notes = (
        f"\nBW: z > {depth_box:g} m or |lat| > 30°; DW: 500 m < z < {depth_box:g} m and "
        "|lat| < 30° (volume-weighted means; ± is the std over states). Inversions: % of "
        "interface volume where sigma0 decreases downward by more than the threshold "
        "(kg m-3), with the model's own EOS. Biases: RMS over levels of the set-mean residual "
        "(constraints hold in expectation); C1 rms: per-state RMS residual. Spread: mean over "
        "the surface of the per-gridpoint std across states.\n"
    )
    return "\n".join(lines) + "\n" + notes


def write_report(card: ReportCard, sets: dict, out_dir, plots: bool = True) -> dict:
    """Evaluate every set, write ``report.md``, ``report.json`` and PNGs into ``out_dir``."""
    from nemoml.evaluate import plots as P
    from nemoml.generate.export import atomic_write

    out_dir = Path(out_dir)
    metrics = [card.evaluate(name, fields) for name, fields in sets.items()]
    md = table(metrics, card.depth_box)
    summary = {m.name: m.summary() for m in metrics}
    atomic_write(out_dir / "report.md", lambda p: Path(p).write_text(md))
    atomic_write(out_dir / "report.json",
                 lambda p: Path(p).write_text(json.dumps(summary, indent=1)))
    files = [out_dir / "report.md", out_dir / "report.json"]
    if plots:
        files.append(P.ts_diagram(card, sets, out_dir / "ts_diagram.png"))
        files.append(P.stratification(card, metrics, out_dir / "stratification.png"))
        files.append(P.spread_maps(card, metrics, out_dir / "spread.png"))
    return {"table": md, "summary": summary, "files": [str(f) for f in files]}
