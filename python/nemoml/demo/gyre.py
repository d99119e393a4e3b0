"""Demo part 1: a generated GYRE initial state, inline at istate, and its report card."""

from __future__ import annotations

from pathlib import Path

from nemoml.base import packaged
from nemoml.devtools.host import run_host
from nemoml.generate.export import read_metadata

NAME = "gyre"
SET = "Generated inline"
DATA = "GYRE states (embedded sample)"
# The verdict compares the generated state with the distribution the generator was trained to
# match: its training states' report card (means, and stds over states) and its own C1/C2/T-S
# target profiles, both carried in its generator.json. The embedded sample (model years
# 127-129) is not that distribution: GYRE's deep ocean still drifts, and the generator was
# trained on years 60-129, so the sample only serves the printed card.
EXCESS_PCT = 0.5  # inversion and N2 < 0 fractions at most this many points above the data's
BOX_STD = 2.0  # water-mass box means within this many training stds (over states)
# horizontal structure (RMS departure from the level mean), which C1, C2 and T-S leave free:
# within this fraction of the training states'. A state of level means only (0) or of noise
# fails; on GYRE the training states' own pattern varies by 1.7 % (T) and 0.15 % (S)
PATTERN_FRACTION = 0.1
DENSITY_RMS = 1e-6  # kg m-3: C1 and C2 are projected exactly (float64 Newton, float32 out)
# T-S: level-mean S is matched exactly, level-mean T follows from C1 (generate.project); its
# residual at most this fraction of the training states' own about the same targets
TS_FRACTION = 0.1


def settings(workdir: Path, steps: int = 50, seed: int = 0) -> dict:
    return {
        "ln_nemoml": True,
        "ln_nemoml_istate": True,
        "cn_nemoml_generator": str(packaged.GENERATOR),
        "nn_nemoml_steps": steps,
        "nn_nemoml_seed": seed,
        "cn_nemoml_rstout": str(workdir / "GYRE_generated_restart.nc"),
    }


def host(ranks: int) -> dict:
    return {"ln_selftest": False, "cn_meshmask": str(packaged.gyre("mesh_mask.nc")),
            "cn_restart": str(packaged.gyre("example_restart.nc")), "nn_hls": 2}


def verdict(got: dict, meta: dict, constraints=("c1", "c2", "ts"),
            ) -> list[tuple[str, str, bool]]:
    """The demo's checks of one generated state against its generator's training states.

    Parameters
    ----------
    got : dict
        The generated set's summary in a ``report.json`` of ``nemoml evaluate --targets``
        (residuals measured against the generator's own targets).
    meta : dict
        The generator's ``generator.json``: ``reference`` (means over the training states)
        and ``reference_std`` (their stds over states).
    constraints : iterable of str
        The constraints the state was sampled with: their residuals are checked.

    Returns
    -------
    list of (what, measured against threshold, passed)
    """
    mean, std = meta["reference"], meta.get("reference_std")
    if std is None:
        raise ValueError("the generator carries no reference_std (exported before it was "
                         "written): refresh it with tools/generator_reference.py")
    rows = []
    for key, what in (("inversion_pct_1e-05", "density inversions (>1e-5, local) %"),
                      ("n2_negative_pct", "N2 < 0 %")):
        lim, val = mean[key] + EXCESS_PCT, got[key]["mean"]
        rows.append((what, f"{val:.3f} <= {lim:.3f} (training + {EXCESS_PCT})", val <= lim))
    for key in ("bw_T", "bw_S", "dw_T", "dw_S"):
        dev, lim = abs(got[key]["mean"] - mean[key]), BOX_STD * std[key]
        rows.append((f"{key} - training mean", f"{dev:.2e} <= {lim:.2e} ({BOX_STD:g} std)",
                     dev <= lim))
    for var in ("T", "S"):
        ratio = got[f"pattern_{var}"]["mean"] / mean[f"pattern_{var}"]
        ok = abs(ratio - 1) <= PATTERN_FRACTION
        rows.append((f"horizontal structure of {var} / training", f"{ratio:.3f} within 1 +- "
                     f"{PATTERN_FRACTION:g}", ok))
    for cname in ("c1", "c2"):
        if cname in constraints:
            val = got[f"{cname}_rms"]["mean"]
            rows.append((f"{cname.upper()} residual rms (kg m-3)",
                         f"{val:.1e} <= {DENSITY_RMS:.0e}", val <= DENSITY_RMS))
    if "ts" in constraints:
        val, lim = got["ts_rms"]["mean"], TS_FRACTION * mean["ts_rms"]
        rows.append(("T-S residual rms", f"{val:.1e} <= {lim:.1e} ({TS_FRACTION:g} x "
                     "training's)", val <= lim))
    return rows


def describe(meta: dict) -> str:
    """What the verdict compares against, in words."""
    cfg = meta.get("training", {}).get("config", {})
    first, last = cfg.get("min_year"), cfg.get("max_year")
    years = ("every model year" if first is None and last is None else
             f"model years {first}-{last}" if first is not None and last is not None else
             f"model years from {first}" if first is not None else f"model years to {last}")
    return (f"the generator's {meta['reference']['n_states']} training states "
            f"({Path(cfg.get('database', '?')).name}, {years}) and its own C1/C2/T-S targets, "
            "from its generator.json")


def judge(restart: Path, out: Path) -> list[tuple[str, str, bool]]:
    """The physics report card of a generated restart (printed, written into ``out`` as
    ``nemoml evaluate --targets`` writes it) and the demo's verdict rows."""
    from nemoml.evaluate.card.physics import ReportCard
    from nemoml.evaluate.card.report import write_report
    from nemoml.generate.data import load_states
    from nemoml.grid.gridinfo import GridInfo

    grid = GridInfo.from_mesh_mask(packaged.gyre("mesh_mask.nc"))
    nz = grid.shape[0]
    sample = load_states(packaged.gyre("gyre_states_sample.nc"), ("T", "S"), nz=nz).fields
    meta = read_metadata(packaged.GENERATOR)
    card = ReportCard(grid, "eos80", sample, targets=meta["targets"])
    sets = {DATA: sample, SET: load_states(restart, ("T", "S"), nz=nz).fields}
    report = write_report(card, sets, out)
    print(report["table"])
    rows = verdict(report["summary"][SET], meta)
    print(f"\nGYRE demo thresholds: the generated state against {describe(meta)}:")
    for what, text, ok in rows:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}: {text}")
    return rows


def run(workdir: Path, ranks: int) -> bool:
    workdir.mkdir(parents=True, exist_ok=True)
    print("== GYRE: constrained initial state generated inline at istate_init ==", flush=True)
    result = run_host(ranks, workdir, host=host(ranks), settings=settings(workdir),
                      timeout=900, stream=True)
    if result.returncode != 0:
        print(f"the host stopped with status {result.returncode}")
        return False
    restart = workdir / "GYRE_generated_restart.nc"
    print(f"\nNEMO restart written: {restart}\n\nPhysics report card", flush=True)
    rows = judge(restart, workdir / "report")
    return all(ok for _, _, ok in rows)
