"""Cycled assimilation inside one NEMO run: the bridge's ``cycle`` handler of ``nemoml_cycle``.

At init (root rank) the clock is built from the settings (:mod:`cycle`), the observation file
of the whole run (``nemoml-obs-2``) is read and every window's observations are binned once on
the host grid as a check (a point outside the grid or on land stops the run now, not months
later; each window is binned again when it ends, as keeping every window's grids would cost
more memory than the run's observations), and the method is loaded:

- ``enoi`` (default): EnOI (:mod:`enoi`) with the ensemble of background-error anomalies
  ``cn_nemoml_enoi_ens`` (``nemoml-ens-1``); any window length, no trained model needed. On the
  GYRE replay (``nemoml bench cycle``) it brings the T error from 0.79 to 0.06 degC within
  three windows and keeps it there.
- ``4dvarnet``: the 3D 4DVarNet exported by ``nemoml train-da --case gyre`` (``cn_nemoml_da``,
  e.g. the packaged ``data/gyre/4dvarnet3d``): one forward per window on the whole daily
  trajectory; needs daily samples and its own window length (10 days). On the same replay it
  reaches 0.03 degC from the third window (its gradient scale is fixed, so a background near
  the truth gets a small increment). A physically impossible increment (beyond ``LIMITS``)
  stops the run with that message rather than entering NEMO.

Every sample (T, S, SSH, float32) goes to the rolling window (:mod:`rolling`). At a window's
end the background is that trajectory, completed with the part of the previous increment IAU
has not applied yet; the increment (T, S, SSH; U, V zero, as ``hook``) is analysis minus
background (4DVarNet: at the centre day; EnOI: its static increment), for IAU over the next
window. A window without observations gives a zero increment. One log line per window.

Before the analysis each window's observations pass the background check (:mod:`qc`,
``rn_nemoml_qc_k``): an observation whose ``|O - B|`` (B: the window's background at its cell,
level and day) exceeds k expected spreads is left out, the spread from the method's error
model: for EnOI the ensemble's variance at the observation (``diag(B) / alpha``: ``alpha``
scales the gain for cycled windows, while the check must also admit the uncycled first
window's errors, which the ensemble's drifts sample), for the 4DVarNet the RMS error of the
backgrounds it was trained on, per level and variable (``background_error_std`` in its
``solver.json``), each plus the observation's error variance. The rejected counts
per variable and platform are in the window's log line; a window losing more than
``rn_nemoml_qc_maxrej`` of its observations stops the run (every rank, with that message).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from nemoml.assimilate.cycling.clock import Clock, iau_weights
from nemoml.assimilate.cycling.window import RollingWindow
from nemoml.bridge.cycle import CycleHandler

log = logging.getLogger("nemoml.cycle")
INPUTS = ("tn", "sn", "sshn")
LIMITS = {"T": 20.0, "S": 5.0, "SSH": 2.0}  # |increment| beyond these is no ocean state's
KEY = "cycle"


@dataclass
class CycleState:
    clock: Clock
    grid: object  # OceanGrid of the host
    obs: object  # ObsSet of the whole run
    analyse: object  # (background, binned) -> {T, S, SSH} increment
    known: tuple[str, ...]
    variance: object  # (located) -> background-error variance at each observation
    window: RollingWindow = field(default_factory=RollingWindow)
    qc: list = field(default_factory=list)  # each analysed window's QCReport (None: no obs)


def _samples(settings, kt: int) -> bool:
    return settings.clock().is_sample(int(kt))


def _inputs(settings, argument: str):
    return INPUTS


def check_obs_dates(obs, clock: Clock, source: str):
    """The observations dated within the run. A file for a longer period (a year of
    observations, the run one segment of it) is the usual case: the others are left out, with
    one log line; a file with none in the run is an error."""
    t0, t1 = clock.run_times()
    out = (obs.time < t0) | (obs.time >= t1)
    span = (f"model days [{t0:g}, {t1:g}) since 0001-01-01 (dates "
            f"{clock.date(clock.it000 - 1):.6f} to {clock.date(clock.itend):.6f})")
    if out.all():
        lo, hi = (float(obs.time.min()), float(obs.time.max())) if len(obs) else (0.0, 0.0)
        raise ValueError(f"{source}: no observation dated in the run, {span}; the file's "
                         f"{len(obs)} observation(s) are dated {lo:g} to {hi:g}")
    if out.any():
        log.info("%s: %d of %d observation(s) dated outside the run (%s): left out", source,
                 int(out.sum()), len(obs), span)
    return obs.select(~out)


def window_obs(state: CycleState, w: int, source: str):
    """The observations of window ``w`` located on the host grid (None: there are none)."""
    from nemoml.assimilate.obs.binning import locate_obs

    t0, t1 = state.clock.window_times(w)
    n = int(np.count_nonzero((state.obs.time >= t0) & (state.obs.time < t1)))
    if n == 0:
        return None, 0
    days = state.clock.window_days
    return locate_obs(state.obs, state.grid, t0, days, f"{source} (window {w})",
                      state.known), n


def check_window(state: CycleState, located, background: dict, settings, where: str):
    """The background check of a window's located observations (:mod:`qc`); raises when the
    window loses more than ``rn_nemoml_qc_maxrej`` of them."""
    from nemoml.assimilate.obs import qc

    return qc.check_located(located, background, state.variance(located),
                            settings.rn_nemoml_qc_k, settings.rn_nemoml_qc_maxrej, where)


def _method(s, method: str, clock: Clock, grid, device: str = "cpu"):
    if method == "4dvarnet":
        from nemoml.assimilate.gyre.export import load_state_solver
        from nemoml.bridge.handlers.fourdvarnet import check_solver_grid

        solver = load_state_solver(s.cn_nemoml_da, device=device)
        check_solver_grid(solver, grid)
        if clock.window_days != solver.window:
            raise ValueError(f"nn_nemoml_cycle = {clock.window_days} days but the 4DVarNet "
                             f"solver {solver.source} works on {solver.window}-day windows")
        _daily(clock, "4dvarnet")
        nz = solver.layout.grid.shape[0]

        def analyse(bkg, binned):
            inc = solver.increment({v: a if v == "SSH" else a[:, :nz] for v, a in bkg.items()},
                                   binned, where="nemoml_cycle (window background)")
            for v, limit in LIMITS.items():
                big = float(np.abs(inc[v]).max())
                if big > limit:
                    raise ValueError(f"the 4DVarNet analysis diverged: |{v} increment| reaches "
                                     f"{big:.3g} (> {limit:g}); the background is outside what "
                                     f"{solver.source} was trained on; use "
                                     "cn_nemoml_cycle_method = 'enoi'")
            return inc

        return analyse, tuple(solver.layout.variables), solver.background_variance
    from nemoml.assimilate.baselines.enoi import EnOI, EnOIConfig
    from nemoml.assimilate.baselines.ensemble_file import read_ensemble

    _daily(clock, "enoi")
    enoi = EnOI(grid, read_ensemble(s.cn_nemoml_enoi_ens, grid.shape),
                EnOIConfig(alpha=s.rn_nemoml_enoi_alpha))

    def variance(loc):
        return enoi.background_variance(loc.names(), loc.level, loc.j, loc.i)

    return enoi.increment, ("T", "S", "SSH"), variance




def _daily(clock: Clock, method: str) -> None:
    if abs(clock.sample_steps - clock.steps_per_day) > 1e-9:
        raise ValueError(f"cn_nemoml_cycle_method = '{method}' analyses daily states: set "
                         f"nn_nemoml_freq = 0 or {clock.steps_per_day:g} (one a model day), "
                         f"got {clock.sample_steps}")


def build_state(settings, grid, method: str, device: str = "cpu") -> CycleState:
    """Clock, observations (checked, binned once) and method of ``settings`` on ``grid``
    (a 4DVarNet solver on ``device``)."""
    from nemoml.assimilate.obs.obsfile import read_obs_set

    clock = settings.clock()
    from nemoml.assimilate.obs import qc

    qc.check_settings(settings.rn_nemoml_qc_k, settings.rn_nemoml_qc_maxrej)
    analyse, known, variance = _method(settings, method, clock, grid, device)
    obs = read_obs_set(settings.cn_nemoml_obs)
    obs = check_obs_dates(obs, clock, settings.cn_nemoml_obs)
    state = CycleState(clock, grid, obs, analyse, known, variance)
    for w in range(clock.n_windows):  # every position, level and variable checked now
        window_obs(state, w, settings.cn_nemoml_obs)
    log.info("cycling: %s, %s; %d observations in %s", clock.describe(), method, len(obs),
             settings.cn_nemoml_obs)
    return state


def _prepare(session, method: str) -> None:
    from nemoml.bridge.handlers.fourdvarnet import check_asminc, host_grid

    check_asminc(session.settings)
    session.cache[KEY] = build_state(session.settings, host_grid(session), method,
                                     session.registry.device)


def advance(state: CycleState, kt: int, sample: dict, settings) -> tuple[int, dict | None]:
    """Keep the sample of step ``kt``; at a window's end, its increment {T, S, SSH} and the
    IAU length (0, None otherwise)."""
    clock = state.clock
    state.window.add(kt, sample)
    if not clock.is_window_end(kt):
        return 0, None
    w = clock.window_of(kt)
    steps = clock.iau_steps(kt)
    if steps == 0:
        log.info("nemoml_cycle window %d ends the run at kt %d (%.6f): not analysed", w, kt,
                 clock.date(kt))
        state.window.clear()
        return 0, None
    have = len(state.window.kts)
    if have != clock.samples_per_window:
        raise ValueError(f"window {w} ending at kt {kt} holds {have} state(s), expected "
                         f"{clock.samples_per_window} (one every {clock.sample_steps} steps): "
                         f"call nemoml_cycle at every sampling step")
    from nemoml.assimilate.obs.binning import bin_located

    t0 = time.perf_counter()
    located, nobs = window_obs(state, w, settings.cn_nemoml_obs)
    bkg = state.window.background()
    report = None
    if located is not None:
        report = check_window(state, located, bkg, settings,
                              f"nemoml_cycle window {w} ({settings.cn_nemoml_obs})")
        located = located.select(report.keep) if report.n_rejected else located
    if located is None or len(located) == 0:
        inc = {v: np.zeros(a.shape[1:]) for v, a in bkg.items()}
    else:
        inc = state.analyse(bkg, bin_located(located, state.grid.shape))
    state.qc.append(report)
    state.window.arm(kt, iau_weights(steps, settings.nn_nemoml_iaufn), inc)
    state.window.clear()
    checksum = float(sum(np.abs(np.asarray(a, np.float64)).sum() for a in inc.values()))
    start, end = clock.window_times(w)
    log.info("nemoml_cycle window %d: dates %.6f to %.6f (days %g to %g), %d observation(s)%s, "
             "%.3f s, IAU over %d steps from kt %d, |increment| sum %r %s", w,
             clock.date(clock.it000 - 1 + w * clock.window_steps), clock.date(kt), start, end,
             nobs, "" if nobs else " (none: increment zero)", time.perf_counter() - t0, steps,
             kt + 1, checksum, report.describe() if report is not None else "QC none")
    return steps, inc


def _step(session, method: str, kt: int, inputs: dict, outputs: dict):
    steps, inc = advance(session.cache[KEY], kt, {"T": inputs["tn"], "S": inputs["sn"],
                                                  "SSH": inputs["sshn"]}, session.settings)
    if not steps:
        return 0, None
    results = {}
    for name, shape in outputs.items():
        r = np.zeros(shape)
        src = {"t_bkginc": "T", "s_bkginc": "S", "ssh_bkginc": "SSH"}.get(name)
        if src is not None:
            r[: inc[src].shape[0]] = inc[src]  # a solver may stop above the bottom level
        results[name] = r
    return steps, results


HANDLER = CycleHandler(samples=_samples, step=_step, inputs=_inputs, prepare=_prepare)
