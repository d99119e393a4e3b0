"""Running a model on numpy views: wrap as tensors, call, copy into the caller's buffers."""

from __future__ import annotations

import numpy as np
import torch

from nemoml.bridge.registry import LoadedModel


def run(model: LoadedModel, inputs: list[np.ndarray], outputs: list[np.ndarray]) -> None:
    """``outputs[k][...] = model(*inputs)[k]``, checking count, shape and dtype."""
    if model.dtype is not None and inputs and inputs[0].dtype != np.dtype(
            str(model.dtype).removeprefix("torch.")):
        raise TypeError(f"model {model.name!r} has {model.dtype} weights but the inputs are "
                        f"{inputs[0].dtype}")
    with torch.inference_mode():
        y = model.module(*[torch.from_numpy(a) for a in inputs])
        ys = (y,) if isinstance(y, torch.Tensor) else tuple(y)
        if len(ys) != len(outputs):
            raise ValueError(f"model {model.name!r} returned {len(ys)} tensor(s), the caller "
                             f"expects {len(outputs)}")
        for k, (out, t) in enumerate(zip(outputs, ys)):
            if tuple(t.shape) != out.shape:
                raise ValueError(f"model {model.name!r} output {k} has shape "
                                 f"{tuple(t.shape)[::-1]} (Fortran order), the caller's array is "
                                 f"{out.shape[::-1]}")
            torch.from_numpy(out).copy_(t)
