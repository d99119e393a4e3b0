"""Demo part 1: a generated GYRE initial state, inline at istate, and its report card."""

from __future__ import annotations

from pathlib import Path

from nemoml._paths import package_subdir
from nemoml.bridge.host import run_host

NAME = "gyre"


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
    return nemoml(["evaluate", "--mesh-mask", str(data / "mesh_mask.nc"), "--eos", "eos80",
                     "--reference", str(data / "gyre_states_sample.nc"),
                     "--reference-name", "GYRE states (embedded sample)",
                     "--set", f"Generated inline={restart}",
                     "--out", str(workdir / "report")]) == 0
