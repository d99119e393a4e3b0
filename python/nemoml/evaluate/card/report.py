"""The report-card table comparing sets of states (data, unconstrained, each constraint)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from nemoml.evaluate.card.physics import (
    BOX_TOP,
    INVERSION_THRESHOLDS,
    LAT_BOX,
    ReportCard,
    SetMetrics,
)


def _pm(entry: dict, fmt: str = ".3g") -> str:
    return f"{entry['mean']:{fmt}} ± {entry['std']:.1e}"


def table(metrics: list[SetMetrics], depth_box: float) -> str:
    """Markdown table: box means ± std over states, inversions, residuals, spread, N2."""
    thr = INVERSION_THRESHOLDS
    head = (
        ["source", "n", "BW S", "BW T", "DW S", "DW T"]
        + [f"inv. % (>{t:g})" for t in thr]
        + ["N2<0 %", "C1 bias", "C2 bias", "T-S bias", "C1 rms", "spread SST", "spread SSS",
           "pattern spread SST", "pattern spread SSS", "diversity", "nearest train"]
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
               f"{s['pattern_spread_sss']:.4f}", f"{s['diversity']:.3f}",
               f"{s['nearest_train_median']:.3f}"]
        )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    notes = (
        f"\nBW: z > {depth_box:g} m, or {BOX_TOP:g} m < z and |lat| > {LAT_BOX:g}°; DW: "
        f"{BOX_TOP:g} m < z < {depth_box:g} m and |lat| < {LAT_BOX:g}° (volume-weighted means; "
        f"± is the std over states; water above {BOX_TOP:g} m is in neither). Inversions: % of "
        "interface volume where locally referenced density decreases downward by more than the "
        "threshold (kg m-3), with the model's own EOS. Biases: RMS over levels of the residual "
        "of the set mean; C1 rms: mean over states of each state's RMS residual. Spread: mean "
        "over the surface of the per-gridpoint std across states; pattern spread: the same after "
        "removing each state's surface mean. Diversity: mean distance between two states of "
        "the set; nearest train: median distance of a state to its nearest reference "
        "(training) state (leave-one-out for the reference itself); distances are RMS over "
        "ocean cells of the T and S anomalies in units of the reference's std. Rows marked "
        "'(raw)' are the sampler's states before the final projection.\n"
    )
    return "\n".join(lines) + "\n" + notes


SPREADS = ("spread_sst", "spread_sss", "pattern_spread_sst", "pattern_spread_sss")
REFERENCE_KEYS = SPREADS + ("level_spread_T", "level_spread_S", "level_resolution_T",
                            "level_resolution_S", "diversity")
SPREAD_BOUNDS = (0.5, 2.0)  # a set's spread over that of its reference, from both sides
MEMORISATION_FRACTION = 0.5
SPREAD_CHECKS = {"spread", "pattern_spread", "level_spread", "diversity"}
ONE_STATE = "n/a (one state)"
# a guided set's final projection may move it (RMS of dT and of dS) at most this fraction of
# what the same projection moves real states: guidance has to do most of the constraints'
# work. On GYRE (C1 + T-S + stability) the packaged generator's states move 0.16 (T) and 0.10
# (S) of the data's, the shuffled-deep-levels states 1.06 and 1.00, mean plus noise 4.2 and 0.6
PROJECTION_FRACTION = 0.5


def _projection_ok(moves: dict, ref: dict) -> bool:
    return all(moves[f"rms_d{v}"] <= PROJECTION_FRACTION * max(ref[f"rms_d{v}"], 1e-30)
               for v in ("T", "S"))


def _within(ratio) -> bool:
    ratio = np.asarray(ratio, np.float64)
    return bool(np.all((ratio >= SPREAD_BOUNDS[0]) & (ratio <= SPREAD_BOUNDS[1])))


# per-level spreads below these are not judged: under Argo's accuracy (0.002 degC, 0.01 psu),
# and the generator's own normalisation floor (generate.layout.STD_FLOOR): what a level varies
# by less than that is no signal the model is asked to reproduce (GYRE's bottom S varies by
# 4e-6 psu across states, its bottom T by 3e-5 degC)
LEVEL_SPREAD_FLOOR = {"T": 1e-3, "S": 1e-4}


def _resolved(s: dict, var: str) -> np.ndarray:
    """A set's per-level spread of ``var``, floored at one float32 spacing of its values
    (``level_resolution_*``) and at ``LEVEL_SPREAD_FLOOR``: below either it is no signal."""
    spread = np.asarray(s[f"level_spread_{var}"], np.float64)
    floor = np.asarray(s.get(f"level_resolution_{var}", 0.0), np.float64)
    return np.maximum(spread, np.maximum(floor, LEVEL_SPREAD_FLOOR[var]))


def checks(summary: dict, data: str, free: str | None, spread_ref: dict | None = None,
           unseen: str | None = None, skip=(), moves: dict | None = None,
           moves_ref: dict | None = None) -> dict:
    """The acceptance checks of each set against the data (and the unconstrained set).

    - inversions (locally referenced density decreasing downward by > 1e-5 kg m-3) and N² < 0
      at most the data's plus 0.5 percentage points;
    - BW/DW mean T and S within two of the data's standard deviations (over states);
    - C1 bias at most a tenth of the unconstrained set's;
    - no collapse: surface spread at least half the data's (``spread``), and the same for
      the spread of each state's departure from its own surface mean (``pattern_spread``).
      A constrained set is compared with the data moved onto its own constraints
      (``spread_ref[name]``): C1 or T-S remove each state's level-mean anomaly, on GYRE the
      seasonal swing that is most of the data's surface spread, so the data themselves keep
      only a quarter of it under C1 + T-S + stability;
    - neither collapse nor noise: the spread of every level (T and S) and the mean distance
      between two states (``diversity``) between half and twice the same reference's; a level
      spread counts from one float32 spacing of its values up (on GYRE the data's bottom
      salinity under T-S spreads by 5e-7 psu, an eighth of float32's 3.8e-6 at 35 psu);
    - no memorisation: the median distance of a state to its nearest training state at least
      half that of real states the model has not seen (``unseen``: held-out model years), or
      without them of each training state to the others;
    - guidance, not the projection (``projection``; sets with pre-projection states only):
      the final projection moves the set, RMS over ocean cells of dT and of dS
      (``moves[name]``, ``projection_moves``), at most ``PROJECTION_FRACTION`` of what the
      same projection moves the reference states onto the same constraints
      (``moves_ref[name]``). The projection alone meets every constraint check whatever it is
      given (mean plus noise, real states with shuffled deep levels), so only how far it had
      to move a set tells what the sampler did.

    A set of one state has no spread: its spread checks are ``None`` ("n/a (one state)").
    """
    ref = summary[data]
    spread_ref, moves, moves_ref = spread_ref or {}, moves or {}, moves_ref or {}
    memo = summary[unseen]["nearest_train_median"] if unseen else ref["nearest_train_median"]
    out = {}
    for name, s in summary.items():
        if name in (data, unseen) or name in skip:
            continue
        res = {"inversions": s["inversion_pct_1e-05"]["mean"]
               <= ref["inversion_pct_1e-05"]["mean"] + 0.5,
               "n2_negative": s["n2_negative_pct"]["mean"] <= ref["n2_negative_pct"]["mean"] + 0.5}
        for key in ("bw_T", "bw_S", "dw_T", "dw_S"):
            res[key] = abs(s[key]["mean"] - ref[key]["mean"]) <= 2 * ref[key]["std"]
        if free is not None and name != free:
            res["c1_tenth"] = s["c1_bias"] <= 0.1 * summary[free]["c1_bias"]
        base = spread_ref.get(name, ref)
        res["spread"] = all(s[k] >= 0.5 * base[k] for k in ("spread_sst", "spread_sss"))
        res["pattern_spread"] = all(s[k] >= 0.5 * base[k]
                                    for k in ("pattern_spread_sst", "pattern_spread_sss"))
        if "level_spread_T" in base:
            res["level_spread"] = all(
                _within(_resolved(s, k) / _resolved(base, k)) for k in ("T", "S"))
        if "diversity" in base:
            res["diversity"] = _within(s["diversity"] / base["diversity"])
        res["memorisation"] = s["nearest_train_median"] >= MEMORISATION_FRACTION * memo
        if name in moves and name in moves_ref:
            res["projection"] = _projection_ok(moves[name], moves_ref[name])
        if s["n_states"] < 2:  # one state has no spread: not a collapse, no check at all
            res.update(dict.fromkeys(SPREAD_CHECKS & res.keys()))
        out[name] = {k: None if v is None else bool(v) for k, v in res.items()}
    return out


def projection_moves(raw: dict, final: dict, tmask: np.ndarray) -> dict:
    """How far the final projection moved a set: RMS and max over ocean cells of ΔT, ΔS."""
    out = {}
    for var in ("T", "S"):
        d = (np.asarray(final[var], np.float64) - np.asarray(raw[var], np.float64))[:, tmask]
        out[f"rms_d{var}"] = float(np.sqrt(np.mean(d**2)))
        out[f"max_d{var}"] = float(np.abs(d).max())
    return out


def checks_table(result: dict) -> str:
    if not result:
        return ""
    keys = list(dict.fromkeys(k for res in result.values() for k in res))
    lines = ["| set | " + " | ".join(keys) + " |", "|" + "---|" * (len(keys) + 1)]
    for name, res in result.items():
        cells = ("" if k not in res else ONE_STATE if res[k] is None
                 else "yes" if res[k] else "**no**" for k in keys)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _references(card: ReportCard, under: dict | None) -> dict:
    """Spread, level-spread and diversity of states moved onto each set's constraints."""
    out = {}
    for name, fields in (under or {}).items():
        summ = card.evaluate(name, fields).summary()
        out[name] = {k: summ[k] for k in REFERENCE_KEYS}
    return out


def _reference_table(title: str, refs: dict) -> str:
    keys = SPREADS + ("diversity",)
    return (f"\n{title}\n\n| set | " + " | ".join(keys) + " |\n|" + "---|" * (len(keys) + 1)
            + "\n" + "".join(f"| {n} | " + " | ".join(f"{r[k]:.3g}" for k in keys) + " |\n"
                             for n, r in refs.items()))


def _moves_table(moves: dict, refs: dict, ref_name: str) -> str:
    """Each set's moves, then those of the reference states moved onto its constraints."""
    keys = ("rms_dT", "max_dT", "rms_dS", "max_dS")
    rows = [(n, m) for n, m in moves.items()]
    rows += [(f"{ref_name} onto {n}'s constraints", r) for n, r in refs.items()]
    return ("\nHow far the final projection moved each set, and the reference states onto the "
            "same constraints (`projection` check: RMS at most "
            f"{PROJECTION_FRACTION:g} of the reference's; over every ocean cell of every "
            "state; degC, psu):\n\n| set | " + " | ".join(keys) + " |\n|"
            + "---|" * (len(keys) + 1) + "\n"
            + "".join(f"| {n} | " + " | ".join(f"{m[k]:.3g}" for k in keys) + " |\n"
                      for n, m in rows))


def _reference_moves(ref: dict, under: dict | None, tmask: np.ndarray) -> dict:
    """How far the projection moves the reference states onto each set's constraints."""
    return {n: projection_moves(ref, f, tmask) for n, f in (under or {}).items()}


def write_report(card: ReportCard, sets: dict, out_dir, plots: bool = True,
                 free: str | None = None, data_under: dict | None = None,
                 raw: dict | None = None, unseen: str | None = None,
                 unseen_under: dict | None = None) -> dict:
    """Evaluate every set, write ``report.md``, ``report.json`` and PNGs into ``out_dir``.

    The first set is the reference (training) data. ``data_under`` maps a set's name to the
    data moved onto that set's constraints: its spreads are the set's spread reference.
    ``raw`` maps a set's name to the sampler's states before the final projection: they are
    reported as rows ``NAME (raw)``, with how far the projection moved each state, which the
    ``projection`` check compares with how far it moves the data onto the same constraints
    (``data_under``; the held-out states for ``checks_unseen``). ``unseen``
    names a set of real states from model years the model was not trained on: the
    memorisation reference, and every set is checked against it too (``checks_unseen``, with
    ``unseen_under``, those states moved onto each set's constraints, as spread reference)."""
    from nemoml.base.files import atomic_write
    from nemoml.evaluate.card import plots as P

    out_dir = Path(out_dir)
    raw = raw or {}
    metrics = [card.evaluate(name, fields, is_reference=i == 0)
               for i, (name, fields) in enumerate(sets.items())]
    raw_metrics = [card.evaluate(f"{name} (raw)", fields) for name, fields in raw.items()]
    md = table(metrics + raw_metrics, card.depth_box)
    summary = {m.name: m.summary() for m in metrics}
    data = metrics[0].name
    free = free if free in summary else None
    unseen = unseen if unseen in summary else None
    spread_ref = _references(card, data_under)
    tmask = card.grid.tmask
    moves = {n: projection_moves(f, sets[n], tmask) for n, f in raw.items() if n in sets}
    moves_ref = _reference_moves(sets[data], data_under, tmask)
    result_checks = checks(summary, data, free, spread_ref, unseen, moves=moves,
                           moves_ref=moves_ref)
    if spread_ref:
        md += _reference_table(f"Spread reference: the {data} moved onto each set's "
                               "constraints (the final projection alone):", spread_ref)
    if result_checks:
        md += "\nChecks against the data (first row):\n\n" + checks_table(result_checks)
    if moves:
        md += _moves_table(moves, moves_ref, data)
    unseen_ref, unseen_checks, unseen_moves = {}, {}, {}
    if unseen:
        unseen_ref = _references(card, unseen_under)
        unseen_moves = _reference_moves(sets[unseen], unseen_under, tmask)
        unseen_checks = checks(summary, unseen, free, unseen_ref, unseen, skip=(data,),
                               moves=moves, moves_ref=unseen_moves)
        if unseen_ref:
            md += _reference_table(f"Spread reference of the held-out {unseen} states "
                                   "moved onto each set's constraints:", unseen_ref)
        if moves and unseen_moves:
            md += _moves_table({}, unseen_moves, unseen)
        md += (f"\nChecks against the held-out {unseen} states (model years not trained "
               "on):\n\n" + checks_table(unseen_checks))
    atomic_write(out_dir / "report.md", lambda p: Path(p).write_text(md))
    atomic_write(out_dir / "report.json", lambda p: Path(p).write_text(json.dumps(
        {"sets": summary, "raw_sets": {m.name: m.summary() for m in raw_metrics},
         "checks": result_checks, "checks_unseen": unseen_checks,
         "spread_reference": spread_ref, "spread_reference_unseen": unseen_ref,
         "projection": moves, "projection_reference": moves_ref,
         "projection_reference_unseen": unseen_moves}, indent=1)))
    files = [out_dir / "report.md", out_dir / "report.json"]
    if plots:
        files.append(P.ts_diagram(card, sets, out_dir / "ts_diagram.png"))
        files.append(P.stratification(card, metrics, out_dir / "stratification.png"))
        files.append(P.spread_maps(card, metrics, out_dir / "spread.png"))
        ratios = {name: {v: _resolved(s, v) / _resolved(spread_ref.get(name, summary[data]), v)
                         for v in ("T", "S")}
                  for name, s in summary.items() if name != data and s["n_states"] >= 2}
        files.append(P.level_spread(card, ratios, SPREAD_BOUNDS, out_dir / "level_spread.png"))
    return {"table": md, "summary": summary, "checks": result_checks,
            "checks_unseen": unseen_checks, "projection": moves,
            "files": [str(f) for f in files]}
