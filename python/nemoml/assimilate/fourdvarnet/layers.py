"""Building blocks of 4DVarNet: a bilinear auto-encoder prior with a hand-written adjoint, and a
ConvLSTM gradient model.

Edges: ``circ_h`` / ``circ_w`` wrap the box (the doubly periodic QG case); on NEMO grids
``circ_w`` is east-west periodicity and ``fold`` the north fold (``grid.padding.FOLDS``: 0 none,
1 T pivot, 2 F pivot), padded by :mod:`nemoml.grid.padding` and its adjoint.

The prior carries its own vector-Jacobian product so that the solver's cost gradient is an
ordinary forward computation: training differentiates it once, and the exported solver needs no
autograd at inference (TorchScript and ``torch.export`` both take it as a plain graph).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nemoml.grid.padding import pad, pad_adjoint


def _pad(x: Tensor, circ_h: bool, circ_w: bool) -> Tensor:
    """Pad the last two axes by one cell, circularly (periodic domain) or with zeros."""
    x = F.pad(x, (1, 1, 0, 0), mode="circular") if circ_w else F.pad(x, (1, 1, 0, 0))
    return F.pad(x, (0, 0, 1, 1), mode="circular") if circ_h else F.pad(x, (0, 0, 1, 1))


def _fold(g: Tensor, dim: int, circular: bool) -> Tensor:
    """Adjoint of a one-cell pad along ``dim`` (-1 or -2)."""
    n = g.shape[dim] - 2
    core = g.narrow(dim, 1, n)
    if not circular:
        return core
    first = g.narrow(dim, 0, 1)
    last = g.narrow(dim, n + 1, 1)
    middle = torch.zeros_like(core.narrow(dim, 0, n - 2))
    return core + torch.cat([last, middle, first], dim=dim)


def _pad_adjoint(g: Tensor, circ_h: bool, circ_w: bool) -> Tensor:
    return _fold(_fold(g, -2, circ_h), -1, circ_w)


class PaddedConv(nn.Module):
    """3x3 convolution on an explicitly padded input, with its adjoint."""

    def __init__(self, c_in: int, c_out: int, circ_h: bool, circ_w: bool, groups: int = 1,
                 fold: int = 0):
        super().__init__()
        if fold and circ_h:
            raise ValueError("a north fold closes the grid's top: it cannot also wrap north-south")
        self.conv = nn.Conv2d(c_in, c_out, 3, groups=groups)
        self.circ_h = circ_h
        self.circ_w = circ_w
        self.groups = groups
        self.fold = fold

    def forward(self, x: Tensor) -> Tensor:
        if self.fold > 0:
            return self.conv(pad(x, 1, self.circ_w, self.fold))
        return self.conv(_pad(x, self.circ_h, self.circ_w))

    def adjoint(self, v: Tensor) -> Tensor:
        """Jacobian-transpose product (the bias does not depend on the input)."""
        g = F.conv_transpose2d(v, self.conv.weight, groups=self.groups)
        if self.fold > 0:
            return pad_adjoint(g, 1, self.circ_w, self.fold)
        return _pad_adjoint(g, self.circ_h, self.circ_w)


class BilinAE(nn.Module):
    """Bilinear auto-encoder prior phi (one scale), as in 4dvarnet-starter.

    ``avgpool(2) -> conv -> relu -> conv = z``; ``[B1 z, B21 z * B22 z] -> conv``; then an
    upsampling by two (nearest, then a fixed [1 2 1] smoothing) back to the input grid.
    """

    def __init__(self, channels: int, hidden: int, circ_h: bool, circ_w: bool, fold: int = 0):
        super().__init__()
        edges = {"circ_h": circ_h, "circ_w": circ_w, "fold": fold}
        self.enc1 = PaddedConv(channels, hidden, **edges)
        self.enc2 = PaddedConv(hidden, hidden, **edges)
        self.b1 = PaddedConv(hidden, hidden, **edges)
        self.b21 = PaddedConv(hidden, hidden, **edges)
        self.b22 = PaddedConv(hidden, hidden, **edges)
        self.dec = PaddedConv(2 * hidden, channels, **edges)
        self.smooth = PaddedConv(channels, channels, groups=channels, **edges)
        k1 = torch.tensor([1.0, 2.0, 1.0])
        kernel = (k1[:, None] * k1[None, :] / 16.0).expand(channels, 1, 3, 3).clone()
        self.smooth.conv.weight = nn.Parameter(kernel, requires_grad=False)
        self.smooth.conv.bias = nn.Parameter(torch.zeros(channels), requires_grad=False)
        self.hidden = hidden

    def _up(self, d: Tensor) -> Tensor:
        return self.smooth(d.repeat_interleave(2, dim=-2).repeat_interleave(2, dim=-1))

    def forward(self, x: Tensor) -> Tensor:
        z = self.enc2(torch.relu(self.enc1(F.avg_pool2d(x, 2))))
        cat = torch.cat([self.b1(z), self.b21(z) * self.b22(z)], dim=1)
        return self._up(self.dec(cat))

    def value_and_vjp(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Return ``phi(x)`` and ``J_phi(x)^T r`` with ``r = x - phi(x)`` (the prior residual)."""
        z1 = self.enc1(F.avg_pool2d(x, 2))
        z = self.enc2(torch.relu(z1))
        q1 = self.b21(z)
        q2 = self.b22(z)
        cat = torch.cat([self.b1(z), q1 * q2], dim=1)
        phi = self._up(self.dec(cat))
        v = x - phi
        # reverse pass: smoothing and nearest upsampling, decoder, bilinear block, encoder, pool
        v = self.smooth.adjoint(v)
        b, c, h, w = v.shape
        v = v.reshape(b, c, h // 2, 2, w // 2, 2).sum(dim=(3, 5))
        v_cat = self.dec.adjoint(v)
        v_p = v_cat[:, : self.hidden]
        v_q = v_cat[:, self.hidden :]
        v_z = self.b1.adjoint(v_p) + self.b21.adjoint(v_q * q2) + self.b22.adjoint(v_q * q1)
        v_z1 = self.enc1.adjoint(self.enc2.adjoint(v_z) * (z1 > 0).to(z1.dtype))
        v_x = v_z1.repeat_interleave(2, dim=-2).repeat_interleave(2, dim=-1) * 0.25
        return phi, v_x


class FirstGuess(nn.Module):
    """Normalised convolution of the observations: ``G * (m y) / (G * m + eps)``.

    ``G`` is a fixed separable Gaussian (``sigma_px`` cells in space, ``sigma_t`` channels across
    the window). It gives the solver a smooth starting field where the observations are dense
    and relaxes to 0 (the mean) far from them, so the learned iterations refine rather than
    build the field from nothing.
    """

    def __init__(self, channels: int, sigma_px: float, sigma_t: float, circ_h: bool,
                 circ_w: bool):
        super().__init__()
        r = int(math.ceil(2.5 * sigma_px))
        g = torch.exp(-0.5 * (torch.arange(-r, r + 1, dtype=torch.float32) / sigma_px) ** 2)
        t = torch.arange(channels, dtype=torch.float32)
        mix = torch.exp(-0.5 * ((t[:, None] - t[None, :]) / sigma_t) ** 2)
        self.register_buffer("kernel", (g / g.sum()).reshape(1, 1, 1, -1))
        self.register_buffer("mix", mix.reshape(channels, channels, 1, 1))
        self.r = r
        self.circ_h = circ_h
        self.circ_w = circ_w

    def _blur(self, a: Tensor) -> Tensor:
        b, c, h, w = a.shape
        a = F.conv2d(a, self.mix)
        a = a.reshape(b * c, 1, h, w)
        a = F.pad(a, (self.r, self.r, 0, 0), mode="circular" if self.circ_w else "constant")
        a = F.conv2d(a, self.kernel)
        a = F.pad(a, (0, 0, self.r, self.r), mode="circular" if self.circ_h else "constant")
        a = F.conv2d(a, self.kernel.transpose(2, 3))
        return a.reshape(b, c, h, w)

    def forward(self, y: Tensor, mask: Tensor) -> Tensor:
        return self._blur(mask * y) / (self._blur(mask) + 0.05)


class ConvLstmGrad(nn.Module):
    """ConvLSTM on the normalised cost gradient; returns the update and the new state.

    It runs on a grid coarsened by ``downsample`` (average pooling, bilinear upsampling of its
    output), so each solver step spreads information ``downsample`` cells further. With
    ``wrap_upsample`` (NEMO grids) the upsampling sees the wrapped neighbours too (the coarse
    output is padded on those edges only, upsampled, and cropped back); closed edges keep the
    clamped upsampling.
    """

    def __init__(self, channels: int, hidden: int, circ_h: bool, circ_w: bool,
                 downsample: int = 1, fold: int = 0, wrap_upsample: bool = False):
        super().__init__()
        self.gates = PaddedConv(channels + hidden, 4 * hidden, circ_h, circ_w, fold=fold)
        self.out = nn.Conv2d(hidden, channels, 1)
        self.hidden = hidden
        self.downsample = downsample
        self.wrap = wrap_upsample and (circ_w or fold > 0)
        self.circ_w = circ_w
        self.fold = fold

    def _upsample(self, out: Tensor, size: list[int]) -> Tensor:
        if not self.wrap:
            return F.interpolate(out, size=size, mode="bilinear", align_corners=False)
        d = self.downsample
        p = pad(out, 1, self.circ_w, self.fold)[..., 1:, :]  # the closed south row dropped
        if self.fold == 0:
            p = p[..., :-1, :]
        if not self.circ_w:
            p = p[..., 1:-1]
        up = F.interpolate(p, size=[p.shape[-2] * d, p.shape[-1] * d], mode="bilinear",
                           align_corners=False)[..., : size[0], :]
        return up[..., d: d + size[1]] if self.circ_w else up

    def forward(self, g: Tensor, h: Tensor, c: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        size = [g.shape[-2], g.shape[-1]]
        if self.downsample > 1:
            g = F.avg_pool2d(g, self.downsample)
        i, f, o, cand = torch.chunk(self.gates(torch.cat([g, h], dim=1)), 4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(cand)
        h = torch.sigmoid(o) * torch.tanh(c)
        out = self.out(h)
        if self.downsample > 1:
            out = self._upsample(out, size)
        return out, h, c
