"""What the istate and increments calls do.

Both follow one pattern: the fields with intent in/inout are gathered to the root as global
(…, Nj0glo, Ni0glo) arrays, a handler maps them to the fields with intent inout/out, and those
are masked and scattered back. Handlers are chosen by setting (``cn_nemoml_istate``,
``cn_nemoml_increments``) as ``"kind:argument"``.

Built in: ``model:NAME`` runs a loaded model as ``outputs = model(*inputs)``, inputs and outputs
in the order the host passed the fields. Other rooms register more kinds with ``register``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nemoml.bridge import forward
from nemoml.bridge.fields import Field, check_same_dtype, check_shape, check_values
from nemoml.bridge.session import Session

# kind -> handler(session, argument, inputs {name: global array}, outputs {name: global shape})
#         -> {name: global array}
Handler = Callable[[Session, str, dict[str, np.ndarray], dict[str, tuple[int, ...]]],
                   dict[str, np.ndarray]]
HANDLERS: dict[str, Handler] = {}
HOOK_NAMES = ("nemoml_istate", "nemoml_increments")
HOOK_SETTING = {"nemoml_istate": "cn_nemoml_istate", "nemoml_increments": "cn_nemoml_increments"}


def register(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


def _model_handler(session, argument, inputs, outputs):
    model = session.registry.by_name(argument)
    results = {name: np.empty(shape) for name, shape in outputs.items()}
    forward.run(model, list(inputs.values()), list(results.values()))
    return results


register("model", _model_handler)


def validate(session: Session, fields: dict[str, Field]) -> None:
    check_same_dtype(fields)
    jpk, jpj, jpi = session.shape3d
    for f in fields.values():
        check_shape(f, (jpk, jpj, jpi) if f.array.ndim == 3 else (jpj, jpi))
        if f.intent != "out":
            check_values(f, session.mask_for(f), session.offset,
                         session.settings.ln_nemoml_check_land)


def _run_handler(session: Session, spec: str, inputs: dict[str, np.ndarray],
                 fields: dict[str, Field]) -> dict[str, np.ndarray]:
    kind, _, argument = spec.partition(":")
    if kind not in HANDLERS:
        raise ValueError(f"unknown handler {spec!r} (known kinds: {', '.join(sorted(HANDLERS))})")
    shapes = {n: (*f.array.shape[:-2], *session.exchange.shape2d)
              for n, f in fields.items() if f.intent != "in"}
    results = HANDLERS[kind](session, argument, inputs, shapes)
    for name, expect in shapes.items():
        f = fields[name]
        if name not in results:
            raise ValueError(f"handler {spec!r} returned no {name}")
        r = np.asarray(results[name], dtype=np.float64)
        if r.shape != expect:
            raise ValueError(f"handler {spec!r}: {name} has shape {r.shape}, expected {expect}")
        mask = session.global_mask_for(f.cgrid, r.ndim)
        if not np.isfinite(r[mask]).all():
            raise ValueError(f"handler {spec!r}: {name} has NaN/Inf on ocean points")
        results[name] = np.where(mask, r, 0.0)
    return results


def run_hook(session: Session, hook: str, fields: dict[str, Field]) -> None:
    """Gather, run the configured handler on the root, scatter; failures agreed by all ranks."""
    spec = getattr(session.settings, HOOK_SETTING[hook])
    ag = session.agree(hook)
    ag.run(validate, session, fields)
    ag.check()
    if not spec:
        return  # switched off: the host's fields are left as they are
    inputs = {n: session.exchange.gather(f.array) for n, f in fields.items() if f.intent != "out"}
    results = None
    if session.exchange.is_root:
        results = ag.run(_run_handler, session, spec, inputs, fields)
    ag.check()
    for name, f in fields.items():
        if f.intent != "in":
            session.exchange.scatter(results[name] if results else None, f.array)
