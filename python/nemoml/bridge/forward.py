"""Running a model on numpy views: wrap as tensors, call, copy into the caller's buffers.

torch is imported on first use: ranks that never run a model never load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nemoml.bridge.registry import LoadedModel

if TYPE_CHECKING:
    import torch


def run(model: LoadedModel, inputs: list[np.ndarray], outputs: list[np.ndarray]) -> None:
    """``outputs[k][...] = model(*inputs)[k]``, checking count, shape and dtype."""
    import torch

    run_tensors(model, [torch.from_numpy(a) for a in inputs],
                [torch.from_numpy(a) for a in outputs])


def run_tensors(model: LoadedModel, inputs: list[torch.Tensor],
                outputs: list[torch.Tensor]) -> None:
    """As ``run`` on tensors sharing the caller's memory (the per-call fast path)."""
    import torch

    if model.dtype is not None and inputs and inputs[0].dtype != model.dtype:
        raise TypeError(f"model {model.name!r} has {model.dtype} weights but the inputs are "
                        f"{inputs[0].dtype}")
    if model.device != "cpu":
        inputs = [t.to(model.device) for t in inputs]
    with torch.no_grad():
        y = model.module(*inputs)
        ys = (y,) if isinstance(y, torch.Tensor) else y
        if len(ys) != len(outputs):
            raise ValueError(f"model {model.name!r} returned {len(ys)} tensor(s), the caller "
                             f"expects {len(outputs)}")
        for k in range(len(outputs)):
            out, t = outputs[k], ys[k]
            if t.shape != out.shape:
                raise ValueError(f"model {model.name!r} output {k} has shape "
                                 f"{tuple(t.shape)[::-1]} (Fortran order), the caller's array is "
                                 f"{tuple(out.shape)[::-1]}")
            out.copy_(t)
