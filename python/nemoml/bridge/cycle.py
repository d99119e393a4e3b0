"""What ``nemoml_cycle`` does: one state sample of cycled assimilation, from the host's step.

At a sampling step (every rank decides the same from the settings, no message) the fields the
handler reads are gathered to the root in its dtype; the root's handler keeps them in its
rolling window and, at a window's end, returns the analysis increments and the IAU length.
That length is broadcast; when it is > 0 the increments are checked, masked and scattered into
the host's ``*_bkginc`` fields, otherwise those are left untouched. Off the sampling steps the
call returns at once with ``iau_steps = 0`` (a host may call every step). Failures are agreed:
every rank returns the same status and message.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from nemoml.bridge.fields import Field
from nemoml.bridge.hooks import clean_results, handler, validate
from nemoml.bridge.session import Session
from nemoml.bridge.settings import Settings

HOOK = "nemoml_cycle"


@dataclass(frozen=True)
class CycleHandler:
    """``samples(settings, kt)``: whether step ``kt`` is a sample (every rank asks).
    ``step(session, argument, kt, inputs, outputs)`` on the root: ``(iau_steps, results)``,
    results ``{name: global array}`` for every name of ``outputs`` when ``iau_steps > 0``."""

    samples: Callable[[Settings, int], bool]
    step: Callable[[Session, str, int, dict[str, np.ndarray], dict[str, tuple[int, ...]]],
                   tuple[int, dict[str, np.ndarray] | None]]
    inputs: Callable[[Settings, str], Collection[str]]
    prepare: Callable[[Session, str], None] | None = None
    dtype: str | None = "float32"


def _handler(session: Session) -> tuple[str, str, CycleHandler]:
    spec = session.settings.hook_spec(HOOK)
    if not spec:
        raise ValueError("nemoml_cycle called but cycling is off (nn_nemoml_cycle = 0)")
    kind, _, argument = spec.partition(":")
    h = handler(kind)
    if not isinstance(h, CycleHandler):
        raise ValueError(f"handler {spec!r} is not a cycled-assimilation handler")
    return spec, argument, h


def _inputs(session: Session, h: CycleHandler, argument: str, fields: dict[str, Field]
            ) -> list[str]:
    names = list(h.inputs(session.settings, argument))
    missing = [n for n in names if n not in fields or fields[n].intent == "out"]
    if missing:
        raise ValueError(f"nemoml_cycle needs the field(s) {', '.join(missing)} with intent in "
                         f"(got {', '.join(f'{n}:{f.intent}' for n, f in fields.items())})")
    return names


def run_cycle(session: Session, kt: int, fields: dict[str, Field]) -> int:
    """One call of the host; returns the IAU length (0: nothing new), the same on every rank."""
    ag = session.agree(HOOK)
    found = ag.run(_handler, session)
    ag.check()
    spec, argument, h = found
    if not h.samples(session.settings, kt):
        return 0
    ag.run(validate, session, fields)
    names = ag.run(_inputs, session, h, argument, fields)
    ag.check()
    inputs = {n: session.exchange.gather(fields[n].array, h.dtype, ag) for n in names}
    shapes = {n: (*f.array.shape[:-2], *session.exchange.shape2d)
              for n, f in fields.items() if f.intent != "in"}
    steps, results = 0, None
    if session.exchange.is_root:
        out = ag.run(h.step, session, argument, kt, inputs, shapes)
        if out is not None:
            steps, results = out
            if steps > 0:
                results = ag.run(clean_results, session, spec, results, shapes, fields)
    ag.check()
    del inputs
    steps = int(session.comm.bcast(steps, root=0)) if not session.exchange.serial else steps
    if steps > 0:
        for name, f in fields.items():
            if f.intent != "in":
                session.exchange.scatter(results.pop(name) if results else None, f.array, ag)
    return steps
