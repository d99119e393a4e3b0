"""The generator inside NEMO: the bridge's ``generator`` handler for ``nemoml_istate``.

At init (on the root rank) the exported generator is loaded and checked against the host's grid
and land mask. At istate it samples one constrained state from the global fields the bridge
gathered, seeded by ``nn_nemoml_seed``: the state is the same for any decomposition.

Velocities default to zero (``cn_nemoml_uv = 'zero'``): NEMO adjusts to the generated density
within days (inertial and gravity-wave time scales), which is negligible next to the centuries
of spin-up the state saves, whereas velocities that are not in balance with the generated
density would inject noise. ``'generated'`` takes U and V from a generator trained with them.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from nemoml.bridge.hooks import Handler

log = logging.getLogger("nemoml.generate")
PROGRESS_SECONDS = 10.0  # a progress line at the first and last step and at least this often
DTYPE = "float32"  # the generator samples in float32: its fields travel and return so
CONSTRAINT_SWITCHES = (("ln_nemoml_c1", "c1"), ("ln_nemoml_c2", "c2"), ("ln_nemoml_ts", "ts"),
                       ("ln_nemoml_stab", "stability"))


def _prepare(session, argument: str) -> None:
    from nemoml.generate import load_generator

    s = session.settings
    path = argument or s.cn_nemoml_generator
    gen = load_generator(path)
    nz, ny, nx = gen.layout.grid.shape
    jpk = session.grid["jpk"]
    nj, ni = session.exchange.shape2d
    if (ny, nx) != (nj, ni) or nz > jpk:
        raise ValueError(f"generator {path} was trained on a {nx}x{ny}x{nz} grid, the host runs "
                         f"{ni}x{nj}x{jpk} (x, y, levels)")
    host = session.global_masks["tmask"][:nz]
    differ = int((host != gen.layout.grid.tmask.astype(bool)).sum())
    if differ:
        raise ValueError(f"generator {path}: its land mask differs from the host's tmask at "
                         f"{differ} point(s); train it on this configuration's mesh mask")
    if s.cn_nemoml_uv == "generated" and "U" not in gen.layout.variables:
        raise ValueError(f"cn_nemoml_uv = 'generated' but generator {path} has no U, V")
    session.cache["generator"] = gen


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
    gen = session.cache["generator"]
    s = session.settings
    nz = gen.layout.grid.shape[0]
    jpk = session.grid["jpk"]
    condition = None
    if s.cn_nemoml_condition == "sst":  # the host's surface temperature, everywhere it is ocean
        observed = np.zeros((nz, *session.exchange.shape2d), bool)
        observed[0] = session.global_masks["tmask"][0]
        condition = {"T": (inputs["tn"][:nz], observed)}
    sample = gen.sample(1, seed=s.nn_nemoml_seed, sampler=s.cn_nemoml_sampler,
                        steps=s.nn_nemoml_steps, condition=condition, progress=_progress(),
                        constraints=[c for flag, c in CONSTRAINT_SWITCHES if getattr(s, flag)])
    state = {"tn": _pad(sample["T"][0], jpk), "sn": _pad(sample["S"][0], jpk)}
    state["sshn"] = sample["SSH"][0] if "SSH" in sample else inputs["sshn"]
    for name, var in (("un", "U"), ("vn", "V")):
        generated = s.cn_nemoml_uv == "generated"
        state[name] = _pad(sample[var][0], jpk) if generated else np.zeros(outputs[name], DTYPE)
    if s.cn_nemoml_rstout:
        _write_restart(session, state, s.cn_nemoml_rstout, gen)
    return {name: state[name] for name in outputs}


def _write_restart(session, state: dict, path: str, gen) -> None:
    """The generated state as a minimal NEMO restart (start it with ``nn_rstctl = 0``)."""
    from nemoml.grid import Grid
    from nemoml.io import State, write_restart

    masks = session.global_masks
    grid = Grid.from_arrays(masks["tmask"], session.depths["gdept_1d"], session.depths["e3t_1d"],
                            umask=masks["umask"], vmask=masks["vmask"], source="nemoml_init")
    write_restart(path, State(T=state["tn"], S=state["sn"], U=state["un"], V=state["vn"],
                              SSH=state["sshn"]), grid, eos=gen.meta["eos"]["name"])


HANDLER = Handler(run=_run, prepare=_prepare, inputs=_inputs, dtype=DTYPE)
