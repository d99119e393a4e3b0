"""Demo part 2: 4DVarNet increments inline at asm_inc_init from simulated nadir altimetry.

The part passes when the inline analysis at the window centre meets both thresholds: its RMSE
is at most ``MAX_RMSE_VS_BACKGROUND`` of the background's (the increments correct the state)
and at most ``MAX_RMSE_VS_OI`` of OI's on the same observations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nemoml.assimilate.qg.comparison import BACKGROUND_LAG_DAYS
from nemoml.base import packaged
from nemoml.devtools.host import run_host

NAME = "qg"
DAY0 = 1140  # window start: inside the embedded sample (held-out year 4)
LAG = BACKGROUND_LAG_DAYS  # the background: the truth this many days before the window centre
MAX_RMSE_VS_BACKGROUND = 0.5
MAX_RMSE_VS_OI = 1.0


def checks(rmse: dict[str, float]) -> list[tuple[str, bool]]:
    """The part's pass/fail checks on the centre-day RMSEs (keys "4dvarnet", "oi",
    "background")."""
    net, oi, bkg = rmse["4dvarnet"], rmse["oi"], rmse["background"]

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.3f}" if b > 0 else "inf"

    return [
        (f"4DVarNet RMSE / background RMSE = {ratio(net, bkg)} <= {MAX_RMSE_VS_BACKGROUND}",
         net <= MAX_RMSE_VS_BACKGROUND * bkg),
        (f"4DVarNet RMSE / OI RMSE = {ratio(net, oi)} <= {MAX_RMSE_VS_OI}",
         net <= MAX_RMSE_VS_OI * oi),
    ]


def _background(path: Path, ssh: np.ndarray) -> None:
    """The host's background state as a minimal NEMO restart: only SSH matters here."""
    from nemoml.grid import Grid
    from nemoml.io import State, write_restart

    ny, nx = ssh.shape
    grid = Grid.from_arrays(np.ones((1, ny, nx)), np.array([0.5]), np.array([1.0]),
                            source="QG demo grid")
    zero = np.zeros((1, ny, nx))
    write_restart(path, State(T=zero, S=zero, U=zero, V=zero, SSH=ssh), grid)


def run(workdir: Path, ranks: int) -> bool:
    from nemoml.assimilate import load_solver
    from nemoml.assimilate.baselines.oi import oi_cg
    from nemoml.assimilate.obs.nadir import simulate
    from nemoml.assimilate.obs.obsfile import grid_obs, read_obs, write_obs
    from nemoml.assimilate.qg.truth import load_truth
    from nemoml.io import read_increments

    workdir.mkdir(parents=True, exist_ok=True)
    model = packaged.QG_SOLVER
    window = load_solver(model).window
    sample = load_truth(packaged.QG_SAMPLE, n=64)
    truth = sample.days(DAY0, DAY0 + window)
    ny, nx = truth.ssh.shape[1:]
    centre = window // 2
    background = sample.days(DAY0 + centre - LAG, DAY0 + centre - LAG + 1).ssh[0]
    print(f"== QG altimetry OSSE: {nx}x{ny} cells of {truth.dx:g} km, window of {window} days "
          f"from day {DAY0}, four simulated nadirs ==", flush=True)
    obs_file = workdir / "nadir_obs.nc"
    write_obs(obs_file, simulate(truth, seed=1))
    _background(workdir / "background_restart.nc", background)
    increments = workdir / "assim_background_increments.nc"
    host = {"ln_selftest": False, "nn_ni0glo": nx, "nn_nj0glo": ny, "nn_jpk": 1, "nn_mask": 1,
            "rn_dx": truth.dx, "rn_dy": truth.dx, "nn_hls": 2,
            "cn_restart": str(workdir / "background_restart.nc")}
    settings = {"ln_nemoml": True, "ln_nemoml_asm": True, "cn_nemoml_da": str(model),
                "cn_nemoml_obs": str(obs_file), "cn_nemoml_incout": str(increments)}
    result = run_host(ranks, workdir, host=host, settings=settings, timeout=900, stream=True)
    if result.returncode != 0:
        print(f"the host stopped with status {result.returncode}")
        return False
    analysis = background + read_increments(increments).state.SSH
    values, mask = grid_obs(read_obs(obs_file), truth.x, truth.y, DAY0, window)
    oi = oi_cg(np.nan_to_num(values), mask, truth.dx)[0][centre]
    ref = truth.ssh[centre]
    rmse = {key: float(np.sqrt(np.mean((est - ref) ** 2)))
            for key, est in (("4dvarnet", analysis), ("oi", oi), ("background", background))}
    names = {"4dvarnet": "4DVarNet (inline)", "oi": "OI",
             "background": f"background ({LAG} days old)"}
    print(f"\nNEMO increments file written: {increments}\n")
    print(f"SSH skill at the window centre (day {DAY0 + centre}), truth std "
          f"{ref.std():.3f} m")
    print(f"{'method':<26}{'RMSE (m)':>10}{'RMSE/std':>10}")
    for key, value in rmse.items():
        print(f"{names[key]:<26}{value:>10.4f}{value / ref.std():>10.3f}")
    verdict = checks(rmse)
    for text, ok in verdict:
        print(f"  [{'ok' if ok else 'FAILED'}] {text}")
    passed = all(ok for _, ok in verdict)
    print(f"qg: {'PASSED' if passed else 'FAILED'}")
    return passed
