"""Demo part 2: 4DVarNet increments inline at asm_inc_init from simulated nadir altimetry."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nemoml._paths import package_subdir
from nemoml.bridge.host import run_host

NAME = "qg"
DAY0 = 1140  # window start: inside the embedded sample (held-out year 4)
LAG = 5  # the background is the truth this many days before the window centre (a stale state)


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
    from nemoml.assimilate.nadir import simulate
    from nemoml.assimilate.obsfile import grid_obs, read_obs, write_obs
    from nemoml.assimilate.oi import oi_cg
    from nemoml.assimilate.qg import load_truth
    from nemoml.io import read_increments

    workdir.mkdir(parents=True, exist_ok=True)
    data = package_subdir("data") / "qg"
    model = data / "4dvarnet_qg64.pt"
    window = load_solver(model).window
    sample = load_truth(data / "qg_sample.nc", n=64)
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
    rmse = {name: float(np.sqrt(np.mean((est - ref) ** 2)))
            for name, est in (("4DVarNet (inline)", analysis), ("OI", oi),
                              (f"background ({LAG} days old)", background))}
    print(f"\nNEMO increments file written: {increments}\n")
    print(f"SSH skill at the window centre (day {DAY0 + centre}), truth std "
          f"{ref.std():.3f} m")
    print(f"{'method':<26}{'RMSE (m)':>10}{'RMSE/std':>10}")
    for name, value in rmse.items():
        print(f"{name:<26}{value:>10.4f}{value / ref.std():>10.3f}")
    print(f"4DVarNet / OI RMSE ratio: {rmse['4DVarNet (inline)'] / rmse['OI']:.3f}")
    return True

