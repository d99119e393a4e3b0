"""Density on CPU tensors through the C kernels, with an analytic backward.

The plain-op torch EOS (:mod:`nemoml.eos.torch_eos`) runs ~110 elementwise ops, each
allocating a tensor; here the forward is one C pass and the backward uses NEMO's own
derivatives, -d(rd)/dT = alpha, d(rd)/dS = beta (and rho0 times those at the surface for
rhop), from one ``rab`` pass. First derivatives only. CUDA tensors take the plain-op path,
which autograd differentiates on the device.
"""

from __future__ import annotations

import numpy as np
import torch

from nemoml.eos import core
from nemoml.eos.params import EOS


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().contiguous().numpy()


class _Density(torch.autograd.Function):
    """rd (surface=False) or rhop (surface=True) with d/dT = -k*alpha, d/dS = k*beta."""

    @staticmethod
    def forward(ctx, T, S, depth, mask, eos: EOS, surface: bool):
        m = None if mask is None else _np(mask)
        out = core.insitu(_np(T), _np(S), _np(depth), eos, m)[1 if surface else 0]
        ctx.save_for_backward(T, S, depth, mask)
        ctx.eos, ctx.surface = eos, surface
        return torch.from_numpy(out)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        T, S, depth, mask = ctx.saved_tensors
        z = np.zeros(1, _np(T).dtype) if ctx.surface else _np(depth)
        alpha, beta = core.rab(_np(T), _np(S), z, ctx.eos, None if mask is None else _np(mask))
        k = ctx.eos.rho0 if ctx.surface else 1.0
        gT = -k * torch.from_numpy(alpha) * grad if ctx.needs_input_grad[0] else None
        gS = k * torch.from_numpy(beta) * grad if ctx.needs_input_grad[1] else None
        return gT, gS, None, None, None, None


def _prep(T, S, depth, mask):
    shape = torch.broadcast_shapes(T.shape, S.shape, *(() if mask is None else (mask.shape,)))
    T, S = T.expand(shape), S.expand(shape)
    depth = torch.as_tensor(depth, dtype=T.dtype)
    mask = None if mask is None else torch.as_tensor(mask, dtype=T.dtype).expand(shape)
    return T, S, depth, mask


def fused_rhd(T: torch.Tensor, S: torch.Tensor, depth, eos: EOS, mask=None) -> torch.Tensor:
    """``torch_eos.rhd`` computed by the C kernels on CPU tensors (same values, analytic grad)."""
    if T.is_cuda or S.is_cuda:
        from nemoml.eos import torch_eos

        return torch_eos.rhd(T, S, depth, eos, mask)
    return _Density.apply(*_prep(T, S, depth, mask), eos, False)


def fused_sigma0(T: torch.Tensor, S: torch.Tensor, eos: EOS, mask=None) -> torch.Tensor:
    """``torch_eos.sigma0`` computed by the C kernels on CPU tensors (analytic grad)."""
    if T.is_cuda or S.is_cuda:
        from nemoml.eos import torch_eos

        return torch_eos.sigma0(T, S, 0.0, eos, mask)
    T, S, depth, m = _prep(T, S, 0.0, mask)
    sig = _Density.apply(T, S, depth, m, eos, True) - 1000.0
    return sig if m is None else sig * m
