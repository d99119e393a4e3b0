"""4DVarNet inside NEMO: the bridge's ``4dvarnet`` handler for ``nemoml_increments``.

At init (on the root rank) the exported solver and the observation file are loaded, and the
observations are binned onto the host's grid (``glamt``/``gphit`` passed at init, in the units of
the observation file). At asm_inc_init the model state is the background: it is held over the
window (persistence, the only background NEMO has before its first step), the solver returns the
analysis, and ``ssh_bkginc`` = analysis − background at the window's centre day. T, S, U and V
increments are zero: the solver maps sea-surface height only. NEMO's IAU then applies them.
"""

from __future__ import annotations

import numpy as np

from nemoml.bridge.hooks import Handler


def _regular_axes(session) -> tuple[np.ndarray, np.ndarray]:
    surf = session.global_surface
    if "glamt" not in surf or "gphit" not in surf:
        raise ValueError("the 4dvarnet handler needs glamt and gphit passed to nemoml_init")
    x, y = surf["glamt"][0], surf["gphit"][:, 0]
    if not (np.allclose(surf["glamt"], x[None, :]) and np.allclose(surf["gphit"], y[:, None])):
        raise ValueError("the 4dvarnet handler needs a regular grid (glamt constant along j, "
                         "gphit along i)")
    return x, y


def _prepare(session, argument: str) -> None:
    from nemoml.assimilate.inline import load_solver
    from nemoml.assimilate.obsfile import grid_obs, read_obs

    s = session.settings
    solver = load_solver(argument or s.cn_nemoml_da)
    ny, nx = (int(n) for n in solver.meta["grid"])
    if (ny, nx) != session.exchange.shape2d:
        raise ValueError(f"solver {solver.source} was trained on a {nx}x{ny} grid, the host "
                         f"runs {session.exchange.shape2d[1]}x{session.exchange.shape2d[0]}")
    x, y = _regular_axes(session)
    obs = read_obs(s.cn_nemoml_obs)
    day0 = float(np.floor(obs.time.min()))
    values, mask = grid_obs(obs, x, y, day0, solver.window, source=s.cn_nemoml_obs)
    if int(mask.sum()) < len(obs):
        late = int(np.sum(obs.time >= day0 + solver.window))
        if late:
            raise ValueError(f"{s.cn_nemoml_obs}: {late} observation(s) after the "
                             f"{solver.window}-day window starting at day {day0:g}")
    mask &= session.global_masks["tmask"][0][None]
    session.cache["4dvarnet"] = (solver, np.nan_to_num(values), mask, day0)


def _run(session, argument: str, inputs: dict, outputs: dict) -> dict:
    solver, obs, mask, _ = session.cache["4dvarnet"]
    ssh = inputs["sshn"]
    background = np.repeat(ssh[None].astype(np.float32), solver.window, axis=0)
    increment = solver.increment(background, obs, mask).astype(np.float64)
    result = {name: np.zeros(shape) for name, shape in outputs.items()}
    result["ssh_bkginc"] = increment
    if session.settings.cn_nemoml_incout:
        _write_increments(session, result, session.settings.cn_nemoml_incout)
    return result


def _write_increments(session, result: dict, path: str) -> None:
    """The increments as NEMO's assim_background_increments.nc, for the record."""
    from nemoml.grid import Grid
    from nemoml.io import State, write_increments

    masks = session.global_masks
    grid = Grid.from_arrays(masks["tmask"], session.depths["gdept_1d"], session.depths["e3t_1d"],
                            umask=masks["umask"], vmask=masks["vmask"], source="nemoml_init")
    state = State(T=result["t_bkginc"], S=result["s_bkginc"], U=result["u_bkginc"],
                  V=result["v_bkginc"], SSH=result["ssh_bkginc"])
    solver, _, _, day0 = session.cache["4dvarnet"]
    write_increments(path, state, grid, *increment_dates(session.settings, day0, solver.window))


def increment_dates(settings, day0: float, window: int) -> tuple[float, float]:
    """``z_inc_dateb``/``z_inc_datef`` of the window starting ``day0`` days after the host's
    ``nn_date0``, in the host's calendar (``nn_leapy``: GYRE runs 360-day years from 10101)."""
    from nemoml.io import nemo_add_days

    date0, leapy = settings.nn_nemoml_date0, settings.nn_nemoml_leapy
    return nemo_add_days(date0, day0, leapy), nemo_add_days(date0, day0 + window, leapy)


HANDLER = Handler(run=_run, prepare=_prepare)
