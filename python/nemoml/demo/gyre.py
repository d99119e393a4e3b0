"""Demo part 1: a generated GYRE initial state, inline at istate, and its report card."""

from __future__ import annotations

import json
from pathlib import Path

from nemoml._paths import package_subdir
from nemoml.bridge.host import run_host

NAME = "gyre"
SET = "Generated inline"
DATA = "GYRE states (embedded sample)"
# the demo's thresholds for its one generated state, against the embedded GYRE states:
# inversion and N2 < 0 fractions at most half a percentage point above the data's (the card's
# inversion check), box means within two data std, C1 met
EXCESS_PCT = 0.5
BOX_STD = 2.0  # water-mass box means within this many data standard deviations (over states)
C1_RMS = 1e-6  # kg m-3: the inline state meets C1 (the default &namnemoml switches it on)


def settings(workdir: Path, steps: int = 50, seed: int = 0) -> dict:
    data = package_subdir("data")
    return {
        "ln_nemoml": True,
        "ln_nemoml_istate": True,
        "cn_nemoml_generator": str(data / "generator"),
        "nn_nemoml_steps": steps,
        "nn_nemoml_seed": seed,
        "cn_nemoml_rstout": str(workdir / "GYRE_generated_restart.nc"),
    }


def host(ranks: int) -> dict:
    data = package_subdir("data") / "gyre"
    return {"ln_selftest": False, "cn_meshmask": str(data / "mesh_mask.nc"),
            "cn_restart": str(data / "example_restart.nc"), "nn_hls": 2}


def verdict(report: dict, name: str = SET, data: str = DATA) -> list[tuple[str, str, bool]]:
    """The demo's checks of set ``name`` in a ``report.json`` of ``nemoml evaluate``: one row
    (what, measured against threshold, passed) per check."""
    got, ref = report["sets"][name], report["sets"][data]
    rows = []
    for key, what in (("inversion_pct_1e-05", "density inversions (>1e-5, local) %"),
                      ("n2_negative_pct", "N2 < 0 %")):
        lim = ref[key]["mean"] + EXCESS_PCT
        val = got[key]["mean"]
        rows.append((what, f"{val:.3f} <= {lim:.3f} (data + {EXCESS_PCT})", val <= lim))
    for key in ("bw_T", "bw_S", "dw_T", "dw_S"):
        dev, lim = abs(got[key]["mean"] - ref[key]["mean"]), BOX_STD * ref[key]["std"]
        rows.append((f"{key} - data", f"{dev:.2e} <= {lim:.2e} ({BOX_STD:g} data std)",
                     dev <= lim))
    if "c1_rms" in got:
        val = got["c1_rms"]["mean"]
        rows.append(("C1 residual rms (kg m-3)", f"{val:.1e} <= {C1_RMS:.0e}", val <= C1_RMS))
    if got["n_states"] < 2:
        rows.append(("spread", "not checked: one state has no spread across states", True))
    return rows


def run(workdir: Path, ranks: int) -> bool:
    from nemoml.cli import main as nemoml

    workdir.mkdir(parents=True, exist_ok=True)
    print("== GYRE: constrained initial state generated inline at istate_init ==", flush=True)
    result = run_host(ranks, workdir, host=host(ranks), settings=settings(workdir),
                      timeout=900, stream=True)
    if result.returncode != 0:
        print(f"the host stopped with status {result.returncode}")
        return False
    data = package_subdir("data") / "gyre"
    restart = workdir / "GYRE_generated_restart.nc"
    print(f"\nNEMO restart written: {restart}\n\nPhysics report card", flush=True)
    status = nemoml(["evaluate", "--mesh-mask", str(data / "mesh_mask.nc"), "--eos", "eos80",
                     "--reference", str(data / "gyre_states_sample.nc"),
                     "--reference-name", DATA, "--set", f"{SET}={restart}",
                     "--out", str(workdir / "report")])
    if status != 0:
        return False
    rows = verdict(json.loads((workdir / "report" / "report.json").read_text()))
    print("\nGYRE demo thresholds (the generated state against the embedded GYRE states):")
    for what, text, ok in rows:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}: {text}")
    return all(ok for _, _, ok in rows)
