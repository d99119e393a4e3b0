"""What the istate and increments calls do.

Both follow one pattern: the fields with intent in/inout that the handler reads are gathered to
the root as global (…, Nj0glo, Ni0glo) arrays in the handler's dtype, a handler maps them to the
fields with intent inout/out, and those are masked and scattered back.

Peak memory on the root, beyond the handler's own work: the gathered inputs and the results
(each a global field in the handler's dtype) plus one message buffer of 1/8 of the largest field
(``exchange.CHUNKS``): ``sum(inputs) + sum(results) + max(field) / 8`` bytes.

The handler is ``"kind:argument"`` from the settings
(``Settings.hook_spec``): ``generator`` for ``ln_nemoml_istate``, ``4dvarnet`` for
``ln_nemoml_asm``, or ``model:NAME``, which runs a loaded model as ``outputs = model(*inputs)``
with inputs and outputs in the order the host passed the fields. ``nemoml_cycle`` (see
:mod:`nemoml.bridge.cycle`) runs the ``cycle`` kind (``nemoml.bridge.handlers.cycle``) when
``nn_nemoml_cycle > 0``.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from nemoml.bridge import forward, memory
from nemoml.bridge.fields import Field, check_same_dtype, check_shape, check_values
from nemoml.bridge.session import Session
from nemoml.bridge.settings import Settings

HOOK_NAMES = ("nemoml_istate", "nemoml_increments", "nemoml_cycle")
log = logging.getLogger("nemoml.bridge")


@dataclass(frozen=True)
class Handler:
    """``run(session, argument, inputs {name: global array}, outputs {name: global shape})``
    returns ``{name: global array}``; ``prepare(session, argument)`` runs once at init.

    ``inputs(settings, argument)`` names the fields ``run`` reads (None: every field with intent
    in or inout); it must depend on the settings only, as every rank asks it. ``dtype`` is the
    gathered fields' (None: the host's)."""

    run: Callable[[Session, str, dict[str, np.ndarray], dict[str, tuple[int, ...]]],
                  dict[str, np.ndarray]]
    prepare: Callable[[Session, str], None] | None = None
    inputs: Callable[[Settings, str], Collection[str]] | None = None
    dtype: str | None = None


def _run_model(session, argument, inputs, outputs):
    model = session.registry.by_name(argument)
    dtype = next(iter(inputs.values())).dtype if inputs else np.float64
    results = {name: np.empty(shape, dtype) for name, shape in outputs.items()}
    forward.run(model, list(inputs.values()), list(results.values()))
    return results


def _prepare_model(session, argument):
    session.registry.by_name(argument)  # the model must be among cn_nemoml_models


HANDLERS: dict[str, Handler] = {"model": Handler(_run_model, _prepare_model)}
# the kinds of nemoml.bridge.handlers, imported on first use (they import torch and the model
# rooms): each module defines HANDLER
LAZY_HANDLERS = {"generator": "nemoml.bridge.handlers.generator",
                 "4dvarnet": "nemoml.bridge.handlers.fourdvarnet",
                 "cycle": "nemoml.bridge.handlers.cycle"}


def handler(kind: str) -> Handler:
    if kind not in HANDLERS and kind in LAZY_HANDLERS:
        HANDLERS[kind] = importlib.import_module(LAZY_HANDLERS[kind]).HANDLER
    if kind not in HANDLERS:
        raise ValueError(f"unknown handler {kind!r} (known kinds: "
                         f"{', '.join(sorted({*HANDLERS, *LAZY_HANDLERS}))})")
    return HANDLERS[kind]


def prepare_handlers(session: Session) -> None:
    """Load what the active handlers need, at init (seconds), never inside a time step."""
    for hook in HOOK_NAMES:
        spec = session.settings.hook_spec(hook)
        if spec:
            kind, _, argument = spec.partition(":")
            h = handler(kind)
            if h.prepare is not None:
                h.prepare(session, argument)


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
    shapes = {n: (*f.array.shape[:-2], *session.exchange.shape2d)
              for n, f in fields.items() if f.intent != "in"}
    results = handler(kind).run(session, argument, inputs, shapes)
    return clean_results(session, spec, results, shapes, fields)


def clean_results(session: Session, spec: str, results: dict[str, np.ndarray],
                  shapes: dict[str, tuple[int, ...]], fields: dict[str, Field]
                  ) -> dict[str, np.ndarray]:
    """Check a handler's global results (names, shapes, finite on ocean) and zero their land."""
    for name, expect in shapes.items():
        f = fields[name]
        if name not in results:
            raise ValueError(f"handler {spec!r} returned no {name}")
        r = np.asarray(results[name])
        if r.shape != expect:
            raise ValueError(f"handler {spec!r}: {name} has shape {r.shape}, expected {expect}")
        if not r.flags.writeable:
            r = r.copy()
        mask = session.global_mask_for(f.cgrid, r.ndim)
        for level, m in zip(r.reshape(-1, *r.shape[-2:]), mask.reshape(-1, *mask.shape[-2:]),
                            strict=True):  # level by level: no temporary of the field's size
            if not np.isfinite(level[m]).all():
                raise ValueError(f"handler {spec!r}: {name} has NaN/Inf on ocean points")
            level[~m] = 0
        results[name] = r
    return results


def _wanted(session: Session, spec: str, fields: dict[str, Field]) -> tuple[list[str], object]:
    """The fields the handler reads, and the dtype it wants them in."""
    kind, _, argument = spec.partition(":")
    h = handler(kind)
    names = [n for n, f in fields.items() if f.intent != "out"]
    if h.inputs is not None:
        wanted = set(h.inputs(session.settings, argument))
        names = [n for n in names if n in wanted]
    return names, h.dtype


def run_hook(session: Session, hook: str, fields: dict[str, Field]) -> None:
    """Gather, run the configured handler on the root, scatter; failures agreed by all ranks."""
    spec = session.settings.hook_spec(hook)
    ag = session.agree(hook)
    ag.run(validate, session, fields)
    ag.check()
    if not spec:
        return  # switched off: the host's fields are left as they are
    phases = memory.Phases()
    names, dtype = ag.run(_wanted, session, spec, fields) or ([], None)
    ag.check()
    inputs = {n: session.exchange.gather(fields[n].array, dtype, ag) for n in names}
    phases.mark("gather", sum(a.nbytes for a in inputs.values() if a is not None))
    results = None
    if session.exchange.is_root:
        results = ag.run(_run_handler, session, spec, inputs, fields)
    ag.check()
    del inputs
    phases.mark("handler")
    nbytes = sum(r.nbytes for r in results.values()) if results else 0
    for name, f in fields.items():
        if f.intent != "in":
            session.exchange.scatter(results.pop(name) if results else None, f.array, ag)
    phases.mark("scatter", nbytes)
    _report(session, hook, phases)


def _report(session: Session, hook: str, phases: memory.Phases) -> None:
    """One log line on the root: seconds and memory of each phase, every rank's peak."""
    peaks = session.comm.gather(phases.life_peak, root=0)
    if session.exchange.is_root:
        phases.figures["rss_peak_gb"] = round(peaks[0] / 1e9, 4)
        phases.figures["other_ranks_rss_peak_gb"] = round(max(peaks[1:], default=0) / 1e9, 4)
        log.info("%s profile %s", hook, json.dumps(phases.figures))
