"""4DVarNet inside NEMO: the bridge's ``4dvarnet`` handler for ``nemoml_increments``.

Two solvers are served, told apart by their ``solver.json`` format:

- **3D multivariate** (``nemoml-4dvarnet3d-2``, :mod:`inline3d`): T and S on every level and
  SSH. At init (root rank) the solver is loaded and checked against the host's grid (same
  shape and land mask), ``&nam_asminc`` is checked (``ln_asm_trainc`` and ``ln_asm_sshinc``
  in the settings, set from NEMO's ``ln_trainc`` and ``ln_sshinc``: the handler computes T, S
  and SSH increments and refuses to run when IAU would drop them), and the observation file
  (``nemoml-obs-2``) is binned onto the host's grid (``glamt``/``gphit``, any curvilinear
  grid): its window starts on the day of its first observation and lasts the solver's window.
  At asm_inc_init the host's T, S, SSH are the background, held over the window (the only
  background NEMO has before its first step); the increments are analysis - background at the
  centre day in ``t_bkginc``, ``s_bkginc``, ``ssh_bkginc``. Velocity increments are zero: the
  daily truth has no velocities to train them, and NEMO's own adjustment spins the currents up
  from the density and SSH increments within days (IAU spreads them over its window).
- **QG SSH** (``nemoml-4dvarnet-1``, :mod:`inline`): the periodic-box altimetry solver on a
  regular grid (``glamt`` constant along j), persistence background, SSH increment only.

Either solver runs on the root's ``cn_nemoml_device`` (``bridge.device``).

At asm_inc_init, before the analysis, the observations pass the background check (:mod:`qc`,
``rn_nemoml_qc_k``) against the host's state held over the window: the spread is the 3D
solver's training backgrounds' error per level and variable (``background_error_std``), or the
QG solver's training SSH spread, plus each observation's error. The counts rejected per
variable and platform are logged; more than ``rn_nemoml_qc_maxrej`` rejected stops the run.
"""

from __future__ import annotations

import logging

import numpy as np

from nemoml.bridge.hooks import Handler

log = logging.getLogger("nemoml.4dvarnet")


def _regular_axes(session) -> tuple[np.ndarray, np.ndarray]:
    surf = session.global_surface
    if "glamt" not in surf or "gphit" not in surf:
        raise ValueError("the 4dvarnet handler needs glamt and gphit passed to nemoml_init")
    x, y = surf["glamt"][0], surf["gphit"][:, 0]
    if not (np.allclose(surf["glamt"], x[None, :]) and np.allclose(surf["gphit"], y[:, None])):
        raise ValueError("the 4dvarnet handler needs a regular grid (glamt constant along j, "
                         "gphit along i)")
    return x, y


def check_asminc(settings) -> None:
    """Refuse when NEMO's IAU would drop the T/S or SSH increments the 3D solver computes."""
    off = [name for name, key in (("ln_trainc", "ln_asm_trainc"), ("ln_sshinc", "ln_asm_sshinc"))
           if not getattr(settings, key)]
    if off:
        raise ValueError(f"the 3D 4dvarnet handler computes T, S and SSH increments but "
                         f"&nam_asminc has {' and '.join(off)} = .false.: NEMO would drop them; "
                         f"switch {' and '.join(off)} on")


def host_grid(session):
    """The host's global grid as an :class:`OceanGrid` (areas from e1t, e2t or lon/lat)."""
    from nemoml.assimilate.obs.ocean_grid import OceanGrid, area_from_lonlat

    surf = session.global_surface
    for name in ("glamt", "gphit"):
        if name not in surf:
            raise ValueError(f"the 4dvarnet handler needs {name} passed to nemoml_init")
    lon, lat = surf["glamt"], surf["gphit"]
    area = surf["e1t"] * surf["e2t"] if "e1t" in surf and "e2t" in surf else \
        area_from_lonlat(lon, lat)
    e3t = session.depths["e3t_1d"]
    gdepw = session.depths.get("gdepw_1d", np.concatenate([[0.0], np.cumsum(e3t)[:-1]]))
    return OceanGrid(lon, lat, session.global_masks["tmask"], session.depths["gdept_1d"], gdepw,
                     e3t, area, "nemoml_init")


def check_solver_grid(solver, grid) -> None:
    """The 3D solver must have been trained on the host's grid and land mask."""
    train = solver.layout.grid
    if train.shape != grid.shape:
        raise ValueError(f"solver {solver.source} was trained on a {train.shape[2]}x"
                         f"{train.shape[1]}x{train.shape[0]} grid, the host runs {grid.shape[2]}x"
                         f"{grid.shape[1]}x{grid.shape[0]} (x, y, levels)")
    differ = int((train.tmask != grid.tmask).sum())
    if differ:
        raise ValueError(f"solver {solver.source}: its land mask differs from the host's tmask at "
                         f"{differ} point(s); train it on this configuration's mesh mask")


def _prepare_3d(session, path: str) -> None:
    from nemoml.assimilate.gyre.export import load_state_solver
    from nemoml.assimilate.obs.binning import locate_obs
    from nemoml.assimilate.obs.obsfile import read_obs_set

    s = session.settings
    check_asminc(s)
    solver = load_state_solver(path, device=session.registry.device)
    grid = host_grid(session)
    check_solver_grid(solver, grid)
    obs = read_obs_set(s.cn_nemoml_obs)
    day0 = float(np.floor(obs.time.min()))
    late = int(np.sum(obs.time >= day0 + solver.window))
    if late:
        raise ValueError(f"{s.cn_nemoml_obs}: {late} observation(s) after the {solver.window}-day "
                         f"window starting at day {day0:g} (first at obs index "
                         f"{int(np.flatnonzero(obs.time >= day0 + solver.window)[0])}): the "
                         f"file must hold one window of the solver")
    located = locate_obs(obs, grid, day0, solver.window, s.cn_nemoml_obs,
                         solver.layout.variables)  # every position checked now
    session.cache["4dvarnet"] = ("3d", solver, (located, grid.shape), day0)


def _prepare(session, argument: str) -> None:
    from nemoml.assimilate.gyre.export import is_state_solver
    from nemoml.assimilate.obs import qc
    from nemoml.assimilate.obs.obsfile import grid_points, read_obs
    from nemoml.assimilate.qg.export import load_solver

    s = session.settings
    qc.check_settings(s.rn_nemoml_qc_k, s.rn_nemoml_qc_maxrej)
    path = argument or s.cn_nemoml_da
    if is_state_solver(path):
        _prepare_3d(session, path)
        return
    solver = load_solver(path, device=session.registry.device)
    ny, nx = (int(n) for n in solver.meta["grid"])
    if (ny, nx) != session.exchange.shape2d:
        raise ValueError(f"solver {solver.source} was trained on a {nx}x{ny} grid, the host "
                         f"runs {session.exchange.shape2d[1]}x{session.exchange.shape2d[0]}")
    x, y = _regular_axes(session)
    obs = read_obs(s.cn_nemoml_obs)
    day0 = float(np.floor(obs.time.min()))
    placed = grid_points(obs, x, y, day0, solver.window, s.cn_nemoml_obs)  # positions checked
    late = int(np.sum(obs.time >= day0 + solver.window))
    if late:
        raise ValueError(f"{s.cn_nemoml_obs}: {late} observation(s) after the "
                         f"{solver.window}-day window starting at day {day0:g}")
    session.cache["4dvarnet"] = ("qg", solver, (obs, placed, x, y), day0)


def _run(session, argument: str, inputs: dict, outputs: dict) -> dict:
    from nemoml.assimilate.obs import qc
    from nemoml.assimilate.obs.binning import bin_located
    from nemoml.assimilate.obs.obsfile import grid_obs

    kind, solver, obs, day0 = session.cache["4dvarnet"]
    s = session.settings
    where = f"nemoml_increments ({s.cn_nemoml_obs})"
    result = {name: np.zeros(shape) for name, shape in outputs.items()}
    if kind == "3d":
        located, shape = obs
        nz = solver.layout.grid.shape[0]
        state = {"T": inputs["tn"][:nz], "S": inputs["sn"][:nz], "SSH": inputs["sshn"]}
        background = {v: np.repeat(a[None], solver.window, axis=0) for v, a in state.items()}
        report = qc.check_located(located, background, solver.background_variance(located),
                                  s.rn_nemoml_qc_k, s.rn_nemoml_qc_maxrej, where)
        log.info("%s: %s", where, report.describe())
        binned = bin_located(located.select(report.keep), shape)
        inc = solver.increment(background, binned, where="nemoml_increments (host state)")
        result["t_bkginc"][:nz] = inc["T"]
        result["s_bkginc"][:nz] = inc["S"]
        result["ssh_bkginc"] = inc["SSH"]
    else:
        points, placed, x, y = obs
        background = np.repeat(inputs["sshn"][None].astype(np.float32), solver.window, axis=0)
        keep, report = qc.check_points(points, *placed, background,
                                       solver.background_variance(), s.rn_nemoml_qc_k,
                                       s.rn_nemoml_qc_maxrej, where)
        log.info("%s: %s", where, report.describe())
        values, mask = grid_obs(points, x, y, day0, solver.window, s.cn_nemoml_obs, keep)
        mask &= session.global_masks["tmask"][0][None]
        result["ssh_bkginc"] = solver.increment(background, np.nan_to_num(values),
                                                mask).astype(np.float64)
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
    _, solver, _, day0 = session.cache["4dvarnet"]
    write_increments(path, state, grid, *increment_dates(session.settings, day0, solver.window))


def increment_dates(settings, day0: float, window: int) -> tuple[float, float]:
    """``z_inc_dateb``/``z_inc_datef`` of the window starting ``day0`` days after the host's
    ``nn_date0``, in the host's calendar (``nn_leapy``: GYRE runs 360-day years from 10101)."""
    from nemoml.io import nemo_add_days

    date0, leapy = settings.nn_nemoml_date0, settings.nn_nemoml_leapy
    return nemo_add_days(date0, day0, leapy), nemo_add_days(date0, day0 + window, leapy)


HANDLER = Handler(run=_run, prepare=_prepare)
