"""The Python halves of the C ABI (``extern "Python"`` callbacks of libnemoml).

Each callback returns 0 or 1 and never raises: a failure is turned into a message stored in the
C library (``nemoml_last_error``). Collective calls agree on failure first, so every rank returns
the same status.
"""

from __future__ import annotations

import logging
import sys
import warnings

import numpy as np

from nemoml.base import device
from nemoml.bridge import forward
from nemoml.bridge.comm import Agreement, HookError, describe, host_comm
from nemoml.bridge.cycle import run_cycle
from nemoml.bridge.exchange import ROOT, allocate
from nemoml.bridge.fields import ViewCache, view_all
from nemoml.bridge.hooks import HOOK_NAMES, prepare_handlers, run_hook
from nemoml.bridge.session import GRID_KEYS, Session, check_tiling, subdomain_from_grid
from nemoml.bridge.settings import Settings

LOCAL, GLOBAL = 0, 1
MODE_NAMES = {LOCAL: "LOCAL", GLOBAL: "GLOBAL"}
log = logging.getLogger("nemoml.bridge")


class _State:
    ffi = None
    lib = None
    session: Session | None = None
    views: ViewCache | None = None  # descriptor -> view, for the per-call forward


S = _State()


def _fail(exc: BaseException) -> int:
    """Store the message of a failed call for nemoml_last_error; never raises (nothing may
    escape into C), so a broken message still gives the status 1."""
    msg = str(exc) if isinstance(exc, HookError) else describe(exc)  # neither raises
    try:
        S.lib.nemoml_set_error(msg.encode(errors="replace")[:1023])
    except BaseException:  # noqa: BLE001, S110 - the status alone must still reach the host
        pass
    return 1


def _session() -> Session:
    if S.session is None:
        raise RuntimeError("nemoml_init has not succeeded on this rank")
    return S.session


def boot() -> int:
    # TorchScript warns on every call that it is deprecated; we load it on purpose (and .pt2).
    warnings.filterwarnings("ignore", message=".*TorchScript.*", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*torch.jit.*", category=DeprecationWarning)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="nemoml %(levelname)s %(name)s: %(message)s")
    return 0


def _torch(settings: Settings) -> None:
    """Import torch on a rank that runs a model (at init or model load, never in a time step);
    the others keep views, gather and scatter without it (about 0.3 GB less per rank)."""
    import torch

    if torch.get_num_threads() != settings.nn_nemoml_threads:
        torch.set_num_threads(settings.nn_nemoml_threads)


def init(fcomm, grid, nfields, descs, settings_text) -> int:
    if S.session is not None:
        raise RuntimeError("nemoml_init called twice without nemoml_finalize")
    comm = host_comm(fcomm)
    ag = Agreement(comm, "nemoml_init")
    g = {k: int(getattr(grid, k)) for k in GRID_KEYS}
    settings = ag.run(Settings.from_text, S.ffi.string(settings_text).decode())
    if comm.Get_rank() == ROOT:  # the root writes them; checked before any costly work
        ag.run(Settings.check_outputs, settings)
    me = ag.run(subdomain_from_grid, g, comm.Get_rank())
    fields = ag.run(view_all, S.ffi, descs, nfields)
    ag.check()
    subs = comm.allgather(me)
    uncovered = ag.run(check_tiling, subs, g["ni0glo"], g["nj0glo"])
    ag.check()
    session = Session(comm, settings, g, subs)
    runs_handler = session.exchange.is_root and any(map(settings.hook_spec, HOOK_NAMES))
    if runs_handler or settings.models():
        ag.run(_torch, settings)
    session.registry.device = ag.run(device.select, settings.cn_nemoml_device, comm) or "cpu"
    ag.check()
    ag.run(session.set_static, fields)
    ag.check()
    session.gather_static(ag)
    for name, path in settings.models().items():
        ag.run(session.registry.load, name, path)
    if session.exchange.is_root:  # handlers run on the root: load their models now, not at kt
        ag.run(prepare_handlers, session)
    ag.check()
    S.session = session
    if session.rank == 0:
        log.info("initialised on %d rank(s), global grid %dx%dx%d, %d model(s)", len(subs),
                 g["ni0glo"], g["nj0glo"], g["jpk"], len(session.registry.models))
        if uncovered:
            log.info("%d grid point(s) in no rank's domain (land-only subdomains removed): "
                     "land", uncovered)
    return 0


def model_load(name, path, handle_out) -> int:
    s = _session()
    ag = s.agree("nemoml_model_load")
    ag.run(_torch, s.settings)
    h = ag.run(s.registry.load, S.ffi.string(name).decode(), S.ffi.string(path).decode())
    ag.check()
    handle_out[0] = h
    return 0


def forward_call(handle, mode, nin, inputs, nout, outputs) -> int:
    s = _session()
    ag = s.agree("nemoml_forward")
    model = ag.run(s.registry.by_handle, handle)
    ins = ag.run(S.views.get, inputs, nin)
    outs = ag.run(S.views.get, outputs, nout)
    # every rank must call in the same mode with the same fields, or a rank would wait for
    # ever in a gather the others never enter: agreed in the check before any collective
    same = ag.run(call_signature, mode, ins, outs, s.shape3d[1:])
    if mode == LOCAL:
        if ag.error is None:
            ag.run(forward.run_tensors, model, [f.tensor for f in ins.values()],
                   [f.tensor for f in outs.values()])
        ag.check(same, explain_signature)
        return 0
    ag.check(same, explain_signature)
    full_in = [s.exchange.gather(f.array, ag=ag) for f in ins.values()]
    full_out = None
    if s.exchange.is_root:
        full_out = ag.run(_allocate_outputs, s, outs)
        ag.run(forward.run, model, full_in, full_out)
    ag.check()
    for k, f in enumerate(outs.values()):
        s.exchange.scatter(full_out[k] if full_out else None, f.array, ag=ag)
    return 0


def call_signature(mode: int, ins: dict, outs: dict, grid2d: tuple[int, int]) -> tuple:
    """What every rank must pass alike to nemoml_forward: the mode, the fields' names, dtypes
    and (global mode) levels. Global fields must also end in this rank's (jpj, jpi); local
    fields are the model's business (ranks' subdomains differ). Compact, as it is agreed at
    every call; :func:`explain_signature` spells it out when ranks differ."""
    if mode not in MODE_NAMES:
        raise ValueError(f"forward mode {mode} is not NEMOML_LOCAL (0) or NEMOML_GLOBAL (1)")
    if mode == GLOBAL:
        for kind, fields in (("input", ins), ("output", outs)):
            for f in fields.values():
                _check_grid2d(kind, f, grid2d)
    return mode, _fields_signature(mode, ins), _fields_signature(mode, outs)


def _fields_signature(mode: int, fields: dict) -> tuple:
    return tuple((f.name, f.array.shape[:-2] if mode == GLOBAL else f.array.ndim,
                  f.array.dtype.char) for f in fields.values())


def explain_signature(sig: tuple | None) -> list[tuple[str, object]]:
    """A :func:`call_signature` as ``(label, value)`` pairs for the message, Fortran order."""
    if sig is None:  # this rank failed before: its error is reported instead
        return []
    mode, ins, outs = sig
    pairs: list[tuple[str, object]] = [("mode", MODE_NAMES[mode])]
    for kind, fields in (("input", ins), ("output", outs)):
        pairs.append((f"number of {kind}s", len(fields)))
        for k, (name, dims, char) in enumerate(fields, 1):
            shape = (",".join(["jpi", "jpj", *map(str, dims[::-1])]) if mode == GLOBAL
                     else f"{dims}-D")
            pairs.append((f"{kind} {k}", f"{name}({shape}) {np.dtype(char)}"))
    return pairs


def _check_grid2d(kind: str, f, grid2d: tuple[int, int]) -> None:
    """A global-mode field is (…, jpj, jpi) of this rank: its inner domain is gathered."""
    if f.array.shape[-2:] != grid2d:
        raise ValueError(f"{kind} {f.name}: shape {f.array.shape[::-1]} (Fortran order) does not "
                         f"end in this rank's (jpi, jpj) = {grid2d[::-1]}: a global forward "
                         "gathers (jpi, jpj[, levels]) fields")


def _allocate_outputs(s: Session, outs: dict) -> list:
    return [allocate((*f.array.shape[:-2], *s.exchange.shape2d), f.array.dtype, "outputs")
            for f in outs.values()]


def hook(which, kt, nfields, descs) -> int:
    s = _session()
    name = HOOK_NAMES[which]
    ag = s.agree(name)
    fields = ag.run(view_all, S.ffi, descs, nfields)
    ag.check()
    run_hook(s, name, fields)
    return 0


def cycle(kt, nfields, descs, iau_out) -> int:
    iau_out[0] = 0
    s = _session()
    ag = s.agree("nemoml_cycle")
    fields = ag.run(view_all, S.ffi, descs, nfields)
    ag.check()
    iau_out[0] = run_cycle(s, int(kt), fields)
    return 0


def finalize() -> int:
    S.views.clear()
    if S.session is not None:
        S.session.registry.clear()
        S.session.comm.Free()
        S.session = None
    return 0


def bind(ffi, lib) -> None:
    """Attach the callbacks to the embedding module (called from its init code)."""
    S.ffi, S.lib = ffi, lib
    S.views = ViewCache(ffi)

    def guarded(fn):
        def wrapper(*args):
            try:
                return fn(*args)
            except BaseException as exc:  # noqa: BLE001 - nothing may escape into C
                return _fail(exc)
        wrapper.__name__ = fn.__name__
        return wrapper

    ffi.def_extern(name="nemoml_py_boot", error=1)(guarded(boot))
    ffi.def_extern(name="nemoml_py_init", error=1)(guarded(init))
    ffi.def_extern(name="nemoml_py_model_load", error=1)(guarded(model_load))
    ffi.def_extern(name="nemoml_py_forward", error=1)(guarded(forward_call))
    ffi.def_extern(name="nemoml_py_hook", error=1)(guarded(hook))
    ffi.def_extern(name="nemoml_py_cycle", error=1)(guarded(cycle))
    ffi.def_extern(name="nemoml_py_ping", error=1)(lambda: 0)
    ffi.def_extern(name="nemoml_py_finalize", error=1)(guarded(finalize))
