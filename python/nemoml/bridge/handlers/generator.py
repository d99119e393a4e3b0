"""The generator inside NEMO: the bridge's ``generator`` handler for ``nemoml_istate``.

At init (on the root rank) the exported generator's ``generator.json`` is checked against the
host's mesh (shape, levels' depths and thicknesses, land masks), naming that file, before its
denoiser is loaded. At istate it samples one constrained state from the global fields the bridge
gathered, seeded by ``nn_nemoml_seed``: the state is the same for any decomposition.

Velocities default to zero (``cn_nemoml_uv = 'zero'``): NEMO adjusts to the generated density
within days (inertial and gravity-wave time scales), which is negligible next to the centuries
of spin-up the state saves, whereas velocities that are not in balance with the generated
density would inject noise. ``'generated'`` takes U and V from a generator trained with them.
``'thermal_wind'`` computes U and V in geostrophic and hydrostatic balance with the generated
density and SSH (``nemoml.generate.balance``); it needs the host's ``e1t, e2t`` and ``gphit``
(or ``ff_t``) at init, as NEMO's ``nemoml_hooks`` passes them.

The denoiser runs on the root's ``cn_nemoml_device`` (``bridge.device``: the GPU of its
node-local rank for ``cuda``).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from nemoml.bridge.hooks import Handler

log = logging.getLogger("nemoml.generate")
PROGRESS_SECONDS = 10.0  # a progress line at the first and last step and at least this often
DTYPE = "float32"  # the generator samples in float32: its fields travel and return so
EOS_LABELS = {"eos80": ("EOS-80", "ln_EOS80"), "teos10": ("TEOS-10", "ln_TEOS10"),
              "seos": ("S-EOS", "ln_SEOS")}
CONSTRAINT_SWITCHES = (("ln_nemoml_c1", "c1"), ("ln_nemoml_c2", "c2"), ("ln_nemoml_ts", "ts"),
                       ("ln_nemoml_stab", "stability"))


def _prepare(session, argument: str) -> None:
    from nemoml.generate import load_generator
    from nemoml.generate.export import metadata_grid

    s = session.settings
    if s.cn_nemoml_uv == "thermal_wind":
        missing = [n for n in ("e1t", "e2t") if n not in session.global_surface]
        if "gphit" not in session.global_surface and "ff_t" not in session.global_surface:
            missing.append("gphit or ff_t")
        if missing:
            raise ValueError(f"cn_nemoml_uv = 'thermal_wind' needs the host to pass "
                             f"{', '.join(missing)} at nemoml_init")
    path = argument or s.cn_nemoml_generator
    meta_path, _, grid, layout = metadata_grid(path)
    check_grid(session, grid, str(meta_path), s.cn_nemoml_uv == "generated")
    gen = load_generator(path, device=session.registry.device)
    check_eos(gen, s.host_eos(), path)
    if s.cn_nemoml_uv == "generated" and "U" not in gen.layout.variables:
        raise ValueError(f"cn_nemoml_uv = 'generated' but generator {path} has no U, V")
    session.cache["generator"] = gen


def check_grid(session, grid, where: str, velocities: bool = False) -> None:
    """The generator's grid (``GridInfo`` of its ``generator.json``) must be the host's mesh:
    horizontal shape, no more levels than ``jpk``, the same level depths and thicknesses
    (``gdept_1d``, ``e3t_1d``: a state on other levels is a state of another ocean) and land
    masks (``umask``, ``vmask`` too when it generates velocities). Errors name ``where``.
    """
    nz, ny, nx = grid.shape
    jpk = session.grid["jpk"]
    nj, ni = session.exchange.shape2d
    if (ny, nx) != (nj, ni) or nz > jpk:
        raise ValueError(f"generator {where} was trained on a {nx}x{ny}x{nz} grid, the host "
                         f"runs {ni}x{nj}x{jpk} (x, y, levels)")
    for name, mine in (("gdept_1d", grid.gdept), ("e3t_1d", grid.e3t)):
        host = np.asarray(session.depths[name], np.float64).reshape(-1)[:nz]
        # 1e-6 relative: float32 round trips of the mesh file pass, any other grid does not
        bad = np.flatnonzero(~np.isclose(mine[:nz], host, rtol=1e-6, atol=1e-6))
        if bad.size:
            k = int(bad[0])
            raise ValueError(f"generator {where}: its {name} differs from the host's at "
                             f"{bad.size} of {nz} level(s) (first: level {k + 1}, "
                             f"{mine[k]:.6g} m in the generator, {host[k]:.6g} m in the host); "
                             f"train it on this configuration's mesh mask")
    masks = (("tmask", grid.tmask), ("umask", grid.umask), ("vmask", grid.vmask))
    for name, mine in masks[:3 if velocities else 1]:
        differ = int((session.global_masks[name][:nz] != mine.astype(bool)).sum())
        if differ:
            raise ValueError(f"generator {where}: its land mask differs from the host's {name} "
                             f"at {differ} point(s); train it on this configuration's mesh mask")


def check_eos(gen, host, path: str) -> None:
    """Refuse a generator trained with another equation of state than the host's &nameos.

    EOS-80 states hold potential temperature and practical salinity, TEOS-10 states
    conservative temperature and absolute salinity: one seeding the other is wrong everywhere,
    and for S-EOS the coefficients define the density the constraints were met for.
    """
    from nemoml.eos import EOS

    mine = EOS(gen.density.eos, **{k.removeprefix("rn_"): v for k, v in gen.density.params.items()})
    if host is None:
        log.warning("the host did not pass its &nameos: generator %s (%s) is not checked against "
                    "the run's equation of state", path, EOS_LABELS[mine.kind][0])
        return
    if mine.kind != host.kind:
        (gname, _), (hname, hflag) = EOS_LABELS[mine.kind], EOS_LABELS[host.kind]
        raise ValueError(f"generator {path} was trained with {gname} (train-generator --eos "
                         f"{mine.kind}) but this run's &nameos sets {hflag} = .true. ({hname}): "
                         f"its T and S are not the variables this run's EOS takes; train the "
                         f"generator with --eos {host.kind} or change &nameos")
    if mine.kind == "seos":
        for name in ("T0", "S0", "a0", "b0", "lambda1", "lambda2", "mu1", "mu2", "nu"):
            g, h = getattr(mine, name), getattr(host, name)
            if not math.isclose(g, h, rel_tol=1e-9, abs_tol=1e-15):
                raise ValueError(f"generator {path} was trained with S-EOS rn_{name} = {g:.6g} "
                                 f"but this run's &nameos has rn_{name} = {h:.6g}; train it "
                                 f"with --nameos on this run's namelist_cfg")


def _inputs(settings, argument: str) -> set[str]:
    """The host fields the generator reads: surface T to condition on, SSH when not generated."""
    return {"sshn", "tn"} if settings.cn_nemoml_condition == "sst" else {"sshn"}


def _progress():
    """``(step, steps)`` callback: 'sampling step k of n, s' lines in the host's log (root)."""
    t0 = time.perf_counter()
    last = [-PROGRESS_SECONDS]

    def report(step: int, steps: int) -> None:
        now = time.perf_counter() - t0
        if step in (1, steps) or now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            log.info("sampling step %d of %d, %.1f s", step, steps, now)

    return report


def _pad(field: np.ndarray, jpk: int) -> np.ndarray:
    """Generator levels (wet ones) -> the host's jpk levels, zero below."""
    out = np.zeros((jpk, *field.shape[1:]), DTYPE)
    out[: field.shape[0]] = field
    return out


def _run(session, argument: str, inputs: dict, outputs: dict) -> dict:
    s = session.settings
    members = members_to_sample(s)
    for m in members:
        state = _member(session, inputs, outputs, s.nn_nemoml_seed + max(m, 0))
        if s.cn_nemoml_rstout:
            _write_restart(session, state, member_path(s.cn_nemoml_rstout, m),
                           session.cache["generator"])
        if m == max(s.nn_nemoml_member, 0) or len(members) == 1:
            mine = state
    return {name: mine[name] for name in outputs}


def members_to_sample(s) -> list[int]:
    """Member indices of this call: 0..nn_nemoml_members-1, or the run's own member
    (``nn_nemoml_member``, -1 outside an ensemble)."""
    if s.nn_nemoml_members > 1:
        return list(range(s.nn_nemoml_members))
    return [s.nn_nemoml_member]


def member_path(path: str, member: int) -> str:
    """``GYRE_restart.nc`` -> ``GYRE_restart_m003.nc`` for member 3; unchanged for -1."""
    if member < 0:
        return path
    stem, dot, ext = path.rpartition(".")
    return f"{stem}_m{member:03d}.{ext}" if dot and "/" not in ext else f"{path}_m{member:03d}"


def _member(session, inputs: dict, outputs: dict, seed: int) -> dict:
    """One state: member m of an ensemble is the seed ``nn_nemoml_seed + m``, so it is the same
    state whether sampled alone (``nn_nemoml_member``) or with the others
    (``nn_nemoml_members``)."""
    gen = session.cache["generator"]
    s = session.settings
    nz = gen.layout.grid.shape[0]
    jpk = session.grid["jpk"]
    condition = None
    if s.cn_nemoml_condition == "sst":  # the host's surface temperature, everywhere it is ocean
        observed = np.zeros((nz, *session.exchange.shape2d), bool)
        observed[0] = session.global_masks["tmask"][0]
        condition = {"T": (inputs["tn"][:nz], observed)}
    sample = gen.sample(1, seed=seed, sampler=s.cn_nemoml_sampler,
                        steps=s.nn_nemoml_steps, condition=condition, progress=_progress(),
                        constraints=[c for flag, c in CONSTRAINT_SWITCHES if getattr(s, flag)])
    state = {"tn": _pad(sample["T"][0], jpk), "sn": _pad(sample["S"][0], jpk)}
    state["sshn"] = sample["SSH"][0] if "SSH" in sample else inputs["sshn"]
    if s.cn_nemoml_uv == "thermal_wind":
        state["un"], state["vn"] = (a.astype(DTYPE) for a in balanced(session, state, gen))
    for name, var in (("un", "U"), ("vn", "V")):
        if s.cn_nemoml_uv == "generated":
            state[name] = _pad(sample[var][0], jpk)
        elif s.cn_nemoml_uv == "zero":
            state[name] = np.zeros(outputs[name], DTYPE)
    return state


def host_grid(session):
    """The host's global grid as passed at init (masks, 1-D depths, surface fields)."""
    from nemoml.grid import Grid

    masks, depths = session.global_masks, session.depths
    extra = {k: v for k, v in session.global_surface.items()
             if k in ("e1t", "e2t", "e1u", "e2u", "e1v", "e2v", "glamt", "gphit")}
    extra.update({k: depths[k] for k in ("gdepw_1d", "e3w_1d") if k in depths})
    return Grid.from_arrays(masks["tmask"], depths["gdept_1d"], depths["e3t_1d"],
                            umask=masks["umask"], vmask=masks["vmask"], source="nemoml_init",
                            **extra)


def balanced(session, state: dict, gen) -> tuple[np.ndarray, np.ndarray]:
    """Thermal-wind U, V of the generated state with the generator's (the model's) EOS."""
    from nemoml.eos import EOS
    from nemoml.generate.balance import thermal_wind

    params = {k.removeprefix("rn_"): v for k, v in gen.density.params.items()}
    return thermal_wind(state["tn"], state["sn"], state["sshn"], host_grid(session),
                        EOS(gen.density.eos, **params), session.global_surface.get("ff_t"))


def _write_restart(session, state: dict, path: str, gen) -> None:
    """The generated state as a minimal NEMO restart (start it with ``nn_rstctl = 0``)."""
    from nemoml.io import State, write_restart

    grid = host_grid(session)
    write_restart(path, State(T=state["tn"], S=state["sn"], U=state["un"], V=state["vn"],
                              SSH=state["sshn"]), grid, eos=gen.meta["eos"]["name"])


HANDLER = Handler(run=_run, prepare=_prepare, inputs=_inputs, dtype=DTYPE)
